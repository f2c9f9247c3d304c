"""The inventory: hosts in order, and groups of host names."""

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

    def subset(self, names: list[str]) -> Inventory:
        keep = set(names)
        hosts = [h for h in self._hosts.values() if h.name in keep]
        groups = {g: [n for n in ns if n in keep] for g, ns in self.groups.items()}
        return Inventory(hosts, groups)
