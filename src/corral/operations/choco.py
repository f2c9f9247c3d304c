"""Manage Chocolatey packages (Windows)."""

from __future__ import annotations

from corral.facts.choco import ChocoPackages
from corral.model.context import host
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
    PACKAGES,
    ensure_packages,
    package_changes,
    requested,
)


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
) -> OpGenerator:
    """Install, upgrade or remove Chocolatey packages.

    + packages: a package or a list of them, a version pinned as ``name:1.2``
    + present: whether they should be installed
    + latest: also upgrade installed packages given without a version (always runs)

    Example:
        choco.packages(name="Install Notepad++", packages=["notepadplusplus"])
    """
    specs = requested(packages, ":")
    if not specs:
        return
    yield from ensure_packages(
        specs, host.get_fact(ChocoPackages), present, install=["choco install -y"],
        uninstall=["choco uninstall -y -x"], upgrade=["choco update -y"], latest=latest,
    )


@operation(is_idempotent=False, changes=lambda *_, **__: [PACKAGES])
def install() -> OpGenerator:
    """Install Chocolatey with its PowerShell installer (from chocolatey.org); always runs.

    Example:
        choco.install(name="Install Chocolatey")
    """
    yield (
        "Set-ExecutionPolicy Bypass -Scope Process -Force ;"
        "iex ((New-Object System.Net.WebClient).DownloadString"
        '("https://chocolatey.org/install.ps1"))'
    )
