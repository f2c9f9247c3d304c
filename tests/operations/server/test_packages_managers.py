"""server.packages on hosts whose package manager is zypper, xbps or pkg: it plans with
that manager's own operation (each failed with "corral has no ....packages" before)."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import File
from corral.facts.pkg import PkgPackages
from corral.facts.rpm import RpmPackages
from corral.facts.server import Arch, Os, OsVersion, Which
from corral.facts.xbps import XbpsPackages
from corral.operations import server
from corral.operations.server import _dispatch as _server_dispatch
from corral.testing.optest import fact, plan

MANAGERS = tuple(dict.fromkeys(c for c, _ in _server_dispatch.PACKAGE_MANAGERS))


def which(*present: str) -> dict[Any, Any]:
    return {fact(Which, command=c): f"/usr/bin/{c}" if c in present else None
            for c in MANAGERS}


BSD = {fact(File, path="/etc/installurl"): {"size": 1}, fact(Os): "FreeBSD",
       fact(OsVersion): "14.0", fact(Arch): "amd64"}


@pytest.mark.parametrize(("table", "expected"), [
    pytest.param({**which("zypper", "rpm"), fact(RpmPackages): {"vim": {"9.1"}}},
                 "zypper --non-interactive --gpg-auto-import-keys install -y tree",
                 id="zypper"),
    pytest.param({**which("xbps-install"), fact(XbpsPackages): {"vim": {"9.1_1"}}},
                 "xbps-install -y -u tree", id="xbps"),
    pytest.param({**which("pkg"), fact(PkgPackages): {"vim": {"9.1"}}, **BSD},
                 "pkg install -y tree", id="pkg"),
    pytest.param({**which("pkg_add"), fact(PkgPackages): {"vim": {"9.1"}}, **BSD},
                 "pkg_add tree", id="pkg_add"),
])
def test_packages_on_each_manager(table: dict[Any, Any], expected: str) -> None:
    assert plan(server.packages, packages=["vim"], facts=table).shell == []
    assert plan(server.packages, packages=["vim", "tree"], facts=table).shell == [expected]
