"""Manage dnf packages, repositories and ``.rpm`` files (package names are case-sensitive)."""

from __future__ import annotations

from typing import Any

from corral.model.command import QuoteString, StringCommand
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

from ._pkg_util import (
    ensure_rpm,
    ensure_yum_repo,
    package_changes,
    repo_changes,
    rpm_packages,
)


@operation(is_idempotent=False, changes=package_changes)
def update() -> OpGenerator:
    """Upgrade every installed package (``dnf update -y``); always runs.

    Example:
        dnf.update(name="Upgrade all packages", _sudo=True)
    """
    yield "dnf update -y"


@operation(is_idempotent=False, changes=lambda *_, **__: [("rpm-keys",)])
def key(src: str) -> OpGenerator:
    """Import an rpm signing key (``rpm --import``); always runs.

    + src: the key's path on the host or its URL

    Example:
        dnf.key(name="Trust the Docker key", src="https://download.docker.com/linux/centos/gpg")
    """
    yield StringCommand("rpm --import", QuoteString(src))


@operation(changes=repo_changes)
def repo(
    src: str,
    present: bool = True,
    baseurl: str | None = None,
    description: str | None = None,
    enabled: bool = True,
    gpgcheck: bool = True,
    gpgkey: str | None = None,
) -> OpGenerator:
    """Add, change or remove a repository file in /etc/yum.repos.d.

    + src: the repository's name (``/etc/yum.repos.d/<src>.repo``), or the URL of a
      ``.repo`` file to download
    + present: whether the repository file should exist
    + baseurl: the repository's URL (with a name as ``src``)
    + description: its ``name=`` (the name by default)
    + enabled: ``enabled=1`` or ``0``
    + gpgcheck: ``gpgcheck=1`` or ``0``
    + gpgkey: URL of the repository's signing key

    A downloaded ``.repo`` file is not downloaded again while it exists.

    Example:
        dnf.repo(
            name="Add the Docker CE repository",
            src="docker-ce",
            baseurl="https://download.docker.com/linux/centos/$releasever/$basearch/stable",
            gpgkey="https://download.docker.com/linux/centos/gpg",
            _sudo=True,
        )
    """
    yield from ensure_yum_repo(src, baseurl, present, description, enabled, gpgcheck, gpgkey)


@operation(changes=package_changes)
def rpm(src: str, present: bool = True) -> OpGenerator:
    """Install a ``.rpm`` file (a path on the host or a URL), or remove its package.

    + src: the file's path on the host, or a URL (downloaded once to
      /var/cache/corral/downloads and kept)
    + present: whether its package should be installed

    Nothing is done when the package is installed at the file's version.

    Example:
        dnf.rpm(
            name="Enable EPEL",
            src="https://dl.fedoraproject.org/pub/epel/epel-release-latest-9.noarch.rpm",
            _sudo=True,
        )
    """
    yield from ensure_rpm(src, present, "dnf")


def _changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return package_changes()


@operation(changes=_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    update: bool = False,
    clean: bool = False,
    nobest: bool = False,
    extra_install_args: str | None = None,
    extra_uninstall_args: str | None = None,
) -> OpGenerator:
    """Install or remove dnf packages.

    + packages: a package or list of packages; pin a version with ``name=version``
    + present: whether the packages should be installed
    + latest: also upgrade installed packages given without a version (always runs)
    + update: run ``dnf update`` first (always runs)
    + clean: run ``dnf clean all`` first (always runs)
    + nobest: pass ``--nobest`` to ``dnf install``
    + extra_install_args: more arguments for ``dnf install``, as shell text
    + extra_uninstall_args: more arguments for ``dnf remove``, as shell text

    A name is installed when a package of that name is, or (with ``repoquery`` on the host)
    any package providing it (``/usr/bin/vim``, ``python3dist(requests)``).

    Example:
        dnf.packages(name="Install vim and git", packages=["vim-enhanced", "git"], _sudo=True)
    """
    yield from rpm_packages("dnf", packages, present, latest, update, clean,
                            ["--nobest"] if nobest else [], extra_install_args,
                            extra_uninstall_args)
