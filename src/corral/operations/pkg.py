"""Manage BSD packages: ``pkg`` on FreeBSD, ``pkg_add``/``pkg_delete`` elsewhere
(OpenBSD, NetBSD)."""

from __future__ import annotations

from corral.facts.files import File
from corral.facts.pkg import PkgPackages
from corral.facts.server import Arch, Os, OsVersion, Which
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
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
    pkg_path: str | None = None,
) -> OpGenerator:
    """Install or remove packages with ``pkg`` where there is one (FreeBSD), else with
    ``pkg_add``/``pkg_delete``.

    + packages: a package or a list of them
    + present: whether they should be installed
    + pkg_path: the ``PKG_PATH`` to install from

    Without ``pkg_path`` and without /etc/installurl, installing sets ``PKG_PATH`` to
    ``http://ftp.<os>.org/pub/<OS>/<version>/packages/<arch>/`` (OpenBSD's layout; its
    mirrors keep the last two releases only).

    Example:
        pkg.packages(name="Install vim", packages=["vim"], _sudo=True)
    """
    specs = requested(packages, None)
    if not specs:
        return
    if pkg_path is not None and (not pkg_path.strip() or any(c in pkg_path for c in "\n\r")):
        raise OperationValueError(f"bad pkg_path {pkg_path!r}")
    if present and not pkg_path and not host.get_fact(File, path="/etc/installurl"):
        name = host.get_fact(Os) or ""
        pkg_path = (f"http://ftp.{name.lower()}.org/pub/{name}/{host.get_fact(OsVersion)}"
                    f"/packages/{host.get_fact(Arch)}/")
    has_pkg = bool(host.get_fact(Which, command="pkg"))
    install: list[object] = ["pkg install -y" if has_pkg else "pkg_add"]
    if pkg_path:
        install.insert(0, StringCommand("PKG_PATH=", QuoteString(pkg_path), _separator=""))
    yield from ensure_packages(
        specs, host.get_fact(PkgPackages), present, install=install,
        uninstall=["pkg delete -y" if has_pkg else "pkg_delete"],
    )
