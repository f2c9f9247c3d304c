"""Run an operation as a pure function: (arguments, facts) -> commands, with no host.

    from corral.testing.optest import fact, plan
    result = plan(files.file, "/etc/motd", facts={fact(File, path="/etc/motd"): None})
    assert result.commands == ["touch /etc/motd"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from corral.model.command import Command, Diff, HostDiff, StringCommand
from corral.model.context import current_host
from corral.model.errors import BadInput
from corral.model.facts import freeze
from corral.model.host import Host, HostData
from corral.model.yields import collect

FactKey = tuple[type, Any]


def fact(cls: type, *args: Any, **kwargs: Any) -> FactKey:
    """The key of one fact read in a facts table."""
    if args:
        raise TypeError("give fact arguments by name")
    return (cls, freeze(kwargs))


class MissingFact(AssertionError):
    pass


@dataclass
class Planned:
    commands: list[Command] = field(default_factory=list)
    diffs: list[Diff] = field(default_factory=list)
    #: diffs whose old text the engine reads on the host with the change
    host_diffs: list[HostDiff] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    facts_read: list[FactKey] = field(default_factory=list)

    @property
    def shell(self) -> list[str]:
        """Commands rendered as text; uploads as ``upload DEST``, downloads as ``download SRC``."""
        out = []
        for c in self.commands:
            if isinstance(c, StringCommand):
                out.append(c.render())
            else:
                out.append(str(c))
        return out

    @property
    def changed(self) -> bool:
        return bool(self.commands)


class _TableContext:
    def __init__(self, host: Host, facts: dict[FactKey, Any], planned: Planned) -> None:
        self.host = host
        self._facts = facts
        self._planned = planned

    @property
    def in_operation(self) -> bool:
        return True

    def add_op(self, call: Any) -> Any:
        raise AssertionError("operations may not call other operations directly")

    def get_fact(self, fact_cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if args:
            raise AssertionError(f"{fact_cls.__name__}: pass fact arguments by name")
        key = (fact_cls, freeze(kwargs))
        self._planned.facts_read.append(key)
        if key not in self._facts:
            shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
            raise MissingFact(f"fact not in the table: {fact_cls.name}({shown})")
        return self._facts[key]

    def noop(self, description: str) -> None:
        self._planned.notes.append(description)

    def run_shell_command(self, command: Any, arguments: dict[str, Any]) -> Any:
        raise BadInput("host.run_shell_command inside an operation: yield the command")

    def temp_directory(self) -> str:
        """``server.TmpDir`` from the table ("" when the table does not hold it)."""
        from corral.facts.server import TmpDir

        return str(self._facts.get((TmpDir, freeze({})), ""))


def plan(op: Any, *args: Any, facts: dict[FactKey, Any] | None = None,
         data: dict[str, Any] | None = None, host_name: str = "testhost",
         **kwargs: Any) -> Planned:
    """Run ``op``'s generator against a table of facts and collect what it yields."""
    func = getattr(op, "_inner", op)
    host = Host(host_name, HostData(data or {}), (), "test", host_name)
    planned = Planned()
    token = current_host.set(_TableContext(host, dict(facts or {}), planned))
    try:
        # sorted as the engine sorts it (one reading of what an operation yields)
        collect(func(*args, **kwargs), planned, getattr(op, "_spec", None))
    finally:
        current_host.reset(token)
    return planned
