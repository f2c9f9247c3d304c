"""The steps that read facts on a host: one per fact (``fact_step``), or in batches.

Facts of one kind (the details of a path, a file's hash) that
a wave reads together share one command, so one process, instead of one each.

A fact joins a batch through ``FactBase.batch`` (see ``corral.model.facts.FactBatch``);
the batch's text for each item is exactly what the fact's own command prints, so it is
stored, parsed and guarded as if read alone. An item the batch cannot vouch for is read
alone afterwards, and that kind of batch is not used again on the host.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass, field, replace
from typing import Any

from corral.connectors import shell
from corral.connectors.framing import RC_FUNCTION, Step
from corral.model.command import CommandOutput, MaskString
from corral.model.errors import FactProcessError
from corral.model.facts import FactBatch
from corral.model.operation import GlobalArgs
from corral.model.privilege import Privilege

from .probe import KEY_CACHE, FactFailed, FactKey

#: what a fact step prints on stderr, with exit code MISSING_EXIT, when the program its
#: fact requires (``requires_command``) is not on the host
MISSING_PROGRAM = "corral: the program this fact requires is not installed"
MISSING_EXIT = 127


def program_missing(out: CommandOutput) -> bool:
    """Whether a fact step's output says its required program is missing."""
    return out.exit_code == MISSING_EXIT and out.stderr == MISSING_PROGRAM + "\n"


#: what sudo and su say when the user to become does not exist (yet): the fact reads as
#: its default, as in pyinfra (an earlier operation may create the user)
_SUDO_UNKNOWN_USER = re.compile(r"^sudo: unknown user")
_SU_UNKNOWN_USER = re.compile(r"^su: (user .+ does not exist|unknown login)")


def _unknown_user(privilege: Privilege, first_error_line: str) -> bool:
    """Whether sudo or su refused because the user it was to become does not exist."""
    return bool((privilege.sudo_user and _SUDO_UNKNOWN_USER.match(first_error_line))
                or (privilege.su_user and _SU_UNKNOWN_USER.match(first_error_line)))


def output_lines(stdout: str) -> list[str]:
    """A fact command's output as lines: cut at newlines only (``str.splitlines`` also cuts
    at carriage returns, form feeds, U+2028... which are data in a file or a name)."""
    if not stdout:
        return []
    lines = stdout.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def fact_value(key: FactKey, out: CommandOutput) -> Any:
    """The value a fact step's output gives: the parsed output; the fact's default when its
    program is missing or its command answers "not there"; else a :class:`FactFailed`
    holding the fact's name, the exit code and the command's error output."""
    fact = key.cls()
    if out.exit_code != 0:
        first = out.stderr.lstrip().partition("\n")[0]
        if (program_missing(out) or fact.is_absent(out.exit_code, out.stderr)
                or _unknown_user(key.privilege, first)):
            return key.cls.default()
        lines = [line.strip()[:300] for line in out.stderr.strip().splitlines()[-5:]]
        said = "; ".join(line for line in lines if line) or "no error output"
        return FactFailed(f"fact {_short(key.label)} failed (exit code {out.exit_code}): "
                          f"{said}")
    try:
        # as pyinfra, process() runs on the instance whose command() made the command: a
        # fact may keep there what it needs to parse (a path, say)
        fact.command(*key.args, **key.call_kwargs())
        return fact.process(output_lines(out.stdout))
    except FactProcessError as exc:  # corral's FactParseError, or a custom fact's
        return FactFailed(f"fact {_short(key.label)}: {exc}")
    except Exception as exc:
        return FactFailed(f"fact {_short(key.label)}: cannot parse its output "
                          f"({type(exc).__name__}: {exc})")


def _short(label: str, limit: int = 200) -> str:
    return label if len(label) <= limit else label[:limit] + "...)"


class StepCache:
    """The steps reading facts, made once per run and shared by its hosts (a step is the
    same on every host). It belongs to its run: a fact's ``command`` is the deploy's
    code, and two runs in one process (two ``api.arun`` at once) each make their own.
    A step holding a secret is not kept."""

    def __init__(self) -> None:
        self._singles: dict[FactKey, Step] = {}
        self._groups: dict[tuple[type[FactBatch], tuple[str, ...], Privilege], Step] = {}

    def fact(self, key: FactKey) -> Step:
        """The step reading one fact."""
        step = self._singles.get(key)
        if step is None:
            step, secret = _fact_step(key)
            if not secret and len(self._singles) < KEY_CACHE:
                self._singles[key] = step
        return step

    def group(self, family: type[FactBatch], items: tuple[str, ...],
              privilege: Privilege) -> Step:
        """The step reading a batch of facts of one kind."""
        key = (family, items, privilege)
        step = self._groups.get(key)
        if step is None:
            step = _group_step(family, items, privilege)
            if len(self._groups) < 1024:
                self._groups[key] = step
        return step


