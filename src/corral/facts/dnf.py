"""Facts about dnf: its configured repositories."""

from __future__ import annotations

from corral.model import keys
from corral.model.facts import FactBase
from corral.model.keys import Key

from ._pkg_util import REPO_FILE_MARKER, cat_files_command, parse_ini_repositories


class DnfRepositories(FactBase[list[dict[str, str]]]):
    """The sections of /etc/dnf/dnf.conf and the ``.repo`` files dnf reads, each a dict of
    its ``key=value`` settings plus ``repoid``, ``name`` and ``filename``."""

    requires_command = "dnf"

    @staticmethod
    def default() -> list[dict[str, str]]:
        return []

    def command(self) -> str:
        return cat_files_command("/etc/dnf/dnf.conf", "/etc/yum.repos.d/*.repo",
                                 "/etc/distro.repos.d/*.repo", marker=REPO_FILE_MARKER)

    def process(self, output: list[str]) -> list[dict[str, str]]:
        return parse_ini_repositories(output)

    def reads(self) -> frozenset[Key]:
        return frozenset(keys.path(p) for p in
                         ("/etc/dnf/dnf.conf", "/etc/yum.repos.d", "/etc/distro.repos.d"))
