"""Facts about BSD packages: FreeBSD's ``pkg``, OpenBSD's and NetBSD's ``pkg_info``."""

from __future__ import annotations

import re

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

#: ``curl-8.6.0            Command line tool...``: NAME-VERSION, the name's last dash
#: before a digit ends it (``py311-pip-23.3.1`` is py311-pip 23.3.1)
_LINE = re.compile(r"^([a-zA-Z0-9_\-+.]+?)-([0-9][0-9a-zA-Z._,p+]*)(?:\s|$)")


class PkgPackages(FactBase[dict[str, set[str]]]):
    """Installed packages by name, each with the set of its versions (``pkg info`` on
    FreeBSD, ``pkg_info`` on OpenBSD and NetBSD; {} when neither answers)."""

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "pkg info || pkg_info || true"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
