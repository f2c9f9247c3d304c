"""Manage opkg packages (OpenWrt before 25.12)."""

from __future__ import annotations

from corral.facts.opkg import OpkgPackages
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
    PACKAGES,
    as_list,
    ensure_packages,
    package_changes,
    split_spec,
)


@operation(is_idempotent=False, changes=lambda *_, **__: [PACKAGES])
def update() -> OpGenerator:
    """Refresh the package lists from the feeds (``opkg update``); always runs.

    Example:
        opkg.update(name="Refresh opkg's lists")
    """
    yield "opkg update"


@operation(changes=package_changes)
def packages(
    packages: str | list[str] = "",
    present: bool = True,
    latest: bool = False,
    update: bool = True,
) -> OpGenerator:
    """Install, upgrade or remove opkg packages.

    + packages: a package or a list of them (opkg pins no versions: ``name=1.2`` is
      refused)
    + present: whether they should be installed
    + latest: also upgrade installed packages (``opkg upgrade``; always runs)
    + update: run ``opkg update`` first (the default; always runs)

    Example:
        opkg.packages(name="Install Asterisk and vim", packages=["asterisk", "vim"])
    """
    names = [p for p in as_list(packages) if p]
    if not names:
        host.noop("no packages given")
        return
    pinned = [p.split("=", 1)[0] for p in names if "=" in p]
    if pinned:
        raise OperationValueError(f"opkg pins no versions, given for {', '.join(pinned)}")
    specs = [split_spec(p, None) for p in names]
    if update:
        yield "opkg update"
    yield from ensure_packages(
        specs, host.get_fact(OpkgPackages), present, install=["opkg install"],
        uninstall=["opkg remove"], upgrade=["opkg upgrade"], latest=latest,
    )
