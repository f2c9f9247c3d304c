"""Manage zypper packages, repositories and ``.rpm`` files (openSUSE, SLES)."""

from __future__ import annotations

from typing import Any

from corral.facts.rpm import RpmPackages
from corral.model import keys
from corral.model.command import QuoteString, StringCommand, not_option
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.args import shell_words
from corral.operations._util.packages import (
    as_list,
    ensure_packages,
    ensure_rpm,
    ensure_yum_repo,
    package_changes,
    split_spec,
)

ZYPPER = "zypper --non-interactive"
REPOS_DIR = "/etc/zypp/repos.d"
_UPDATE = f"{ZYPPER} --gpg-auto-import-keys update -y"


@operation(is_idempotent=False, changes=lambda *_, **__: [("rpm-keys",)])
def key(src: str) -> OpGenerator:
    """Import an rpm signing key (``rpm --import``), as ``yum.key``; always runs.

    + src: the key's path on the host or its URL

    Example:
        zypper.key(name="Trust the repository's key", src="https://example.org/repo.key")
    """
    yield StringCommand("rpm --import", QuoteString(not_option(src)))


def _repo_changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return [keys.path(REPOS_DIR)]


@operation(changes=_repo_changes)
def repo(
    src: str,
    baseurl: str | None = None,
    present: bool = True,
    description: str | None = None,
    enabled: bool = True,
    gpgcheck: bool = True,
    gpgkey: str | None = None,
    type: str = "rpm-md",  # pyinfra's name, though it shadows the builtin
) -> OpGenerator:
    """Add, change or remove a repository file in /etc/zypp/repos.d.

    + src: the repository's name (``/etc/zypp/repos.d/<src>.repo``), or the URL of a
      ``.repo`` file to download
    + baseurl: the repository's URL (when ``src`` is a name)
    + present: whether the file should exist
    + description: its ``name=`` (``src`` by default)
    + enabled: whether it is enabled
    + gpgcheck: whether packages' signatures are checked
    + gpgkey: the URL (or absolute path) of its signing key, or several, space-separated
    + type: the repository's type (``rpm-md``)

    Example:
        zypper.repo(name="Add the containers repository", src="containers",
                    baseurl="https://download.opensuse.org/repositories/"
                            "Virtualization:/containers/openSUSE_Tumbleweed/")
    """
    if type and (not type.isprintable() or any(c.isspace() for c in type)):
        # a line of the file: a line break would add settings the deploy never asked for
        raise OperationValueError(f"bad repository type {type!r}: one word")
    yield from ensure_yum_repo(src, baseurl, present, description, enabled, gpgcheck, gpgkey,
                               repo_type=type, directory=REPOS_DIR)


@operation(changes=package_changes)
def rpm(src: str, present: bool = True) -> OpGenerator:
    """Install a ``.rpm`` file (a path on the host or a URL) unless the same version of its
    package is installed, or remove its package.

    + src: the file's path on the host, or its URL (downloaded once)
    + present: whether its package should be installed

    Example:
        zypper.rpm(name="Install task", src="https://example.org/task_linux_amd64.rpm")
    """
    yield from ensure_rpm(src, present, ZYPPER)


@operation(is_idempotent=False, changes=package_changes)
def update() -> OpGenerator:
    """Update every installed package (``zypper update``); always runs.

    Example:
        zypper.update(name="Update all packages", _sudo=True)
    """
    yield _UPDATE


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    update: bool = False,
    clean: bool = False,
    extra_global_install_args: str | None = None,
    extra_install_args: str | None = None,
    extra_global_uninstall_args: str | None = None,
    extra_uninstall_args: str | None = None,
) -> OpGenerator:
    """Install, upgrade or remove zypper packages.

    + packages: a package or a list of them, a version pinned as ``name=1.2``
    + present: whether they should be installed
    + latest: also upgrade installed packages given without a version (always runs)
    + update: run ``zypper update`` first (always runs)
    + clean: run ``zypper clean --all`` first (always runs)
    + extra_global_install_args: zypper's global options for installing (before
      ``install``), split into words as sh does, each quoted
    + extra_install_args: options of ``zypper install``, the same way
    + extra_global_uninstall_args: zypper's global options for removing
    + extra_uninstall_args: options of ``zypper remove``

    Example:
        zypper.packages(name="Install vim", packages=["vim"], update=True, _sudo=True)
    """
    specs = [split_spec(p, "=") for p in as_list(packages)]
    install = ["zypper", *shell_words(extra_global_install_args),
               "--non-interactive --gpg-auto-import-keys install -y",
               *shell_words(extra_install_args)]
    uninstall = ["zypper", *shell_words(extra_global_uninstall_args),
                 "--non-interactive remove -y", *shell_words(extra_uninstall_args)]
    if clean:
        yield "zypper clean --all"
    if update:
        yield _UPDATE
    if not specs:
        if not (clean or update):
            host.noop("no packages given")
        return
    yield from ensure_packages(
        specs, host.get_fact(RpmPackages), present, install=install, uninstall=uninstall,
        upgrade=[_UPDATE], latest=latest,
    )
