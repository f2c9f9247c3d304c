"""Manage pacman packages (Arch Linux)."""

from __future__ import annotations

from corral.facts.pacman import PacmanPackages, PacmanUnpackGroup
from corral.model.context import host
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import as_list, ensure_packages, package_changes, split_spec


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
    specs = [split_spec(p, None) for p in as_list(packages)]
    installed: dict[str, set[str]] = host.get_fact(PacmanPackages) if specs else {}
    members = {s.name: host.get_fact(PacmanUnpackGroup, package=s.name) for s in specs}
    if update:
        yield "pacman -Sy"
    if upgrade:
        yield "pacman --noconfirm -Su"
    if not specs and not (update or upgrade):
        host.noop("no packages given")
    yield from ensure_packages(
        specs, installed, present, install=["pacman --noconfirm -S"],
        uninstall=["pacman --noconfirm -R"], expand=lambda name: members.get(name, []),
        expand_any=not present,
    )
