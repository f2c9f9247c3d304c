"""Facts about Chocolatey packages (Windows)."""

from __future__ import annotations

import re

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

#: ``git 2.44.0``; Chocolatey's header (``Chocolatey v2.2.2``) and summary
#: (``3 packages installed.``) do not match
_LINE = re.compile(r"^([a-zA-Z0-9.\-+_]+)\s([0-9.]+)$")


class ChocoPackages(FactBase[dict[str, set[str]]]):
    """Installed Chocolatey packages by name, each with the set of its versions
    (``choco list``: Chocolatey 2 lists the local packages)."""

    requires_command = "choco"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "choco list"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, (line.strip() for line in output))

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class ChocoVersion(FactBase[str]):
    """Chocolatey's version (``choco --version``: ``2.2.2``)."""

    requires_command = "choco"

    def command(self) -> str:
        return "choco --version"

    def process(self, output: list[str]) -> str:
        return "".join(output).strip()

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
