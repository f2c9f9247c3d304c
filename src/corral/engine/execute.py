"""Executing a wave: one script with every command of the wave, then the results."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import shlex
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corral.connectors import shell
from corral.connectors.base import Connector
from corral.connectors.framing import LostOutput, OutputLost, Step
from corral.connectors.streams import Stream
from corral.facts.files import FileContents
from corral.model.command import (
    CommandOutput,
    Diff,
    FileDownloadCommand,
    FileUploadCommand,
    Reconnect,
    StringCommand,
)
from corral.model.errors import BadInput, CommandTimeout, ConnectionLost
from corral.model.facts import FactBatch
from corral.model.host import Host
from corral.model.keys import Key
from corral.model.operation import GlobalArgs
from corral.model.results import OperationMeta, OpResult, OpStatus
from corral.model.secrets import Secret, mask

from .batching import StepCache, families, plan_fetch
from .probe import FactFailed, FactKey, Probe, make_fact_key


@dataclass
class WavePlan:
    """The operations of one wave, planned on the host's facts (``HostRun._assemble``)."""

    ops: list[tuple[OperationMeta, Probe]] = field(default_factory=list)
    #: the candidates left for a later wave (planned again then)
    deferred: list[OperationMeta] = field(default_factory=list)
    #: facts read again at the end of the wave's script, after its changes
    refetch: set[FactKey] = field(default_factory=set)
    #: the refetch serves only a wave planned again after a guard stopped the script (no
    #: operation and no deploy code comes after this wave otherwise)
    refetch_if_stopped: bool = False
    #: operation id -> the facts to check again on the host before it runs, with digests
    guards: dict[int, list[tuple[FactKey, tuple[str, ...]]]] = field(default_factory=dict)
    #: the wave is one operation that runs Python on the controller (engine.callbacks)
    callback: bool = False


@dataclass(frozen=True)
class WaveContext:
    """What a wave is given of its host: read-only values, and the way to its connection.
    A wave changes nothing of the host's run: it returns a :class:`WaveOutcome`."""

    host: Host
    #: the wave's number on its host (in each operation's record)
    wave: int
    dry: bool
    timeout: float
    steps: StepCache
    #: the host's facts as known (a dry run reads its diffs' old sides from them)
    facts: Mapping[FactKey, Any]
    #: kinds of fact batch the host could not answer
    unbatchable: frozenset[type[FactBatch]]
    #: waits at the run's start gate (no host changes anything before every host got as
    #: far as it can without changing anything); raises when the run stops
    before_change: Callable[[], Awaitable[None]]
    #: the host's connection (made now if there is none)
    connection: Callable[[], Awaitable[Connector]]


@dataclass(frozen=True)
class WaveOutcome:
    """What a wave did, for the host's run to apply (``HostRun.apply``), in this order:
    the operations' records, the failure, the facts made stale, the facts read again."""

    #: each operation that got its record, in order, with it (unmasked)
    results: tuple[tuple[OperationMeta, OpResult], ...] = ()
    #: operations a guard stopped: planned again, in a later wave
    replan: tuple[OperationMeta, ...] = ()
    #: why the host fails (None: it goes on)
    failure: str | None = None
    #: what the wave's commands changed, or may have changed in part: facts reading it
    #: are read again when next needed
    changed: frozenset[Key] = frozenset()
    #: facts read again at the end of the script, after the changes, with their output
    refetched: tuple[tuple[FactKey, CommandOutput | None], ...] = ()
    #: kinds of fact batch found unable to answer on this host (read alone from now on)
    unbatchable: frozenset[type[FactBatch]] = frozenset()
    #: raised once the outcome is applied: the connection was lost, the script timed out,
    #: or the run was interrupted while it ran
    error: BaseException | None = None
    #: an operation that restarts the host ran: connect again before anything else
    reconnect: Reconnect | None = None


#: a fact output up to this size is compared by the shell itself in a guard (no process)
INLINE_GUARD_MAX = 4096


