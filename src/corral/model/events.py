"""Events the engine emits; front ends turn them into output."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from .results import HostResult, OpResult, RunResult


@dataclass(frozen=True)
class Event:
    kind = "event"

    def to_json(self) -> dict[str, Any]:
        data = {"event": self.kind}
        data.update(_jsonable(asdict(self)))
        return data


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, int | str | float | bool):
        return value.value
    return value


@dataclass(frozen=True)
class RunStarted(Event):
    hosts: tuple[str, ...]
    dry: bool
    kind = "run_started"


@dataclass(frozen=True)
class HostConnected(Event):
    host: str
    kind = "host_connected"


@dataclass(frozen=True)
class HostUnreachable(Event):
    host: str
    error: str
    kind = "host_unreachable"


@dataclass(frozen=True)
class FactsGathered(Event):
    host: str
    facts: tuple[str, ...]
    kind = "facts_gathered"


@dataclass(frozen=True)
class OperationDone(Event):
    result: OpResult
    kind = "operation"


@dataclass(frozen=True)
class CommandOutputLine(Event):
    host: str
    operation: str
    stream: str
    text: str
    kind = "output"


@dataclass(frozen=True)
class HostDone(Event):
    result: HostResult
    kind = "host_done"


@dataclass(frozen=True)
class RunDone(Event):
    result: RunResult
    kind = "run_done"
