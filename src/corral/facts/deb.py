"""Facts about Debian packages, read with dpkg."""

from __future__ import annotations

import re

from corral.model.facts import FactBase
from corral.model.keys import Key

# an installed ("ii") or held ("hi") package: name, optional :arch, version
_INSTALLED = re.compile(
    r"^[ih]i\s+([a-zA-Z0-9+\-.]+)(?::[a-zA-Z0-9]+)?\s+([a-zA-Z0-9:~.\-+]+)\s", re.ASCII
)


class DebPackages(FactBase[dict[str, set[str]]]):
    """Installed packages by name, each with the set of its installed versions."""

    requires_command = "dpkg"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "dpkg -l"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        packages: dict[str, set[str]] = {}
        for line in output:
            match = _INSTALLED.match(line)
            if match:
                packages.setdefault(match.group(1), set()).add(match.group(2))
        return packages

    def reads(self) -> frozenset[Key]:
        return frozenset({("packages",)})
