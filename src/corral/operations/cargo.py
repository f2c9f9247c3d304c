"""Manage Rust programs installed with ``cargo install``."""

from __future__ import annotations

from corral.facts.cargo import CargoPackages
from corral.model.context import host
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
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
    """Install, upgrade or remove crates' programs with cargo.

    + packages: a crate or a list of them, a version pinned as ``crate@1.2.3``
    + present: whether they should be installed
    + latest: also upgrade installed crates given without a version (``cargo install``
      again; always runs)

    Example:
        cargo.packages(name="Install ripgrep", packages=["ripgrep@14.1.0"])
    """
    specs = requested(packages, "@", noun="crates")
    if not specs:
        return
    yield from ensure_packages(
        specs, host.get_fact(CargoPackages), present,
        install=["cargo install"], uninstall=["cargo uninstall"], upgrade=["cargo install"],
        latest=latest,
    )
