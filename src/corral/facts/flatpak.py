"""Facts about flatpak applications and runtimes."""

from __future__ import annotations

import re
import shlex

from corral.facts._util.packages import PACKAGES_KEY, match_fields
from corral.model.facts import FactBase
from corral.model.keys import Key

_INFO = {
    "id": re.compile(r"^\s+ID:\s+(.*)$"),
    "ref": re.compile(r"^\s+Ref:\s+(.*)$"),
    "version": re.compile(r"^\s+Version:\s+([\w.-]+).*$"),
}


class FlatpakPackages(FactBase[list[str]]):
    """The ids of the installed flatpak applications and runtimes
    (``flatpak list --columns=application``; a header line, printed to a terminal, is left
    out)."""

    requires_command = "flatpak"

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self) -> str:
        return "flatpak list --columns=application"

    def process(self, output: list[str]) -> list[str]:
        ids = [line.strip() for line in output if line.strip()]
        return ids[1:] if ids[:1] == ["Application ID"] else ids

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class FlatpakPackage(FactBase[dict[str, str]]):
    """An installed flatpak's ``id``, ``ref`` (``app/org.signal.Signal/x86_64/stable``) and
    ``version`` (``flatpak info``); {} when it is not installed (exit 1)."""

    requires_command = "flatpak"
    absent_exit_codes = (1,)

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self, package: str) -> str:
        return f"flatpak info {shlex.quote(package)}"

    def process(self, output: list[str]) -> dict[str, str]:
        return match_fields(_INFO, output)

    def reads(self, package: str) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
