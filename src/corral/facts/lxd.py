"""Facts about LXD containers."""

from __future__ import annotations

import json
from typing import Any

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: what lxd.container changes and LxdContainers reads
LXD_KEY: Key = ("lxd",)


class LxdContainers(FactBase[list[dict[str, Any]]]):
    """The LXD instances, as ``lxc list --format json --fast`` gives them (a list of
    objects with ``name``, ``status`` ("Running", "Stopped"), ``type``, ``config``...)."""

    requires_command = "lxc"

    @staticmethod
    def default() -> list[dict[str, Any]]:
        return []

    def command(self) -> str:
        return "lxc list --format json --fast"

    def process(self, output: list[str]) -> list[dict[str, Any]]:
        try:
            found = json.loads("\n".join(output) or "[]")
        except ValueError as exc:
            raise FactParseError(f"lxc list gave no JSON: {exc}") from None
        if not isinstance(found, list):
            raise FactParseError("lxc list gave no list")
        return found

    def reads(self) -> frozenset[Key]:
        return frozenset({LXD_KEY})
