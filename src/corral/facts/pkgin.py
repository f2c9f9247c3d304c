"""Facts about pkgin packages (pkgsrc binary packages: NetBSD, SmartOS, macOS...)."""

from __future__ import annotations

import re

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

#: ``vim-9.1.0000nb1        Vim editor``: NAME-VERSION (pkgsrc's ``nbN`` revision kept)
_LINE = re.compile(r"^([a-zA-Z0-9_\-+.]+?)-([0-9][0-9a-zA-Z.+_]*(?:nb[0-9]+)?)\s")


class PkginPackages(FactBase[dict[str, set[str]]]):
    """Installed pkgin packages by name, each with the set of its versions
    (``pkgin list``)."""

    requires_command = "pkgin"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "pkgin list"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
