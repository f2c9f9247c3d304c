"""Results: the live handle deploy code gets back, and the typed records a run returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from .command import CommandOutput, Diff

if TYPE_CHECKING:
    from .operation import OpCall


class OpStatus(StrEnum):
    PENDING = "pending"
    PLANNED = "planned"  # dry run: computed, not executed
    SKIPPED = "skipped"  # _if was false, or _run_once ran elsewhere, or an earlier failure
    OK = "ok"  # ran (or had nothing to do), no change
    CHANGED = "changed"
    FAILED = "failed"
    #: its script was sent and the run was interrupted before the answer came back: it may
    #: have run, in whole or in part
    MAY_HAVE_RUN = "may have run"


@dataclass(frozen=True)
class OpResult:
    """The record of one operation on one host."""

    host: str
    name: str
    operation: str
    location: str
    status: OpStatus
    changed: bool
    commands: tuple[str, ...] = ()
    outputs: tuple[CommandOutput, ...] = ()
    diffs: tuple[Diff, ...] = ()
    notes: tuple[str, ...] = ()
    error: str | None = None
    duration: float = 0.0
    wave: int = 0

    @property
    def stdout(self) -> str:
        return "".join(o.stdout for o in self.outputs)

    @property
    def stderr(self) -> str:
        return "".join(o.stderr for o in self.outputs)


class OperationMeta:
    """What an operation call returns to deploy code (pyinfra's ``OperationMeta``).

    Reading ``changed``, ``stdout`` and the ``did_*`` methods makes the engine first run
    this host's pending operations, so the answer is about what really happened.
    """

    def __init__(self, call: OpCall, resolver: Callable[[OperationMeta], None]) -> None:
        self.call = call
        self._resolver = resolver
        self.result: OpResult | None = None
        #: the unmasked record, for deploy code reading ``stdout`` (results and events are
        #: masked)
        self.raw_result: OpResult | None = None
        self.will_change: bool | None = None

    def _resolved(self) -> OpResult:
        if self.result is None:
            self._resolver(self)
        assert self.result is not None
        return self.result

    def is_complete(self) -> bool:
        return self.result is not None and self.result.status is not OpStatus.PENDING

    @property
    def changed(self) -> bool:
        res = self._resolved()
        return res.changed

    def did_change(self) -> bool:
        return self.changed

    def did_not_change(self) -> bool:
        return not self.changed

    def did_succeed(self) -> bool:
        return self._resolved().status in (OpStatus.OK, OpStatus.CHANGED, OpStatus.PLANNED)

    def did_error(self) -> bool:
        return self._resolved().status is OpStatus.FAILED

    def _raw(self) -> OpResult:
        """The unmasked record: deploy code may read its own commands' real output."""
        resolved = self._resolved()
        return self.raw_result or resolved

    @property
    def stdout(self) -> str:
        return self._raw().stdout

    @property
    def stderr(self) -> str:
        return self._raw().stderr

    @property
    def stdout_lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()

    def __repr__(self) -> str:
        status = self.result.status.value if self.result else "pending"
        return f"<OperationMeta {self.call.display_name} {status}>"


class HostStatus(StrEnum):
    OK = "ok"
    CHANGED = "changed"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class HostResult:
    host: str
    status: HostStatus
    operations: tuple[OpResult, ...] = ()
    error: str | None = None
    invocations: int = 0
    duration: float = 0.0

    @property
    def changed(self) -> int:
        return sum(1 for op in self.operations if op.changed)


@dataclass(frozen=True)
class RunResult:
    hosts: tuple[HostResult, ...]
    dry: bool = False
    interrupted: bool = False
    duration: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)

    def host(self, name: str) -> HostResult:
        for h in self.hosts:
            if h.host == name:
                return h
        raise KeyError(name)

    @property
    def changed(self) -> int:
        return sum(h.changed for h in self.hosts)

    @property
    def failed(self) -> list[str]:
        return [h.host for h in self.hosts if h.status is HostStatus.FAILED]

    @property
    def unreachable(self) -> list[str]:
        return [h.host for h in self.hosts if h.status is HostStatus.UNREACHABLE]

    @property
    def exit_code(self) -> int:
        from .errors import EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_PENDING, EXIT_UNREACHABLE

        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.failed:
            return EXIT_FAILED
        if self.unreachable:
            return EXIT_UNREACHABLE
        if self.dry and self.changed:
            return EXIT_PENDING
        return EXIT_OK
