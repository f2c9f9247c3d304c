"""pkg.packages as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import File
from corral.facts.pkg import PkgPackages
from corral.facts.server import Arch, Os, OsVersion, Which
from corral.operations import pkg
from corral.testing.optest import fact, plan

INSTALLED = {"vim": {"9.1.0"}, "curl": {"8.6.0"}}


def facts(has_pkg: bool, os: str = "OpenBSD", installurl: bool = False) -> dict[Any, Any]:
    return {
        fact(PkgPackages): INSTALLED,
        fact(Which, command="pkg"): "/usr/sbin/pkg" if has_pkg else None,
        fact(File, path="/etc/installurl"): {"size": 1} if installurl else None,
        fact(Os): os, fact(OsVersion): "7.4", fact(Arch): "amd64",
    }


@pytest.mark.parametrize(("args", "table", "expected"), [
    ({"packages": ["vim"]}, facts(True, "FreeBSD"), []),
    ({"packages": ["nano"], "present": False}, facts(False), []),
    ({"packages": ["nano", "vim"]}, facts(False, installurl=True), ["pkg_add nano"]),
    ({"packages": ["nano"]}, facts(False),
     ["PKG_PATH=http://ftp.openbsd.org/pub/OpenBSD/7.4/packages/amd64/ pkg_add nano"]),
    ({"packages": ["nano"], "pkg_path": "/srv/my packages/"}, facts(True, "FreeBSD"),
     ["PKG_PATH='/srv/my packages/' pkg install -y nano"]),
    ({"packages": ["vim", "curl"], "present": False}, facts(True, "FreeBSD"),
     ["pkg delete -y vim curl"]),
    ({"packages": ["vim"], "present": False}, facts(False), ["pkg_delete vim"]),
])
def test_packages(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(pkg.packages, facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes
