"""Facts about Debian packages, read with dpkg."""

from __future__ import annotations

import re
import shlex
from typing import TypedDict

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

# an installed ("ii") or held ("hi") package: name, optional :arch, version
_INSTALLED = re.compile(
    r"^[ih]i\s+([a-zA-Z0-9+\-.]+)(?::[a-zA-Z0-9]+)?\s+([a-zA-Z0-9:~.\-+]+)\s", re.ASCII
)


class DebPackages(FactBase[dict[str, set[str]]]):
    """Installed packages by name, each with the set of its installed versions."""

    requires_command = "dpkg-query"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "dpkg-query -l"  # what `dpkg -l` runs, without the dpkg process

    def process(self, output: list[str]) -> dict[str, set[str]]:
        packages: dict[str, set[str]] = {}
        for line in output:
            match = _INSTALLED.match(line)
            if match:
                packages.setdefault(match.group(1), set()).add(match.group(2))
        return packages

    def reads(self) -> frozenset[Key]:
        return frozenset({("packages",)})


class DebArch(FactBase[str]):
    """The architecture name apt uses for this host, e.g. ``amd64``
    (``dpkg --print-architecture``)."""

    requires_command = "dpkg"

    def command(self) -> str:
        return "dpkg --print-architecture"

    def process(self, output: list[str]) -> str:
        words = [line.strip() for line in output if line.strip()]
        if len(words) != 1 or not _ARCH.match(words[0]):
            raise FactParseError(f"expected one architecture name, got {words!r}")
        return words[0]

    def reads(self) -> frozenset[Key]:
        return frozenset()


_ARCH = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
_FIELD = re.compile(r"^\s*(Package|Version|Status):\s*(\S.*?)\s*$")


class DebPackageDict(TypedDict):
    name: str
    version: str


class DebPackage(FactBase[DebPackageDict | dict[str, str] | None]):
    """The name and version of a ``.deb`` file (when ``package`` contains a ``/``, read with
    ``dpkg-deb``) or of an installed package (``dpkg -s``): ``{"name": ..., "version": ...}``;
    ``{}`` when the package is not installed, None when the file does not exist."""

    requires_command = "dpkg"

    def command(self, package: str) -> str:
        if "/" in package:
            return f"dpkg-deb --field {shlex.quote(package)} Package Version"
        return f"dpkg -s {shlex.quote(package)} 2>/dev/null || true"

    def process(self, output: list[str]) -> DebPackageDict | dict[str, str] | None:
        fields: dict[str, str] = {}
        for line in output:
            match = _FIELD.match(line)
            if match and match.group(1) not in fields:
                fields[match.group(1)] = match.group(2)
        status = fields.get("Status")
        if status is not None and not status.endswith(" installed"):
            return {}  # removed with its configuration files kept ("rc"), half-installed...
        if "Package" not in fields or "Version" not in fields:
            return {}
        name, version = fields["Package"], fields["Version"]
        if not _NAME.match(name) or not _VERSION.match(version):
            raise FactParseError(f"bad package name or version: {name!r} {version!r}")
        return {"name": name, "version": version}

    def reads(self, package: str) -> frozenset[Key]:
        if "/" in package:
            return frozenset({keys.path(package)})
        return frozenset({("packages",)})


_NAME = re.compile(r"^[a-zA-Z0-9+\-.]+$")
_VERSION = re.compile(r"^[a-zA-Z0-9:~.\-+]+$")
