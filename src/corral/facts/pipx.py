"""Facts about pipx: installed applications and pipx's environment."""

from __future__ import annotations

import re

from corral.facts._util.packages import PACKAGES_KEY, BinDirInLoginPath, parse_env, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

_LINE = re.compile(r"^([A-Za-z0-9_.+\-]+) (\S+)$")


class PipxPackages(FactBase[dict[str, set[str]]]):
    """Applications installed with pipx by name, each with the set of its versions
    (``pipx list --short``)."""

    requires_command = "pipx"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "pipx list --short 2>/dev/null"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class PipxEnvironment(FactBase[dict[str, str]]):
    """pipx's settings as ``{"PIPX_HOME": ..., "PIPX_BIN_DIR": ...}`` (``pipx environment``;
    the values pipx computes win over the ones set by the user)."""

    requires_command = "pipx"

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self) -> str:
        return "pipx environment"

    def process(self, output: list[str]) -> dict[str, str]:
        return parse_env(output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class PipxBinDirInPath(BinDirInLoginPath):
    """Whether pipx's bin directory is in the PATH of a login shell of the user.

    pyinfra reads ``server.Path`` and compares; corral has no such fact yet, and a login
    shell is what ``pipx ensurepath`` changes (it edits the shell start-up files).
    """

    requires_command = "pipx"
    bin_dir_command = "pipx environment --value PIPX_BIN_DIR"
