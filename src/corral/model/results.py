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
    #: how many times its commands were run again (``_retries``), all commands together
    retries: int = 0

    @property
    def stdout(self) -> str:
        return "".join(o.stdout for o in self.outputs)

    @property
    def stderr(self) -> str:
        return "".join(o.stderr for o in self.outputs)


class OperationMeta:
    """What an operation call returns to deploy code (pyinfra's ``OperationMeta``).

    ``will_change`` (and ``changed`` before the operation ran) is known when it is read:
    the engine plans the operation on the host's facts, after running first only the
    pending operations that may change what it reads. ``did_change()``, ``stdout`` and the
    other ``did_*`` methods make the engine first run this host's pending operations, so
    the answer is about what really happened.
    """

    def __init__(self, call: OpCall, resolver: Callable[[OperationMeta], None],
                 predictor: Callable[[OperationMeta], bool] | None = None) -> None:
        self.call = call
        self._resolver = resolver
        self._predictor = predictor
        self.result: OpResult | None = None
        #: the unmasked record, for deploy code reading ``stdout`` (results and events are
        #: masked)
        self.raw_result: OpResult | None = None
        #: what the engine found the operation will do, before it ran (None: not known yet)
        self.predicted: bool | None = None
        #: skipped because its ``_if`` was false: pyinfra counts that a success
        self.condition_false = False

    def _resolved(self) -> OpResult:
        if self.result is None:
            self._resolver(self)
        assert self.result is not None
        return self.result

    def is_complete(self) -> bool:
        """Whether it has run (or was skipped, or planned in a dry run): its record is
        known. Reading it runs nothing."""
        return self.result is not None

    @property
    def will_change(self) -> bool:
        """Whether the operation changes (or, once it ran, changed or tried to change)
        the host. Read before it ran, the engine plans it on the host's facts without
        running it, unless pending operations before it may change what it reads (they
        run first), or it has ``_if``, ``_serial`` or ``_run_once`` (it runs first)."""
        if self.result is not None:
            return _tried_to_change(self.result)
        if self.predicted is None:
            if self._predictor is None:
                return self.changed
            self.predicted = self._predictor(self)
        if self.result is not None:  # the engine had to run it to know
            return _tried_to_change(self.result)
        return self.predicted

    @property
    def changed(self) -> bool:
        """As pyinfra: whether it changed the host once it ran, else ``will_change``."""
        if self.result is None and self._predictor is not None:
            return self.will_change
        return self._resolved().changed

    def did_change(self) -> bool:
        return self._resolved().changed

    def did_not_change(self) -> bool:
        return not self.did_change()

    def did_succeed(self, _raise_if_not_complete: bool = True) -> bool:
        """Whether it ran without error (an operation skipped because its ``_if`` was
        false succeeded, as in pyinfra). pyinfra raises before the operation ran; corral
        runs the host's pending operations first. ``_raise_if_not_complete`` is accepted
        for pyinfra's callbacks; there is nothing to raise."""
        result = self._resolved()
        if self.condition_false:
            return True
        return result.status in (OpStatus.OK, OpStatus.CHANGED, OpStatus.PLANNED)

    def did_error(self) -> bool:
        return self._resolved().status is OpStatus.FAILED

    @property
    def executed(self) -> bool:
        """Whether commands of it ran on the host (pyinfra's ``executed``): False for an
        operation that had nothing to do, was skipped, or in a dry run."""
        result = self._resolved()
        return bool(result.commands) and result.status in (
            OpStatus.CHANGED, OpStatus.FAILED, OpStatus.MAY_HAVE_RUN)

    def _raw(self) -> OpResult:
        """The unmasked record: deploy code may read its own commands' real output."""
        resolved = self._resolved()
        return self.raw_result or resolved

    @property
    def stdout_lines(self) -> list[str]:
        """Every line its commands printed on standard output, in order (each command's
        output cut at newlines, as pyinfra reads it)."""
        return [line for out in self._raw().outputs for line in _lines(out.stdout)]

    @property
    def stderr_lines(self) -> list[str]:
        return [line for out in self._raw().outputs for line in _lines(out.stderr)]

    @property
    def stdout(self) -> str:
        """The lines of standard output joined with newlines, no final newline (as
        pyinfra's ``OperationMeta.stdout``)."""
        return "\n".join(self.stdout_lines)

    @property
    def stderr(self) -> str:
        return "\n".join(self.stderr_lines)

    # retries (``_retries``): counted over the operation's commands
    @property
    def retry_attempts(self) -> int:
        return self._resolved().retries

    @property
    def max_retries(self) -> int:
        return self.call.globals.retries

    @property
    def was_retried(self) -> bool:
        return self.retry_attempts > 0

    @property
    def retry_succeeded(self) -> bool | None:
        """Whether it succeeded after being retried; None when it was not retried."""
        if not self.was_retried:
            return None
        return self.did_succeed()

    def get_retry_info(self) -> dict[str, Any]:
        return {
            "retry_attempts": self.retry_attempts,
            "max_retries": self.max_retries,
            "was_retried": self.was_retried,
            "retry_succeeded": self.retry_succeeded,
        }

    def __repr__(self) -> str:
        status = self.result.status.value if self.result else "pending"
        return f"<OperationMeta {self.call.display_name} {status}>"


def _tried_to_change(result: OpResult) -> bool:
    """``will_change`` of an operation that ran (or was planned, in a dry run)."""
    if result.status in (OpStatus.CHANGED, OpStatus.MAY_HAVE_RUN):
        return True
    if result.status in (OpStatus.PLANNED, OpStatus.FAILED):
        return result.changed or bool(result.commands)
    return False


def _lines(text: str) -> list[str]:
    """Output cut into lines at newlines only; no empty line for a final newline."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


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
