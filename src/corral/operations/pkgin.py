"""Manage pkgin packages (pkgsrc binary packages)."""

from __future__ import annotations

from corral.facts.pkgin import PkginPackages
from corral.model.context import host
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
    PACKAGES,
    as_list,
    ensure_packages,
    package_changes,
    split_spec,
)


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
    specs = [split_spec(p, None) for p in as_list(packages)]
    if update:
        yield "pkgin -y update"
    if upgrade:
        yield "pkgin -y upgrade"
    if not specs:
        if not (update or upgrade):
            host.noop("no packages given")
        return
    yield from ensure_packages(
        specs, host.get_fact(PkginPackages), present, install=["pkgin -y install"],
        uninstall=["pkgin -y remove"], upgrade=["pkgin -y upgrade"], latest=latest,
    )
