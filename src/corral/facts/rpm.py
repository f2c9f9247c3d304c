"""Facts about rpm packages: installed ones, one package or ``.rpm`` file, and providers."""

from __future__ import annotations

import re
import shlex
from typing import TypedDict

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model import keys
from corral.model.facts import FactBase
from corral.model.keys import Key

#: ``NAME VERSION-RELEASE``, one package a line
QUERY_FORMAT = "%{NAME} %{VERSION}-%{RELEASE}\\n"
_LINE = re.compile(r"^(\S+) (\S+)$")


class RpmPackages(FactBase[dict[str, set[str]]]):
    """Installed rpm packages by name, each with the set of its installed versions
    (``VERSION-RELEASE``)."""

    requires_command = "rpm"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return f"rpm --queryformat {shlex.quote(QUERY_FORMAT)} -qa"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class RpmPackageDict(TypedDict):
    name: str
    version: str


class RpmPackage(FactBase[RpmPackageDict | None]):
    """The name and version of an installed package, or else of a ``.rpm`` file at that
    path; None when it is neither."""

    requires_command = "rpm"

    def command(self, package: str) -> str:
        q, fmt = shlex.quote(package), shlex.quote(QUERY_FORMAT)
        return (
            f"rpm --queryformat {fmt} -q {q} 2>/dev/null || "
            f"! test -e {q} || rpm --queryformat {fmt} -qp {q} 2>/dev/null"
        )

    def process(self, output: list[str]) -> RpmPackageDict | None:
        for line in output:
            match = _LINE.match(line)
            if match:
                return {"name": match.group(1), "version": match.group(2)}
        return None

    def reads(self, package: str) -> frozenset[Key]:
        if "/" in package:
            return frozenset({PACKAGES_KEY, keys.path(package)})
        return frozenset({PACKAGES_KEY})


class RpmPackageProvides(FactBase[list[list[str]]]):
    """Packages (in the configured repositories) providing a capability: a command, a file,
    a virtual name; each as ``[name, version]`` (``repoquery --whatprovides``)."""

    requires_command = "repoquery"

    @staticmethod
    def default() -> list[list[str]]:
        return []

    def command(self, package: str) -> str:
        return (f"repoquery --queryformat {shlex.quote(QUERY_FORMAT)} "
                f"--whatprovides {shlex.quote(package)} 2>/dev/null || true")

    def process(self, output: list[str]) -> list[list[str]]:
        return [[m.group(1), m.group(2)] for m in map(_LINE.match, output) if m]

    def reads(self, package: str) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY, keys.path("/etc/yum.repos.d")})
