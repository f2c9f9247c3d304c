"""Facts about XBPS packages (Void Linux)."""

from __future__ import annotations

import re

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

#: ``ii bash-5.2.21_1   GNU Bourne Again Shell``: the state, then NAME-VERSION_REVISION
_LINE = re.compile(r"^.. ([a-zA-Z0-9_\-+.]+)-([0-9a-zA-Z.+~]+_[0-9]+)")


class XbpsPackages(FactBase[dict[str, set[str]]]):
    """Installed XBPS packages by name, each with the set of its ``VERSION_REVISION``s
    (``xbps-query -l``)."""

    requires_command = "xbps-query"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "xbps-query -l"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