def output_digest(out: CommandOutput) -> str:
    """What a guard compares a fact's output with, ``rc=N`` appended: the text itself
    (prefixed ``=``) when short and clean, compared by the shell without a process, else its
    ``sha256sum``."""
    text = out.stdout + f"rc={out.exit_code}"
    if len(text) <= INLINE_GUARD_MAX and "\x00" not in text and "\ufffd" not in text:
        return "=" + text
    return hashlib.sha256((text + "\n").encode()).hexdigest() + "  -"


def guard_step(guards: list[tuple[FactKey, tuple[str, ...]]], group: int,
               cache: StepCache) -> Step:
    """A step that fails (stopping the script) when a fact no longer reads as planned
    (as one of the outputs the operation was found to plan the same on)."""
    checks = []
    for key, digests in guards:
        read = f'{{ {cache.fact(key).text}\n}} 2>/dev/null; echo "rc=$?"'
        if all(d.startswith("=") for d in digests):
            patterns = "|".join(shlex.quote(d[1:]) for d in digests)
            checks.append(f'case "$( {read} )" in {patterns}) ;; *) false ;; esac')
        else:
            shas = [_sha_form(d) for d in digests]
            patterns = "|".join(shlex.quote(d) for d in shas)
            checks.append(f'case "$( ( {read} ) | sha256sum)" in {patterns}) ;; *) false ;; esac')
    return Step(text=" && ".join(checks), group=group)


def _sha_form(digest: str) -> str:
    if digest.startswith("="):
        return hashlib.sha256((digest[1:] + "\n").encode()).hexdigest() + "  -"
    return digest


def digest_output(digest: str) -> str | None:
    """The fact output (exit code 0) an inline digest was made from, if it was."""
    if not digest.startswith("="):
        return None
    stdout, _, rc = digest[1:].rpartition("rc=")
    return stdout if rc == "0" else None


_GUARD = object()  # the command slot of a guard step
_OLD = object()  # the command slot of a step reading a file's old text for a diff


def _old_text_step(meta: OperationMeta, path: str, group: int) -> Step:
    """Print a file as it is (nothing if it cannot be read), with the operation's privilege:
    the old side of a diff, read in the operation's own script just before its change."""
    g = GlobalArgs.of_privilege(meta.call.globals.privilege())
    return Step(text=f"{shell.wrap(f'cat -- {shlex.quote(path)}', g)} 2>/dev/null || true",
                group=group)


def _dry_old_text_keys(plan: WavePlan) -> dict[tuple[int, int], FactKey]:
    """A dry run's old sides of diffs, as facts: (operation id, diff number) -> the file's
    contents, read with the operation's privilege."""
    wanted: dict[tuple[int, int], FactKey] = {}
    for meta, p in plan.ops:
        if p.commands:
            privilege = meta.call.globals.privilege()
            for i, d in enumerate(p.host_diffs):
                wanted[(id(meta), i)] = make_fact_key(FileContents, (), {"path": d.path},
                                                      privilege)
    return wanted


def dry_reads(plan: WavePlan) -> set[FactKey]:
    """The facts a dry run of this wave reads (its host fetches those it lacks first, in
    one invocation for all of them)."""
    return set(_dry_old_text_keys(plan).values())


def _dry_old_texts(ctx: WaveContext, plan: WavePlan) -> dict[tuple[int, int], str | None]:
    texts: dict[tuple[int, int], str | None] = {}
    for slot, key in _dry_old_text_keys(plan).items():
        lines = ctx.facts.get(key)
        if isinstance(lines, FactFailed):  # unreadable: no old side to show
            lines = None
        texts[slot] = None if lines is None else "".join(f"{line}\n" for line in lines)
    return texts


def skipped_result(host: Host, meta: OperationMeta, reason: str,
                   status: OpStatus = OpStatus.SKIPPED) -> OpResult:
    call = meta.call
    return OpResult(host=host.name, name=call.display_name, operation=call.spec.name,
                    location=call.location, status=status, changed=False, notes=(reason,))


