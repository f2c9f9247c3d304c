"""Facts about zypper (openSUSE, SLES): its configured repositories."""

from __future__ import annotations

from corral.facts._util.packages import REPO_FILE_MARKER, cat_files_command, parse_ini_repositories
from corral.model import keys
from corral.model.facts import FactBase
from corral.model.keys import Key


class ZypperRepositories(FactBase[list[dict[str, str]]]):
    """The sections of the ``.repo`` files in /etc/zypp/repos.d, each a dict of its
    ``key=value`` settings plus ``repoid``, ``name`` and ``filename``."""

    requires_command = "zypper"

    @staticmethod
    def default() -> list[dict[str, str]]:
        return []

    def command(self) -> str:
        return cat_files_command("/etc/zypp/repos.d/*.repo", marker=REPO_FILE_MARKER)

    def process(self, output: list[str]) -> list[dict[str, str]]:
        return parse_ini_repositories(output)

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path("/etc/zypp/repos.d")})
