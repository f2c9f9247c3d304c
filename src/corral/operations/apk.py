"""Manage apk packages (Alpine Linux)."""

from __future__ import annotations

from corral.facts.apk import ApkPackages
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import Manager, package_changes, refresh_and_ensure

_APK = Manager(ApkPackages, "=", update="apk update", upgrade="apk upgrade",
               install="apk add", uninstall="apk del", upgrade_given="apk upgrade")


@operation(is_idempotent=False, changes=lambda *_, **__: [("apk-index",)])
def update() -> OpGenerator:
    """Refresh the package indexes (``apk update``); always runs.

    Example:
        apk.update(name="Refresh apk indexes", _sudo=True)
    """
    yield "apk update"


@operation(is_idempotent=False, changes=package_changes)
def upgrade(available: bool = False) -> OpGenerator:
    """Upgrade every installed package (``apk upgrade``); always runs.

    + available: also replace or downgrade packages to the versions the repositories
      have (``--available``)

    Example:
        apk.upgrade(name="Upgrade all packages", _sudo=True)
    """
    yield "apk upgrade --available" if available else "apk upgrade"


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    update: bool = False,
    upgrade: bool = False,
) -> OpGenerator:
    """Install or remove apk packages.

    + packages: a package or list of packages; pin a version with ``name=version``
    + present: whether the packages should be installed
    + latest: also upgrade installed packages given without a version (always runs)
    + update: run ``apk update`` first (always runs)
    + upgrade: run ``apk upgrade`` first (always runs)

    Example:
        apk.packages(name="Install nginx", packages=["nginx"], update=True, _sudo=True)
    """
    yield from refresh_and_ensure(_APK, packages, present, update, upgrade, latest)