def fact_step(key: FactKey) -> Step:
    """The step reading one fact, made now (a run's :class:`StepCache` keeps them)."""
    return _fact_step(key)[0]


def _fact_step(key: FactKey) -> tuple[Step, bool]:
    fact = key.cls()
    command = fact.command(*key.args, **key.call_kwargs())
    g = GlobalArgs.of_privilege(key.privilege)
    if key.cls.shell_executable:
        g = replace(g, shell_executable=key.cls.shell_executable)
    secret = isinstance(command, MaskString)
    if secret:  # it holds a password: keep it off command lines
        text = shell.wrap_hidden(str.__str__(command), g)
    else:
        inline = fact.runs_inline(*key.args, **key.call_kwargs())
        text = shell.wrap(command, g, trusted=True, inline=inline)
    required: Any = key.cls.requires_command
    if callable(required):  # pyinfra also allows a method of the fact's arguments
        required = required(fact, *key.args, **key.call_kwargs())
    if required:
        # a missing program is told apart from a command that failed: the fact then reads
        # as its default, where a failure fails what reads it
        text = (f"if command -v {shlex.quote(str(required))} >/dev/null 2>&1; then {text}\n"
                f"else printf '%s\\n' '{MISSING_PROGRAM}' >&2; {RC_FUNCTION} {MISSING_EXIT}; fi")
    return Step(text=f"LC_ALL=C; export LC_ALL; {text}", independent=True), secret


@functools.lru_cache(maxsize=KEY_CACHE)
def batch_of(key: FactKey) -> tuple[type[FactBatch], str] | None:
    """The batch a fact can be read in, and its item there (None: read alone). A fact's
    declaration about its key, as ``FactKey.reads``: kept process-wide, by the key (a
    bounded LRU cache, never cleared: a new run loses nothing by finding it there)."""
    return key.cls().batch(*key.args, **key.call_kwargs())


def _group_step(family: type[FactBatch], items: tuple[str, ...],
                privilege: Privilege) -> Step:
    text = shell.wrap(family.command(list(items)), GlobalArgs.of_privilege(privilege),
                      trusted=True, inline=family.inline)
    return Step(text=f"LC_ALL=C; export LC_ALL; {text}", independent=True)


@dataclass
class _Group:
    family: type[FactBatch]
    items: list[str]
    members: list[tuple[FactKey, str]]


@dataclass
class FetchPlan:
    """The steps reading ``keys``: first one per fact read alone, then one per batch."""

    singles: list[FactKey] = field(default_factory=list)
    groups: list[_Group] = field(default_factory=list)

    def steps(self, cache: StepCache, only_if_stopped: bool = False) -> list[Step]:
        steps = [cache.fact(k) for k in self.singles]
        for g in self.groups:
            steps.append(cache.group(g.family, tuple(g.items), g.members[0][0].privilege))
        if only_if_stopped:
            steps = [replace(s, only_if_stopped=True) for s in steps]
        return steps

    def outputs(self, outputs: list[CommandOutput | None]
                ) -> tuple[list[FactKey], list[CommandOutput | None], list[FactKey]]:
        """Each fact with its own output, and the facts to read again alone."""
        keys: list[FactKey] = list(self.singles)
        outs: list[CommandOutput | None] = list(outputs[: len(self.singles)])
        again: list[FactKey] = []
        for g, out in zip(self.groups, outputs[len(self.singles):], strict=True):
            if out is None or out.exit_code != 0:
                again += [k for k, _ in g.members]
                continue
            texts = g.family.split(out.stdout, g.items)
            for key, item in g.members:
                text = texts.get(item)
                if text is None:
                    again.append(key)
                else:
                    keys.append(key)
                    outs.append(CommandOutput(stdout=text, stderr="", exit_code=0))
        return keys, outs, again


def plan_fetch(keys: list[FactKey], unbatchable: set[type[FactBatch]]) -> FetchPlan:
    plan = FetchPlan()
    grouped: dict[tuple[type[FactBatch], Any], list[tuple[FactKey, str]]] = {}
    for key in keys:
        found = batch_of(key)
        if found is None or found[0] in unbatchable:
            plan.singles.append(key)
        else:
            grouped.setdefault((found[0], key.privilege), []).append((key, found[1]))
    for (family, _), members in grouped.items():
        if len(members) < 2:
            plan.singles += [k for k, _ in members]
            continue
        items = list(dict.fromkeys(item for _, item in members))
        for start in range(0, len(items), family.max_items):
            chunk = items[start:start + family.max_items]
            chosen = set(chunk)
            plan.groups.append(_Group(family, chunk, [m for m in members if m[1] in chosen]))
    return plan


def families(keys: list[FactKey]) -> set[type[FactBatch]]:
    found = set()
    for key in keys:
        b = batch_of(key)
        if b is not None:
            found.add(b[0])
    return found
