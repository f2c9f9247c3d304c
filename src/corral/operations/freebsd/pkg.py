"""Manage FreeBSD packages with ``pkg(8)``."""

from __future__ import annotations

from typing import Any

from corral.facts.freebsd import PkgPackage
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import PACKAGES

from ._common import jail_option


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [PACKAGES]


def _repo(reponame: str | None) -> list[Any]:
    return ["-r", QuoteString(reponame)] if reponame is not None else []


@operation(changes=_changes, is_idempotent=False,
           idempotent_notice="pkg update fetches the catalogues every time")
def update(jail: str | None = None, force: bool = False,
           reponame: str | None = None) -> OpGenerator:
    """Update the catalogues of the enabled package repositories (``pkg update``).

    + jail: in this jail (``pkg -j``)
    + force: fetch them even when up to date (``-f``)
    + reponame: only this repository (``-r``)

    Example:
        pkg.update(jail="nginx")
    """
    yield StringCommand("pkg", *jail_option(jail), "update", *(["-f"] if force else []),
                        *_repo(reponame))


@operation(changes=_changes, is_idempotent=False,
           idempotent_notice="pkg upgrade runs every time (it changes nothing when all is "
                             "up to date)")
def upgrade(jail: str | None = None, force: bool = False,
            reponame: str | None = None) -> OpGenerator:
    """Upgrade the installed packages (``pkg upgrade -y``).

    + jail: in this jail (``pkg -j``)
    + force: reinstall them all (``-f``)
    + reponame: from this repository only (``-r``)

    Example:
        pkg.upgrade()
    """
    yield StringCommand("pkg", *jail_option(jail), "upgrade", "-y",
                        *(["-f"] if force else []), *_repo(reponame))


@operation(changes=_changes)
def install(package: str, jail: str | None = None, reponame: str | None = None) -> OpGenerator:
    """Install a package, unless it is installed (``pkg install -y``).

    + package: the package (a name, or a local archive)
    + jail: in this jail (``pkg -j``)
    + reponame: from this repository (``-r``)

    Example:
        pkg.install("nginx")
    """
    if host.get_fact(PkgPackage, package=package, jail=jail):
        host.noop(f"package {package} is already installed")
        return
    yield StringCommand("pkg", *jail_option(jail), "install", "-y", *_repo(reponame), "--",
                        QuoteString(package))


@operation(changes=_changes)
def remove(package: str, jail: str | None = None) -> OpGenerator:
    """Remove a package, if it is installed (``pkg remove -y``).

    + package: the package
    + jail: in this jail (``pkg -j``)

    Example:
        pkg.remove("nginx")
    """
    if not host.get_fact(PkgPackage, package=package, jail=jail):
        host.noop(f"package {package} is not installed")
        return
    yield StringCommand("pkg", *jail_option(jail), "remove", "-y", "--", QuoteString(package))


@operation(changes=_changes, is_idempotent=False,
           idempotent_notice="pkg autoremove runs every time (it removes nothing when no "
                             "package is orphaned)")
def autoremove(jail: str | None = None) -> OpGenerator:
    """Remove the packages installed only as dependencies no package needs any more.

    + jail: in this jail (``pkg -j``)

    Example:
        pkg.autoremove()
    """
    yield StringCommand("pkg", *jail_option(jail), "autoremove", "-y")


@operation(changes=_changes, is_idempotent=False,
           idempotent_notice="pkg clean runs every time")
def clean(all_pkg: bool = False, jail: str | None = None) -> OpGenerator:
    """Clean the cache of fetched packages (``pkg clean -y``).

    + all_pkg: remove every cached package, not only the outdated ones (``-a``)
    + jail: in this jail (``pkg -j``)

    Example:
        pkg.clean(all_pkg=True)
    """
    yield StringCommand("pkg", *jail_option(jail), "clean", "-y", *(["-a"] if all_pkg else []))
