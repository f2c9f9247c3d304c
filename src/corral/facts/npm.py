"""Facts about npm: the Node.js packages installed globally or in a project."""

from __future__ import annotations

import re
import shlex

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model import keys
from corral.model.command import not_option
from corral.model.facts import FactBase
from corral.model.keys import Key

# ``├── name@version`` / ``└── @scope/name@version`` (``npm list --depth=0``), drawn with
# ``+--``/`` `-- `` under LC_ALL=C; links and problems are noted after the version
# (``-> ./dep``, ``extraneous``, ``invalid: ...``)
_LINE = re.compile(
    r"^[├└+`][─\-]{2}\s+(@?[A-Za-z0-9._\-]+(?:/[A-Za-z0-9._\-]+)?)@([^\s@]+)(?:\s.*)?$"
)


class NpmPackages(FactBase[dict[str, set[str]]]):
    """npm packages by name, each with the set of its versions: the global ones, or those
    of the project in ``directory`` (``npm list --depth=0``)."""

    requires_command = "npm"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self, directory: str | None = None) -> str:
        if directory:
            d = shlex.quote(not_option(directory))
            return f"! test -d {d} || (cd {d} && npm list --depth=0 2>/dev/null)"
        return "npm list -g --depth=0 2>/dev/null"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self, directory: str | None = None) -> frozenset[Key]:
        if directory:
            return frozenset({PACKAGES_KEY, keys.path(directory)})
        return frozenset({PACKAGES_KEY})
