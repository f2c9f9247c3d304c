"""Facts about OpenVZ containers."""

from __future__ import annotations

import json
from typing import Any

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: what the vzctl operations change and OpenvzContainers reads
OPENVZ_KEY: Key = ("openvz",)


class OpenvzContainers(FactBase[dict[int, dict[str, Any]]]):
    """The OpenVZ containers by CTID, running or not (``vzlist -a -j``):
    ``{101: {"hostname": ..., "ip": [...], "ostemplate": ..., "status": ...}}``."""

    requires_command = "vzlist"

    @staticmethod
    def default() -> dict[int, dict[str, Any]]:
        return {}

    def command(self) -> str:
        return "vzlist -a -j"

    def process(self, output: list[str]) -> dict[int, dict[str, Any]]:
        try:
            listing = json.loads("".join(output) or "[]")
            return {int(ct.pop("ctid")): ct for ct in listing}
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise FactParseError(f"vzlist gave no list of containers: {exc}") from None

    def reads(self) -> frozenset[Key]:
        return frozenset({OPENVZ_KEY})
