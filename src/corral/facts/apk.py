"""Facts about apk (Alpine) packages."""

from __future__ import annotations

import re

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

# ``NAME-VERSION-rREL ARCH {ORIGIN} (LICENSE) [installed]``: the version is the last two
# dash-separated parts of the first word
_LINE = re.compile(r"^(\S+)-([^-\s]+-r\d+) \S+ \{\S*\} \(.*?\)")


class ApkPackages(FactBase[dict[str, set[str]]]):
    """Installed apk packages by name, each with the set of its installed versions
    (``apk list --installed``)."""

    requires_command = "apk"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "apk list --installed"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
