"""Facts about pacman (Arch Linux) packages and groups."""

from __future__ import annotations

import re
import shlex

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

_LINE = re.compile(r"^(\S+) (\S+)$")
_NAME = re.compile(r"^[a-zA-Z0-9@._+\-]+$")


class PacmanPackages(FactBase[dict[str, set[str]]]):
    """Installed pacman packages by name, each with the set of its installed versions
    (``pacman -Q``)."""

    requires_command = "pacman"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "pacman -Q"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class PacmanUnpackGroup(FactBase[list[str]]):
    """The packages a name stands for: the members of a group, the provider of a virtual
    package, or the package itself (``pacman -S --print-format %n``); [] when unknown."""

    requires_command = "pacman"

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self, package: str) -> str:
        return f"pacman -S --print-format '%n' {shlex.quote(package)} 2>/dev/null || true"

    def process(self, output: list[str]) -> list[str]:
        names = [line.strip() for line in output if line.strip()]
        return [name for name in names if _NAME.match(name)]

    def reads(self, package: str) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
