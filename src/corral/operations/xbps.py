"""Manage XBPS packages (Void Linux)."""

from __future__ import annotations

from corral.facts.xbps import XbpsPackages
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
    PACKAGES,
    Manager,
    package_changes,
    refresh_and_ensure,
)

#: no ``latest`` (as pyinfra's xbps.packages), so no upgrade of the given packages alone
_XBPS = Manager(XbpsPackages, None, update="xbps-install -S", upgrade="xbps-install -y -u",
                install="xbps-install -y -u", uninstall="xbps-remove -y")


@operation(is_idempotent=False, changes=package_changes)
def upgrade() -> OpGenerator:
    """Upgrade every installed package (``xbps-install -y -u``); always runs.

    Example:
        xbps.upgrade(name="Upgrade all packages", _sudo=True)
    """
    yield "xbps-install -y -u"


@operation(is_idempotent=False, changes=lambda *_, **__: [PACKAGES])
def update() -> OpGenerator:
    """Synchronise the repositories' indexes (``xbps-install -S``); always runs.

    Example:
        xbps.update(name="Refresh the package indexes", _sudo=True)
    """
    yield "xbps-install -S"


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    update: bool = False,
    upgrade: bool = False,
) -> OpGenerator:
    """Install or remove XBPS packages.

    + packages: a package or a list of them
    + present: whether they should be installed
    + update: run ``xbps-install -S`` first (always runs)
    + upgrade: run ``xbps-install -y -u`` first (always runs)

    Example:
        xbps.packages(name="Install vim", packages=["vim"], _sudo=True)
    """
    yield from refresh_and_ensure(_XBPS, packages, present, update, upgrade)