def describe(command: Any) -> str:
    if isinstance(command, StringCommand):
        return command.render(masked=True)
    return str(command)


def failure_message(cmd: str, out: CommandOutput) -> str:
    code = out.exit_code
    tail = (out.stderr.strip() or out.stdout.strip()).splitlines()[-5:]
    msg = f"exit code {code}"
    if code == 124:
        msg = "timed out (exit code 124)"
    elif code == 127:
        word = cmd.split()[0] if cmd.split() else cmd
        for line in tail:
            if "not found" in line:
                word = line.split(":")[-2].strip() if line.count(":") >= 2 else word
        msg += f": command not found: {word}"
    if any("ermission denied" in line for line in tail):
        msg += " (permission denied: does it need _sudo=True?)"
    if tail:
        msg += "\n" + "\n".join(tail)
    return msg


def out_summary(cmd: Any, out: CommandOutput) -> str:
    return failure_message(describe(cmd), out).splitlines()[0]


def _steps_for(meta: OperationMeta, p: Probe, group: int) -> list[tuple[Step, Any]]:
    steps = []
    for command in p.commands:
        g = meta.call.globals
        if isinstance(command, Reconnect):  # the engine's part, after the script
            continue
        if isinstance(command, FileUploadCommand):
            try:
                text = shell.upload(command, _upload_content(command), g)
            except OSError as exc:
                raise BadInput(f"cannot read {command.src!r}: {exc.strerror}",
                               file=meta.call.file, line=meta.call.line,
                               operation=meta.call.spec.name) from None
        elif isinstance(command, FileDownloadCommand):
            text = shell.wrap(shell.download(command.src), g)
        elif isinstance(command, StringCommand):
            g = command_globals(g, command)
            text = command_text(command, g)
        else:  # a FunctionCommand: run apart, by engine.callbacks
            raise BadInput(f"{type(command).__name__} mixed into a wave",
                           file=meta.call.file, line=meta.call.line,
                           operation=meta.call.spec.name)
        steps.append((Step(text=text, group=group, ok_codes=g.success_exit_codes,
                           may_fail=g.ignore_errors), command))
    return steps


#: standard input longer than this is written to a private file with its command: through
#: ``sh -c`` (sudo, su, another shell) it would be one argument, which Linux limits to
#: 128 KiB
HIDDEN_STDIN_MIN = 32 * 1024


def command_text(command: StringCommand, g: GlobalArgs) -> str:
    """A shell command as a script's step runs it, with its global arguments (``g``, its
    own connector arguments included) and its standard input."""
    text = command.render()
    stdin = command.stdin()
    if stdin is not None:
        # the builtin printf feeds it: no process, and the text never on a command line
        # of its own (a large or secret one goes through a private file)
        text = f"printf '%s' {shlex.quote(stdin)} | {{ {text}\n}}"
    if (command.has_secrets() or any(isinstance(v, Secret) for v in g.env.values())
            or (stdin is not None and len(stdin) > HIDDEN_STDIN_MIN)):
        return shell.wrap_hidden(text, g)
    return shell.wrap(text, g)


def command_globals(g: GlobalArgs, command: StringCommand) -> GlobalArgs:
    """The operation's global arguments with those one command sets over them (pyinfra's
    connector arguments: ``StringCommand(..., _sudo=True)``), checked when it was made."""
    changes: dict[str, Any] = {}
    for key, value in command.connector_arguments.items():
        if key == "_stdin":
            continue
        if key == "_success_exit_codes":
            value = tuple(value)
        elif key in ("_timeout", "_retry_delay") and value is not None:
            value = float(value)
        elif key == "_env":
            value = {str(k): v for k, v in value.items()}
        changes[key[1:]] = value
    return replace(g, **changes) if changes else g


#: uploads larger than this are streamed: read while the script is sent (connectors.streams)
STREAM_MIN = shell.PRINTF_UPLOAD_MAX


