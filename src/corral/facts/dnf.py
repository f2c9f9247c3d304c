"""Facts about dnf: its configured repositories and modules (application streams)."""

from __future__ import annotations

import re

from corral.facts._util.packages import REPO_FILE_MARKER, cat_files_command, parse_ini_repositories
from corral.model import keys
from corral.model.facts import FactBase
from corral.model.keys import Key


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


#: ``[e]`` (enabled) and ``[x]`` (disabled) flags after a stream in ``dnf module list``
_ENABLED = re.compile(r"\[e\](?!\w)")
_DISABLED = re.compile(r"\[x\](?!\w)")


class DnfEnabledModules(FactBase[dict[str, str]]):
    """The enabled dnf modules (application streams), each with its enabled stream
    (``dnf module list --enabled``: ``postgresql  16 [e]  client, server ...``)."""

    requires_command = "dnf"

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self) -> str:
        return "dnf module list --enabled"

    def process(self, output: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for line in output:
            words = line.split()
            if len(words) >= 2 and _ENABLED.search(line):
                found[words[0]] = words[1]
        return found

    def reads(self) -> frozenset[Key]:
        return frozenset({("dnf-modules",)})


class DnfDisabledModules(FactBase[list[str]]):
    """The names of the dnf modules disabled, sorted (``dnf module list --disabled``)."""

    requires_command = "dnf"

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self) -> str:
        return "dnf module list --disabled"

    def process(self, output: list[str]) -> list[str]:
        return sorted({line.split()[0] for line in output
                       if line.split() and _DISABLED.search(line)})

    def reads(self) -> frozenset[Key]:
        return frozenset({("dnf-modules",)})
