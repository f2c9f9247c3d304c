"""Facts about snap packages (snapd)."""

from __future__ import annotations

import re
import shlex

from corral.facts._util.packages import PACKAGES_KEY, match_fields
from corral.model.facts import FactBase
from corral.model.keys import Key

#: what ``snap info`` prints of an installed snap, by the key the fact gives it
_INFO = {
    "name": re.compile(r"^name:\s+(.*)$"),
    "publisher": re.compile(r"^publisher:\s+(.*)$"),
    "snap-id": re.compile(r"^snap-id:\s+(.*)$"),
    # latest/stable, or latest/stable/branch: the track and risk only
    "channel": re.compile(r"^tracking:\s+([\w.-]+/[\w.-]+)/?.*$"),
    "version": re.compile(r"^installed:\s+([\w.-]+).*$"),
}


class SnapPackages(FactBase[list[str]]):
    """The names of the installed snaps (``snap list``, its header line left out)."""

    requires_command = "snap"

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self) -> str:
        return "snap list"

    def process(self, output: list[str]) -> list[str]:
        names = []
        for i, line in enumerate(output):
            words = line.split()
            if not words or (i == 0 and words[:2] == ["Name", "Version"]):
                continue
            names.append(words[0])
        return names

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class SnapPackage(FactBase[dict[str, str]]):
    """An installed snap's ``name``, ``publisher``, ``snap-id``, tracked ``channel``
    (``4.0/stable``) and installed ``version`` (``snap info``); {} for a snap snapd
    does not know (exit 1), and no channel or version for one not installed."""

    requires_command = "snap"
    absent_exit_codes = (1,)

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self, package: str) -> str:
        return f"snap info {shlex.quote(package)}"

    def process(self, output: list[str]) -> dict[str, str]:
        return match_fields(_INFO, output)

    def reads(self, package: str) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