def _upload_content(command: FileUploadCommand) -> bytes | Stream:
    """An upload's content as the script will carry it: small content as bytes, in the
    script's text as before; larger content (a local file, bytes, a seekable binary file
    object) as a stream, read and encoded chunk by chunk while the script is sent, so the
    controller never holds it whole per host."""
    size = command.size()
    if size is None or size <= STREAM_MIN:
        return command.content()
    return Stream(size, command.chunks)


def _write_local(dest: Any, data: bytes) -> None:
    if hasattr(dest, "write"):
        dest.write(data)
        return
    path = Path(dest)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


@dataclass(frozen=True)
class _Slots:
    """Where an operation's steps are in its wave's script (indices into the steps, and
    into the outputs, which come in the same order)."""

    #: its guard (the facts it was planned on, checked again), if it has one
    guard: int | None
    #: the old texts of its diffs, read just before its change
    old: range
    #: its commands
    commands: range


def _script(plan: WavePlan, cache: StepCache
            ) -> tuple[list[tuple[Step, Any]], list[_Slots]]:
    """The wave's steps, each with what it runs (a command, or a guard or an old text
    slot), and where each operation's steps are."""
    steps: list[tuple[Step, Any]] = []
    slots: list[_Slots] = []
    for i, (meta, p) in enumerate(plan.ops):
        guard = None
        if id(meta) in plan.guards:
            guard = len(steps)
            steps.append((guard_step(plan.guards[id(meta)], i, cache), _GUARD))
        old_start = len(steps)
        if p.error is None and p.commands:  # the old text of its diffs, just before
            steps += [(_old_text_step(meta, d.path, i), _OLD) for d in p.host_diffs]
        commands_start = len(steps)
        if p.error is None:
            steps += _steps_for(meta, p, i)
        slots.append(_Slots(guard, range(old_start, commands_start),
                            range(commands_start, len(steps))))
    return steps, slots


