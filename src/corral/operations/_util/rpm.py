"""The operations dnf and yum share, made once for each tool (same arguments, same
behaviour; the commands and the documentation name the tool)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from corral.model.command import QuoteString, StringCommand, not_option
from corral.model.keys import Key
from corral.model.operation import Operation, OpGenerator, operation

from .packages import (
    ensure_rpm,
    ensure_yum_repo,
    package_changes,
    repo_changes,
    rpm_packages,
)


class RpmOperations(NamedTuple):
    update: Operation[[]]
    key: Operation[...]
    repo: Operation[...]
    rpm: Operation[...]
    packages: Operation[...]


def _changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return package_changes()


def rpm_operations(tool: str) -> RpmOperations:
    """``tool``'s update, key, repo, rpm and packages operations, named ``tool.*`` (the
    module of ``tool`` re-exports them in its ``__all__``, which the catalog lists)."""

    def operation_of(**options: Any) -> Callable[[Callable[..., OpGenerator]], Operation[...]]:
        def decorate(fn: Callable[..., OpGenerator]) -> Operation[...]:
            fn.__doc__ = (fn.__doc__ or "").replace("{tool}", tool)
            return operation(name=f"{tool}.{fn.__name__}", **options)(fn)

        return decorate

    @operation_of(is_idempotent=False, changes=package_changes)
    def update() -> OpGenerator:
        """Upgrade every installed package (``{tool} update -y``); always runs.

        Example:
            {tool}.update(name="Upgrade all packages", _sudo=True)
        """
        yield f"{tool} update -y"


    @operation_of(is_idempotent=False, changes=lambda *_, **__: [("rpm-keys",)])
    def key(src: str) -> OpGenerator:
        """Import an rpm signing key (``rpm --import``); always runs.

        + src: the key's path on the host or its URL

        Example:
            {tool}.key(name="Trust the Docker key", src="https://download.docker.com/linux/centos/gpg")
        """
        yield StringCommand("rpm --import", QuoteString(not_option(src)))


    @operation_of(changes=repo_changes)
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
            {tool}.repo(
                name="Add the Docker CE repository",
                src="docker-ce",
                baseurl="https://download.docker.com/linux/centos/$releasever/$basearch/stable",
                gpgkey="https://download.docker.com/linux/centos/gpg",
                _sudo=True,
            )
        """
        yield from ensure_yum_repo(src, baseurl, present, description, enabled, gpgcheck, gpgkey)


    @operation_of(changes=package_changes)
    def rpm(src: str, present: bool = True) -> OpGenerator:
        """Install a ``.rpm`` file (a path on the host or a URL), or remove its package.

        + src: the file's path on the host, or a URL (downloaded once to
          /var/cache/corral/downloads and kept)
        + present: whether its package should be installed

        Nothing is done when the package is installed at the file's version.

        Example:
            {tool}.rpm(
                name="Enable EPEL",
                src="https://dl.fedoraproject.org/pub/epel/epel-release-latest-9.noarch.rpm",
                _sudo=True,
            )
        """
        yield from ensure_rpm(src, present, tool)


    @operation_of(changes=_changes)
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
        """Install or remove {tool} packages.

        + packages: a package or list of packages; pin a version with ``name=version``
        + present: whether the packages should be installed
        + latest: also upgrade installed packages given without a version (always runs)
        + update: run ``{tool} update`` first (always runs)
        + clean: run ``{tool} clean all`` first (always runs)
        + nobest: pass ``--nobest`` to ``{tool} install``
        + extra_install_args: more arguments for ``{tool} install``, as shell text
        + extra_uninstall_args: more arguments for ``{tool} remove``, as shell text

        A name is installed when a package of that name is, or (with ``repoquery`` on the host)
        any package providing it (``/usr/bin/vim``, ``python3dist(requests)``).

        Example:
            {tool}.packages(name="Install vim and git", packages=["vim-enhanced", "git"],
                            _sudo=True)
        """
        yield from rpm_packages(tool, packages, present, latest, update, clean,
                                ["--nobest"] if nobest else [], extra_install_args,
                                extra_uninstall_args)

    return RpmOperations(update, key, repo, rpm, packages)
