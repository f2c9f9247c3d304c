"""Facts about RubyGems: the gems installed."""

from __future__ import annotations

import re

from corral.facts._util.packages import PACKAGES_KEY
from corral.model.facts import FactBase
from corral.model.keys import Key

# ``name (1.2.3, default: 1.0.0, 0.9 x86_64-linux)``
_LINE = re.compile(r"^([A-Za-z0-9_.+\-]+) \((.*)\)$")
_VERSION = re.compile(r"^(?:default: )?([0-9][A-Za-z0-9.]*)")


class GemPackages(FactBase[dict[str, set[str]]]):
    """Installed gems by name, each with the set of its installed versions
    (``gem list --local``)."""

    requires_command = "gem"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "gem list --local 2>/dev/null"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        packages: dict[str, set[str]] = {}
        for line in output:
            match = _LINE.match(line.strip())
            if not match:
                continue  # the "*** LOCAL GEMS ***" header, blank lines
            versions = set()
            for part in match.group(2).split(","):
                version = _VERSION.match(part.strip())
                if version:
                    versions.add(version.group(1))
            if versions:
                packages.setdefault(match.group(1), set()).update(versions)
        return packages

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