async def execute_wave(plan: WavePlan, ctx: WaveContext) -> WaveOutcome:
    """Run the wave's script (its operations' commands, each guarded as planned, then the
    facts to read again) and say what it did. The host's run is not touched."""
    if ctx.dry:
        return _dry_wave(plan, ctx)
    steps, slots = _script(plan, ctx.steps)
    refetch = sorted(plan.refetch, key=lambda k: k.label)
    fetching = plan_fetch(refetch, set(ctx.unbatchable))
    outputs: list[CommandOutput | None] = []
    started = time.monotonic()
    #: why the script's output could not be kept on the host: the host fails with it
    lost: str | None = None
    if steps:
        await ctx.before_change()
        conn = await ctx.connection()
        try:
            outputs = await conn.run([s for s, _ in steps]
                                     + fetching.steps(ctx.steps, plan.refetch_if_stopped),
                                     timeout=ctx.timeout)
        except OutputLost as exc:
            # the script stopped; what ran is known, with its exit codes
            outputs, lost = exc.outputs, str(exc)
        except (ConnectionLost, CommandTimeout) as exc:
            # the script may have run in part: say so rather than "skipped"
            return WaveOutcome(results=_cut_short(ctx, plan, exc, time.monotonic() - started),
                               error=exc)
        except asyncio.CancelledError as exc:
            return WaveOutcome(results=_interrupted(ctx, plan, time.monotonic() - started),
                               error=exc)
    elapsed = time.monotonic() - started
    script_ok = True
    replan = False
    failure: str | None = None
    reconnect: Reconnect | None = None
    results: list[tuple[OperationMeta, OpResult]] = []

    def record(meta: OperationMeta, p: Probe, ran: list[CommandOutput], status: OpStatus,
               **kwargs: Any) -> None:
        results.append((meta, _record(ctx, meta, p, ran, status, elapsed, **kwargs)))

    for (meta, p), slot in zip(plan.ops, slots, strict=True):
        if slot.guard is not None:
            guard = outputs[slot.guard] if outputs else None
            if replan or (script_ok and (guard is None or guard.exit_code != 0)):
                # what it was planned on changed: plan it (and the rest) again
                replan = True
                continue
        if replan:
            continue
        if p.error is not None:
            record(meta, p, [], OpStatus.FAILED, error=str(p.error))
            if not meta.call.globals.ignore_errors:
                failure = f"{meta.call.display_name}: {p.error}"
            continue
        old_outs = [None if isinstance(o, LostOutput) else o
                    for o in (outputs[i] for i in slot.old)]
        ran_steps = [steps[i] for i in slot.commands]
        outs, retried = _without_retry_counts([outputs[i] for i in slot.commands],
                                              meta.call.globals.retries)
        if not script_ok or (outs and outs[0] is None):
            record(meta, p, [], OpStatus.SKIPPED, note="skipped after an earlier failure")
            continue
        ran = [o for o in outs if o is not None]
        bad = [(c, o) for (step, c), o in zip(ran_steps, outs, strict=True)
               if o is not None and o.exit_code not in step.ok_codes]
        if bad:
            cmd, out = bad[0]
            record(meta, p, ran, OpStatus.FAILED, error=failure_message(describe(cmd), out),
                   retries=retried)
            if not meta.call.globals.ignore_errors:
                failure = f"{meta.call.display_name}: {out_summary(cmd, out)}"
                script_ok = False
            continue
        if any(isinstance(c, FileDownloadCommand) and isinstance(o, LostOutput)
               for (_, c), o in zip(ran_steps, ran, strict=True)):
            record(meta, p, ran, OpStatus.FAILED,
                   error=f"the downloaded content was lost on the host: {lost}")
            continue
        for (_, command), out in zip(ran_steps, ran, strict=True):
            if isinstance(command, FileDownloadCommand) and out is not None:
                _write_local(command.dest, base64.b64decode(out.stdout))
        status = OpStatus.CHANGED if p.commands else OpStatus.OK
        reconnect = next((c for c in p.commands if isinstance(c, Reconnect)), reconnect)
        diffs = [*p.diffs, *(Diff(d.path, o.stdout if o is not None else None, d.new)
                             for d, o in zip(p.host_diffs, old_outs, strict=False))]
        record(meta, p, ran, status, diffs=diffs,
               note="its output was lost on the host" if any(
                   isinstance(o, LostOutput) for o in ran) else None, retries=retried)
    if lost is not None:
        failure = f"{failure}; {lost}" if failure else lost
        script_ok = False
    recorded = {id(meta) for meta, _ in results}
    outcome = WaveOutcome(results=tuple(results),
                          replan=tuple(m for m, _ in plan.ops if id(m) not in recorded),
                          failure=failure, reconnect=reconnect)
    if not steps:
        return outcome
    # what changed, and what a failed operation may have changed in part
    changed: set[Key] = set()
    for meta, result in results:
        if result.changed or result.status is OpStatus.FAILED:
            changed |= meta.call.spec.change_keys(meta.call.args, meta.call.kwargs)
    outcome = replace(outcome, changed=frozenset(changed))
    # the outputs after the wave's own steps are the facts read again
    fact_outputs = [None if isinstance(o, LostOutput) else o for o in outputs[len(steps):]]
    if script_ok and refetch and any(o is not None for o in fact_outputs):
        # facts a batch could not answer are read when next needed
        done, outs, again = fetching.outputs(fact_outputs)
        outcome = replace(outcome, refetched=tuple(zip(done, outs, strict=True)),
                          unbatchable=frozenset(families(again)))
    return outcome


def _dry_wave(plan: WavePlan, ctx: WaveContext) -> WaveOutcome:
    """A dry run's wave: every operation planned, nothing run (the old sides of its diffs
    are facts its host read before)."""
    olds = _dry_old_texts(ctx, plan)
    results = []
    for meta, p in plan.ops:
        diffs = [*p.diffs, *(Diff(d.path, olds.get((id(meta), i)), d.new)
                             for i, d in enumerate(p.host_diffs))] if p.commands else None
        results.append((meta, _record(ctx, meta, p, [], OpStatus.PLANNED if p.error is None
                                      else OpStatus.FAILED, 0.0,
                                      error=str(p.error) if p.error else None, diffs=diffs)))
    return WaveOutcome(results=tuple(results))


