"""Manage Ruby gems."""

from __future__ import annotations

from corral.facts.gem import GemPackages
from corral.model.context import host
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import (
    Spec,
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
    """Install, upgrade or remove gems.

    + packages: a gem or list of gems; pin a version with ``name:version``
    + present: whether the gems should be installed
    + latest: also update installed gems given without a version (always runs)

    Removing a gem without a version removes all its versions and its executables.

    Example:
        gem.packages(name="Install bundler", packages=["bundler"])
    """
    specs = requested(packages, ":")
    if not specs:
        return
    installed = host.get_fact(GemPackages)
    # a versioned removal removes that version only
    specs = [Spec(s.name, s.version, s.install, s.install) for s in specs]
    yield from ensure_packages(
        specs, installed, present, install=["gem install"],
        uninstall=["gem uninstall --all --executables --ignore-dependencies"],
        upgrade=["gem update"], latest=latest,
    )
