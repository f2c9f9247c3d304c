"""Manage pacman packages (Arch Linux)."""

from __future__ import annotations

from corral.facts.pacman import PacmanPackages, PacmanUnpackGroup
from corral.model.context import host
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
    Manager,
    package_changes,
    refresh_and_ensure,
)

_PACMAN = Manager(PacmanPackages, None, update="pacman -Sy", upgrade="pacman --noconfirm -Su",
                  install="pacman --noconfirm -S", uninstall="pacman --noconfirm -R")


@operation(is_idempotent=False, changes=lambda *_, **__: [("pacman-sync",)])
def update() -> OpGenerator:
    """Refresh the package databases (``pacman -Sy``); always runs.

    Example:
        pacman.update(name="Refresh pacman databases", _sudo=True)
    """
    yield "pacman -Sy"


@operation(is_idempotent=False, changes=package_changes)
def upgrade() -> OpGenerator:
    """Upgrade every installed package (``pacman -Su``); always runs.

    Example:
        pacman.upgrade(name="Upgrade all packages", _sudo=True)
    """
    yield "pacman --noconfirm -Su"


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    update: bool = False,
    upgrade: bool = False,
) -> OpGenerator:
    """Install or remove pacman packages and groups.

    + packages: a package, group or virtual package, or a list of them
    + present: whether the packages should be installed
    + update: run ``pacman -Sy`` first (always runs)
    + upgrade: run ``pacman -Su`` first (always runs)

    A group (or virtual package) is installed when all the packages it stands for
    (``pacman -S --print-format %n``) are, and removed when any of them is installed.

    Example:
        pacman.packages(name="Install the base-devel group", packages=["base-devel"],
                        _sudo=True)
    """
    yield from refresh_and_ensure(
        _PACMAN, packages, present, update, upgrade,
        expand=lambda name: host.get_fact(PacmanUnpackGroup, package=name) or [],
        expand_any=not present,
    )
