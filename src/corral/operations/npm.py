"""Manage Node.js packages with npm, globally or in a project directory."""

from __future__ import annotations

from typing import Any

from corral.facts.npm import NpmPackages
from corral.model import keys
from corral.model.command import QuoteString, not_option
from corral.model.context import host
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import PACKAGES, ensure_packages, requested


def _changes(*_: Any, directory: str | None = None, **__: Any) -> list[Key]:
    return [PACKAGES, keys.path(directory) if directory else keys.path("/")]


@operation(changes=_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    directory: str | None = None,
) -> OpGenerator:
    """Install, upgrade or remove npm packages.

    + packages: a package or list of packages; pin a version with ``name@version``
      (scoped names like ``@scope/name@1.0`` work)
    + present: whether the packages should be installed
    + latest: also update installed packages given without a version (always runs)
    + directory: the project directory to work in; global packages (``-g``) when not given

    Example:
        npm.packages(name="Install the TypeScript compiler", packages=["typescript"])
    """
    specs = requested(packages, "@")
    if not specs:
        return
    installed = host.get_fact(NpmPackages, directory=directory)
    where: list[Any] = (["cd", QuoteString(not_option(directory)), "&& npm"] if directory
                        else ["npm"])
    scope = "" if directory else "-g"
    yield from ensure_packages(
        specs, installed, present, install=[*where, "install", scope],
        uninstall=[*where, "uninstall", scope], upgrade=[*where, "update", scope],
        latest=latest,
    )