def _without_retry_counts(outs: list[CommandOutput | None],
                          retries: int) -> tuple[list[CommandOutput | None], int]:
    """An operation's command outputs without the retry counts ``_retries`` adds to their
    standard error, and the number of reruns of all its commands together."""
    if not retries:
        return outs, 0
    cleaned: list[CommandOutput | None] = []
    total = 0
    for out in outs:
        if out is not None:
            stderr, count = shell.split_retries(out.stderr, retries)
            if count:
                total += count
                out = replace(out, stderr=stderr)
        cleaned.append(out)
    return cleaned, total


def _cut_short(ctx: WaveContext, plan: WavePlan, exc: BaseException, elapsed: float
               ) -> tuple[tuple[OperationMeta, OpResult], ...]:
    """The connection was lost or the script timed out: its operations with commands may
    or may not have run."""
    return tuple(
        (meta, _record(ctx, meta, p, [], OpStatus.FAILED, elapsed,
                       error=f"{exc}: this operation may or may not have run"))
        if p.commands or p.error else (meta, _record(ctx, meta, p, [], OpStatus.OK, 0.0))
        for meta, p in plan.ops)


def _interrupted(ctx: WaveContext, plan: WavePlan, elapsed: float
                 ) -> tuple[tuple[OperationMeta, OpResult], ...]:
    """The run was interrupted while this wave's script was being sent or ran: its
    operations that had commands may have run (in whole or in part), not "not run"."""
    results = []
    for meta, p in plan.ops:
        if meta.result is not None:
            continue
        if p.error is not None:
            result = _record(ctx, meta, p, [], OpStatus.FAILED, elapsed, error=str(p.error))
        elif p.commands:
            result = _record(ctx, meta, p, [], OpStatus.MAY_HAVE_RUN, elapsed,
                             note="the run was interrupted while its script was running on "
                                  "the host: it may have run, in whole or in part")
        else:
            result = _record(ctx, meta, p, [], OpStatus.OK, 0.0)
        results.append((meta, result))
    return tuple(results)


def _record(ctx: WaveContext, meta: OperationMeta, p: Probe, outputs: list[CommandOutput],
            status: OpStatus, elapsed: float, error: str | None = None,
            note: str | None = None, diffs: list[Diff] | None = None,
            retries: int = 0) -> OpResult:
    """An operation's record (unmasked: the host's run masks what it shows)."""
    call = meta.call
    changed = status in (OpStatus.CHANGED,) or (status is OpStatus.PLANNED and bool(p.commands))
    if status is OpStatus.FAILED:
        changed = False
    notes = tuple(p.notes) + ((note,) if note else ())
    return OpResult(
        host=ctx.host.name,
        name=call.display_name,
        operation=call.spec.name,
        location=call.location,
        status=status,
        changed=changed,
        commands=() if status is OpStatus.SKIPPED else tuple(describe(c) for c in p.commands),
        outputs=tuple(outputs),
        diffs=tuple(p.diffs if diffs is None else diffs),
        notes=notes,
        error=error,
        duration=elapsed,
        wave=ctx.wave,
        retries=retries,
    )


def mask_result(result: OpResult, found: set[str]) -> OpResult:
    """The record as it may be shown: every secret the run knows replaced by ``***``."""
    def m(text: str | None) -> str | None:
        return None if text is None else mask(text, found)

    return replace(
        result,
        commands=tuple(mask(c, found) for c in result.commands),
        outputs=tuple(CommandOutput(mask(o.stdout, found), mask(o.stderr, found), o.exit_code)
                      for o in result.outputs),
        diffs=tuple(replace(d, old=m(d.old), new=m(d.new),
                            secret=d.secret or any(s in (d.old or "") + (d.new or "")
                                                   for s in found))
                    for d in result.diffs),
        notes=tuple(mask(n, found) for n in result.notes),
        error=m(result.error),
    )
