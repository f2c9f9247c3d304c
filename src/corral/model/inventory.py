"""The inventory: hosts in order, and groups of host names. ``--limit`` makes some of the
hosts *active* (the ones a run runs); deploy code still sees them all, as in pyinfra."""

from __future__ import annotations

from collections.abc import Iterator

from .errors import BadInput
from .host import Host


class Inventory:
    def __init__(self, hosts: list[Host], groups: dict[str, list[str]]) -> None:
        self._hosts = {h.name: h for h in hosts}
        if len(self._hosts) != len(hosts):  # one of them would never be contacted
            twice = next(h.name for i, h in enumerate(hosts)
                         if any(o.name == h.name for o in hosts[:i]))
            raise BadInput("two hosts of the inventory have this name", host=twice)
        self.groups = groups
        #: the hosts a run runs, in inventory order (``--limit``); None: all of them
        self._active: list[str] | None = None

    def __iter__(self) -> Iterator[Host]:
        return iter(self._hosts.values())

    def __len__(self) -> int:
        return len(self._hosts)

    def __contains__(self, name: object) -> bool:
        return name in self._hosts

    def get_host(self, name: str, default: Host | None = None) -> Host | None:
        return self._hosts.get(name, default)

    def get_group(self, name: str) -> list[Host]:
        return [self._hosts[n] for n in self.groups.get(name, []) if n in self._hosts]

    def iter_hosts(self) -> Iterator[Host]:
        return iter(self._hosts.values())

    @property
    def hosts(self) -> list[Host]:
        return list(self._hosts.values())

    def get_active_hosts(self) -> list[Host]:
        """The hosts a run runs: all, or those ``--limit`` kept (:meth:`limited`)."""
        if self._active is None:
            return list(self._hosts.values())
        return [self._hosts[n] for n in self._active]

    def iter_active_hosts(self) -> Iterator[Host]:
        return iter(self.get_active_hosts())

    def limited(self, names: list[str]) -> Inventory:
        """The same hosts and groups, of which a run runs only ``names`` (kept in
        inventory order): deploy code still sees every host (``inventory.get_group``)."""
        keep = set(names)
        if self._active is not None:
            keep &= set(self._active)
        limited = Inventory(list(self._hosts.values()), self.groups)
        limited._active = [n for n in self._hosts if n in keep]
        return limited

    def subset(self, names: list[str]) -> Inventory:
        keep = set(names)
        hosts = [h for h in self._hosts.values() if h.name in keep]
        groups = {g: [n for n in ns if n in keep] for g, ns in self.groups.items()}
        return Inventory(hosts, groups)
