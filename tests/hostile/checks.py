"""What must hold after an operation ran with a hostile string, beyond the checks every run
gets (no canary ran, no internal error, no command the shell could not parse, a refusal
is one line).

A check looks at the sandbox after the run. When the operation applied the value, what
can be read back must be the value, byte for byte; when it was refused (by corral, or by
the host's program), what can be read back must not hold anything else instead.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .sandbox import Call, Outcome, Sandbox, quote_calls

if TYPE_CHECKING:
    from .cases import Ctx


class Check:
    """Base: ``before`` snapshots what the check needs; ``after`` asserts."""

    def before(self, ctx: Ctx, value: str, kwargs: dict[str, Any]) -> Any:
        return None

    def after(self, ctx: Ctx, value: str, kwargs: dict[str, Any], outcome: Outcome,
              snapshot: Any) -> None:
        raise NotImplementedError


def _host_path(sandbox: Sandbox, remote: str) -> Path | None:
    try:
        return sandbox.path(remote)
    except ValueError:
        return None


@dataclass
class Listing(Check):
    """The names in a directory: exactly the expected name when applied, nothing else in
    any case (a mangled name would be a value silently changed)."""

    directory: Callable[[Ctx], str]
    name: Callable[[str, Ctx], str] = lambda v, c: v
    #: the entry must be of this kind when applied: file, dir, link (None: any)
    kind: str | None = None

    def after(self, ctx: Ctx, value: str, kwargs: dict[str, Any], outcome: Outcome,
              snapshot: Any) -> None:
        where = _host_path(ctx.sandbox, self.directory(ctx))
        names = set(os.listdir(where)) if where is not None and where.is_dir() else set()
        expected = self.name(value, ctx)
        names_b = {n.encode("utf-8", "surrogateescape") for n in names}
        want = {expected.encode()}
        if outcome.applied and not outcome.unchanged:
            assert names_b == want, f"expected only {want!r} in {self.directory(ctx)}, " \
                                    f"found {names_b!r}"
            if self.kind and where is not None:
                entry = where / expected
                ok = {"file": entry.is_file() and not entry.is_symlink(),
                      "dir": entry.is_dir() and not entry.is_symlink(),
                      "link": entry.is_symlink()}[self.kind]
                assert ok, f"{entry} is not a {self.kind}"
        else:
            assert names_b <= want, f"{outcome.kind}, yet {self.directory(ctx)} holds " \
                                    f"{names_b - want!r}"


#: an expected value that is not checked (e.g. an empty string means "not given")
ANY = object()


@dataclass
class ReadBack(Check):
    """A value read back from the sandbox (None: not there) equals the expected one when
    the operation applied; otherwise it is unchanged from before the run, or the
    expected value."""

    read: Callable[[Ctx, str, dict[str, Any]], Any]
    expected: Callable[[str, Ctx, dict[str, Any]], Any] = lambda v, c, k: v
    what: str = "value"

    def before(self, ctx: Ctx, value: str, kwargs: dict[str, Any]) -> Any:
        return self.read(ctx, value, kwargs)

    def after(self, ctx: Ctx, value: str, kwargs: dict[str, Any], outcome: Outcome,
              snapshot: Any) -> None:
        now = self.read(ctx, value, kwargs)
        want = self.expected(value, ctx, kwargs)
        if want is ANY:
            return
        if outcome.applied:
            assert now == want, f"{self.what} read back: {now!r}, expected {want!r}"
        else:
            assert now in (snapshot, want), \
                f"{outcome.kind}, yet {self.what} changed from {snapshot!r} to {now!r}"


#: options that take the next word as their argument, for the leading-dash check
ARG_OPTIONS = frozenset({
    "-c", "-d", "-s", "-g", "-G", "-u", "-o", "-O", "-b", "-t", "-e", "-E", "-f", "-i", "-p",
    "-r", "-w", "-m", "-k", "-C", "-D", "-H", "-I", "-l", "-n", "-P", "-S", "-T", "-U", "-x",
    "-X", "-N", "-A", "-j", "-q", "--branch", "--keyserver", "--header", "--proxy",
    "--limit-rate", "--machine", "--comment", "--home", "--shell", "--gid", "--uid",
    "--log-prefix", "--to-destination", "--to-source", "--to-ports", "--max-time",
    "-Be", "--directory", "--prefix", "--recv-keys", "--export", "--exclude", "--dport",
    "--sport", "--separate-git-dir", "--template", "--reference", "-a", "--currently-running",
    # docker's (pflag takes the word after a value option as its value, dash or not)
    "--network", "-v", "--mount", "--env-file", "--label", "--restart", "--hostname",
    "--entrypoint", "--user", "--memory", "--dns", "--builder", "--build-arg", "--target",
    "--platform", "--cache-from", "--cache-to", "--secret", "--gateway", "--ip-range",
    "--ipam-driver", "--subnet", "--scope", "--aux-address", "--opt", "--ipam-opt", "--alias",
    "--username", "--project-directory", "--project-name", "--workdir", "--env",
})


def _option_argument(argv: Sequence[str], i: int) -> bool:
    """Whether argv[i] cannot be read as an option: "--" came before it, or it is the
    argument of the option just before it."""
    if "--" in argv[1:i]:
        return True
    return i > 0 and argv[i - 1] in ARG_OPTIONS


@dataclass
class Argv(Check):
    """With recording stubs: a program got the value as one argv element or inside one
    (or in its standard input), unchanged; a value starting with ``-`` that is a whole
    element comes after ``--`` or as an option's argument."""

    programs: tuple[str, ...]
    #: the forms the value may take in the element (e.g. SQL quoting); identity first
    forms: Callable[[str], Sequence[str]] = lambda v: [v]
    stdin: bool = True
    #: check that a leading dash is not read as an option (off for options by design)
    dash: bool = True

    def after(self, ctx: Ctx, value: str, kwargs: dict[str, Any], outcome: Outcome,
              snapshot: Any) -> None:
        calls = [c for c in ctx.sandbox.calls() if c.program in self.programs]
        if not value or not outcome.applied or outcome.unchanged:
            return
        forms = [f for f in self.forms(value) if f]
        if not forms:  # nothing left of the value once the operation trimmed it
            return
        found = _find(calls, forms, self.stdin)
        assert found is not None, (
            f"no call of {'/'.join(self.programs)} has {value!r} in one argument:\n"
            + quote_calls(calls))
        call, i = found
        if self.dash and i >= 0 and call.argv[i].startswith("-") and call.argv[i] in forms:
            assert _option_argument(call.argv, i), (
                f"{call.program} gets {call.argv[i]!r} where it reads options:\n"
                + quote_calls([call]))


def _find(calls: list[Call], forms: Sequence[str], stdin: bool) -> tuple[Call, int] | None:
    for call in calls:
        for i, word in enumerate(call.argv):
            if i and any(f in word for f in forms):
                return call, i
        if stdin and any(f in call.stdin for f in forms):
            return call, -1
    return None


@dataclass
class Custom(Check):
    """Any assertion: ``fn(ctx, value, kwargs, outcome)``."""

    fn: Callable[[Ctx, str, dict[str, Any], Outcome], None]
    label: str = field(default="custom")

    def after(self, ctx: Ctx, value: str, kwargs: dict[str, Any], outcome: Outcome,
              snapshot: Any) -> None:
        self.fn(ctx, value, kwargs, outcome)
