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


#: dpkg's database: read directly when no interrupted run left updates beside it
_STATUS = "/var/lib/dpkg/status"
_PACKAGES_COMMAND = (
    "__cf_u=; for __cf_u in /var/lib/dpkg/updates/[0-9]*; do [ -e \"$__cf_u\" ] && break; "
    "__cf_u=; done; if [ -z \"$__cf_u\" ] && [ -r " + _STATUS + " ]; then "
    "grep -E '^(Package|Status|Version):' " + _STATUS + "; else dpkg-query -l; fi"
)


class DebPackages(FactBase[dict[str, set[str]]]):
    """Installed packages by name, each with the set of its installed versions.

    Read from dpkg's status file with one ``grep`` (a third of ``dpkg-query``'s cost, which
    loads and formats the whole database); ``dpkg-query -l`` (what ``dpkg -l`` runs) when
    the file cannot be read, or when an interrupted dpkg left updates not yet merged into
    it. Both outputs are parsed to the same value."""

    requires_command = "dpkg-query"
    inline = True

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return _PACKAGES_COMMAND

    def process(self, output: list[str]) -> dict[str, set[str]]:
        if any(line.startswith("Package: ") for line in output[:3]):
            return _from_status(output)
        packages: dict[str, set[str]] = {}
        for line in output:
            match = _INSTALLED.match(line)
            if match:
                packages.setdefault(match.group(1), set()).add(match.group(2))
        return packages

    def reads(self) -> frozenset[Key]:
        return frozenset({("packages",)})


def _from_status(output: list[str]) -> dict[str, set[str]]:
    """Stanzas' Package, Status and Version lines: a package counts when wanted installed
    or held and installed (``ii``/``hi`` in ``dpkg -l``), whatever its error flag."""
    packages: dict[str, set[str]] = {}
    name = status = version = None

    def flush() -> None:
        if name and status and version:
            words = status.split()
            if len(words) == 3 and words[0] in ("install", "hold") and words[2] == "installed":
                packages.setdefault(name, set()).add(version)

    for line in output:
        field, _, value = line.partition(": ")
        if field == "Package":
            flush()
            name, status, version = value.strip(), None, None
        elif field == "Status":
            status = value
        elif field == "Version":
            version = value.strip()
    flush()
    return packages


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
