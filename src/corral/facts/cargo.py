"""Facts about crates installed with ``cargo install``."""

from __future__ import annotations

import re

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

#: ``ripgrep v14.1.0:`` (a crate from a registry) or ``tool v0.1.0 (/src/tool):``; the
#: indented lines under it name its executables
_LINE = re.compile(r"^([A-Za-z0-9_\-]+) v([0-9][0-9A-Za-z.+\-]*)")


class CargoPackages(FactBase[dict[str, set[str]]]):
    """Crates installed with ``cargo install`` by name, each with the set of its versions
    (``cargo install --list``)."""

    requires_command = "cargo"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "cargo install --list"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
