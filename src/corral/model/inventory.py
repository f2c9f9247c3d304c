"""The inventory: hosts in order, their groups, and the data given to them.

Deploy code reads it as pyinfra's: ``inventory.hosts`` maps names to hosts,
``inventory.groups`` group names to lists of hosts, ``get_host``/``get_group`` raise
:class:`NoHostError`/:class:`NoGroupError` unless given a default. ``--limit`` makes some
of the hosts *active* (the ones a run runs); deploy code still sees them all, as in pyinfra.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from .errors import BadInput, NoGroupError, NoHostError
from .host import Host

T = TypeVar("T")


@dataclass(frozen=True)
class InventoryOrigin:
    """Where an inventory was loaded from, and how: enough for another process (a worker
    of a run split over processes) to load the same inventory again. Inventory files are
    Python, so the inventory itself is not sent: it is loaded again from here."""

    spec: str
    cwd: str
    override_data: tuple[tuple[str, Any], ...] = ()
    group_data: tuple[str, ...] = ()


class Inventory:
    """``hosts`` in order; ``groups`` maps each group name to its members' names (the
    ``all`` every host is in is no group, as in pyinfra). ``data`` is what every host is
    given (``group_data/all.py``), ``group_data`` each group's own, ``host_data`` each
    host's own, ``override_data`` what overrides them all."""

    def __init__(
        self,
        hosts: list[Host],
        groups: Mapping[str, Iterable[str]],
        *,
        data: Mapping[str, Any] | None = None,
        group_data: Mapping[str, Mapping[str, Any]] | None = None,
        host_data: Mapping[str, Mapping[str, Any]] | None = None,
        override_data: Mapping[str, Any] | None = None,
    ) -> None:
        self._hosts = {h.name: h for h in hosts}
        if len(self._hosts) != len(hosts):  # one of them would never be contacted
            twice = next(h.name for i, h in enumerate(hosts)
                         if any(o.name == h.name for o in hosts[:i]))
            raise BadInput("two hosts of the inventory have this name", host=twice)
        self._groups = {g: [n for n in names if n in self._hosts]
                        for g, names in groups.items() if g != "all"}
        self.data: dict[str, Any] = dict(data or {})
        self.group_data: dict[str, dict[str, Any]] = {
            g: dict(d) for g, d in (group_data or {}).items()}
        self.host_data: dict[str, dict[str, Any]] = {
            n: dict(d) for n, d in (host_data or {}).items()}
        self.override_data: dict[str, Any] = dict(override_data or {})
        #: the hosts a run runs, in inventory order (``--limit``); None: all of them
        self._active: list[str] | None = None
        #: where it was loaded from (None: built in Python, it cannot be loaded again)
        self.origin: InventoryOrigin | None = None

    @staticmethod
    def empty() -> Inventory:
        return Inventory([], {})

    def __iter__(self) -> Iterator[Host]:
        return iter(self._hosts.values())

    def __len__(self) -> int:
        return len(self._hosts)

    def __contains__(self, name: object) -> bool:
        return name in self._hosts

    def iter_hosts(self) -> Iterator[Host]:
        return iter(self._hosts.values())

    @property
    def hosts(self) -> dict[str, Host]:
        """Host name -> host, in the inventory's order."""
        return dict(self._hosts)

    @property
    def groups(self) -> dict[str, list[Host]]:
        """Group name -> its hosts, in the inventory's order of groups."""
        return {g: [self._hosts[n] for n in names] for g, names in self._groups.items()}

    def group_names(self) -> dict[str, list[str]]:
        """Group name -> the names of its hosts."""
        return {g: list(names) for g, names in self._groups.items()}

    @overload
    def get_host(self, name: str) -> Host: ...

    @overload
    def get_host(self, name: str, default: T) -> Host | T: ...

    def get_host(self, name: str, default: Any = NoHostError) -> Any:
        """The host of this name; without it ``default``, or :class:`NoHostError` if none
        is given."""
        found = self._hosts.get(name)
        if found is not None:
            return found
        if default is NoHostError:
            raise NoHostError(f"no host {name} in the inventory")
        return default

    @overload
    def get_group(self, name: str) -> list[Host]: ...

    @overload
    def get_group(self, name: str, default: T) -> list[Host] | T: ...

    def get_group(self, name: str, default: Any = NoGroupError) -> Any:
        """The hosts of this group; without it ``default``, or :class:`NoGroupError` if
        none is given."""
        names = self._groups.get(name)
        if names is not None:
            return [self._hosts[n] for n in names]
        if default is NoGroupError:
            raise NoGroupError(f"no group {name} in the inventory")
        return default

    def get_active_hosts(self) -> list[Host]:
        """The hosts a run runs: all, or those ``--limit`` kept (:meth:`limited`)."""
        if self._active is None:
            return list(self._hosts.values())
        return [self._hosts[n] for n in self._active]

    def len_active_hosts(self) -> int:
        return len(self.get_active_hosts())

    def iter_active_hosts(self) -> Iterator[Host]:
        return iter(self.get_active_hosts())

    def iter_activated_hosts(self) -> Iterator[Host]:
        return iter(self.get_active_hosts())

    def len_activated_hosts(self) -> int:
        return len(self.get_active_hosts())

    def limited(self, names: list[str]) -> Inventory:
        """The same hosts, groups and data, of which a run runs only ``names`` (kept in
        inventory order): deploy code still sees every host (``inventory.get_group``)."""
        keep = set(names)
        if self._active is not None:
            keep &= set(self._active)
        limited = Inventory(list(self._hosts.values()), self._groups, data=self.data,
                            group_data=self.group_data, host_data=self.host_data,
                            override_data=self.override_data)
        limited._active = [n for n in self._hosts if n in keep]
        limited.origin = self.origin
        return limited

    def get_data(self) -> dict[str, Any]:
        """The data every host is given (``group_data/all.py``)."""
        return self.data

    def get_override_data(self) -> dict[str, Any]:
        return self.override_data

    def get_host_data(self, hostname: str) -> dict[str, Any]:
        """A host's own data (from the inventory), not its groups'."""
        return self.host_data.get(hostname, {})

    def get_group_data(self, group: str) -> dict[str, Any]:
        """A group's own data."""
        return self.group_data.get(group, {})

    def get_groups_data(self, groups: Iterable[str]) -> dict[str, Any]:
        """The data of these groups merged, a later group's value winning."""
        merged: dict[str, Any] = {}
        for group in groups:
            merged.update(self.get_group_data(group))
        return merged

    def subset(self, names: list[str]) -> Inventory:
        keep = set(names)
        hosts = [h for h in self._hosts.values() if h.name in keep]
        groups = {g: [n for n in ns if n in keep] for g, ns in self._groups.items()}
        return Inventory(hosts, groups, data=self.data, group_data=self.group_data,
                         host_data={n: d for n, d in self.host_data.items() if n in keep},
                         override_data=self.override_data)
