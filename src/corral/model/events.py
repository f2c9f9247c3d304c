"""Events the engine emits; front ends turn them into output."""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from .results import HostResult, OpResult, RunResult


@dataclass(frozen=True)
class Event:
    kind = "event"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"event": self.kind}
        data.update(jsonable(self))
        return data


#: field names per dataclass, looked up once
_FIELDS: dict[type, tuple[str, ...]] = {}


def event_fields(cls: type) -> tuple[str, ...] | None:
    """The field names of a dataclass type, looked up once; None for other types."""
    names = _FIELDS.get(cls)
    if names is None and is_dataclass(cls):
        names = _FIELDS[cls] = tuple(f.name for f in fields(cls))
    return names


def jsonable(value: Any) -> Any:
    """Plain data for JSON: dataclasses as dicts of their fields, tuples as lists, enums as
    their values. One walk, no copies (``dataclasses.asdict`` deep-copies every leaf: it
    was a tenth of the controller's CPU in a 50-host run with ``--json``)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    names = event_fields(type(value))
    if names is not None:
        return {n: jsonable(getattr(value, n)) for n in names}
    if hasattr(value, "value"):
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
class HostLog(Event):
    """A message deploy code gave for a host (``host.log``)."""

    host: str
    message: str
    kind = "host_log"


@dataclass(frozen=True)
class OperationDone(Event):
    result: OpResult
    kind = "operation"


#: what ``host_done`` says in JSON: the host's own fields; its operations' records are each
#: in their own ``operation`` event (said once, not again here and in ``run_done``)
HOST_SUMMARY = ("host", "status", "error", "invocations", "duration")
#: what ``run_done`` says in JSON: the run's own fields; each host is in its ``host_done``
RUN_SUMMARY = ("dry", "interrupted", "duration", "facts", "exit_code")


@dataclass(frozen=True)
class HostDone(Event):
    """A host has finished. In Python ``result`` has everything; its JSON has the host's
    summary only (HOST_SUMMARY)."""

    result: HostResult
    kind = "host_done"

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind,
                "result": {n: jsonable(getattr(self.result, n)) for n in HOST_SUMMARY}}


@dataclass(frozen=True)
class RunDone(Event):
    """The run has finished. In Python ``result`` has everything; its JSON has the run's
    summary only (RUN_SUMMARY)."""

    result: RunResult
    kind = "run_done"

    def to_json(self) -> dict[str, Any]:
        return {"event": self.kind,
                "result": {n: jsonable(getattr(self.result, n)) for n in RUN_SUMMARY}}
