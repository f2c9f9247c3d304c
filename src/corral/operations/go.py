"""Manage Go programs installed with ``go install``."""

from __future__ import annotations

import re

from corral.facts.go import GO_BINDIR, GoPackages
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import as_list, package_changes

#: an import path: letters, digits and ``. _ ~ + -`` between slashes
_PATH = re.compile(r"[A-Za-z0-9._~+\-]+(?:/[A-Za-z0-9._~+\-]+)*\Z")


def binary_name(path: str) -> str:
    """The name of the program ``go install PATH`` writes: the path's last element, or
    the one before a major version suffix (``github.com/foo/bar/v2`` -> ``bar``)."""
    parts = path.split("/")
    if len(parts) >= 2 and re.fullmatch(r"v\d+", parts[-1]):
        return parts[-2]
    return parts[-1]


def _split(text: str) -> tuple[str, str]:
    path, _, version = text.partition("@")
    parts = path.split("/")
    if not _PATH.match(path) or path.startswith("-") or any(p in (".", "..") for p in parts):
        raise OperationValueError(f"bad Go package {text!r}")
    if "@" in text and not re.fullmatch(r"[A-Za-z0-9._+\-]+", version):
        raise OperationValueError(f"bad Go package version in {text!r}")
    return path, version


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
) -> OpGenerator:
    """Install, upgrade or remove Go programs (``go install PATH@VERSION``).

    + packages: an import path or a list of them, a version pinned as ``path@v1.2.3``
      (without one, or with ``@latest``, the latest version is installed)
    + present: whether they should be installed
    + latest: also upgrade installed programs given without a version (always runs)

    Removing deletes the program from ``$GOBIN`` (else ``$GOPATH/bin``); two import paths
    ending in the same name write, and remove, the same file.

    Example:
        go.packages(name="Install staticcheck",
                    packages=["honnef.co/go/tools/cmd/staticcheck@2024.1.1"])
    """
    wanted = [_split(p) for p in as_list(packages)]
    if not wanted:
        host.noop("no Go packages given")
        return
    installed = host.get_fact(GoPackages)
    install: list[str] = []
    upgrade: list[str] = []
    remove: list[str] = []
    for path, version in wanted:
        versions = installed.get(path) or set()
        if not present:
            if versions:
                remove.append(path)
            else:
                host.noop(f"Go package {path} is not installed")
        elif version in ("", "latest"):
            if not versions:
                install.append(f"{path}@latest")
            elif latest:
                upgrade.append(f"{path}@latest")
            else:
                host.noop(f"Go package {path} is installed ({', '.join(sorted(versions))})")
        elif version not in versions:
            install.append(f"{path}@{version}")
        else:
            host.noop(f"Go package {path}@{version} is installed")
    for group in (install, upgrade):
        if group:
            yield StringCommand("go install", *(QuoteString(p) for p in dict.fromkeys(group)))
    if remove:
        yield StringCommand(
            GO_BINDIR, "rm -f",
            *(StringCommand('"$BINDIR"/', QuoteString(binary_name(p)), _separator="")
              for p in dict.fromkeys(remove)),
        )
