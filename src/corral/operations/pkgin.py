"""Manage pkgin packages (pkgsrc binary packages)."""

from __future__ import annotations

from corral.facts.pkgin import PkginPackages
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
    PACKAGES,
    Manager,
    package_changes,
    refresh_and_ensure,
)

_PKGIN = Manager(PkginPackages, None, update="pkgin -y update", upgrade="pkgin -y upgrade",
                 install="pkgin -y install", uninstall="pkgin -y remove",
                 upgrade_given="pkgin -y upgrade")


@operation(is_idempotent=False, changes=package_changes)
def upgrade() -> OpGenerator:
    """Upgrade every installed package (``pkgin -y upgrade``); always runs.

    Example:
        pkgin.upgrade(name="Upgrade all packages", _sudo=True)
    """
    yield "pkgin -y upgrade"


@operation(is_idempotent=False, changes=lambda *_, **__: [PACKAGES])
def update() -> OpGenerator:
    """Refresh the repositories' summaries (``pkgin -y update``); always runs.

    Example:
        pkgin.update(name="Refresh pkgin", _sudo=True)
    """
    yield "pkgin -y update"


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    update: bool = False,
    upgrade: bool = False,
) -> OpGenerator:
    """Install, upgrade or remove pkgin packages.

    + packages: a package or a list of them
    + present: whether they should be installed
    + latest: also upgrade installed packages (``pkgin -y upgrade NAME``; always runs)
    + update: run ``pkgin -y update`` first (always runs)
    + upgrade: run ``pkgin -y upgrade`` first (always runs)

    Example:
        pkgin.packages(name="Install tmux and vim", packages=["tmux", "vim"], update=True)
    """
    yield from refresh_and_ensure(_PKGIN, packages, present, update, upgrade, latest)
