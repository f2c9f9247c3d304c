"""freebsd.pkg, freebsd.service, freebsd.sysrc and freebsd.freebsd_update as
(args, facts) -> commands: already correct, changed, and refused."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.freebsd import PkgPackage, ServiceScript, ServiceStatus, Sysrc
from corral.model.errors import OperationValueError
from corral.operations.freebsd import freebsd_update, pkg, service, sysrc
from corral.testing.optest import fact, plan


def pkgs(installed: bool, jail: str | None = None) -> dict[Any, Any]:
    return {fact(PkgPackage, package="nginx", jail=jail): "nginx-1.24.0" if installed else None}


@pytest.mark.parametrize(("op", "args", "table", "expected"), [
    (pkg.install, {}, pkgs(True), []),
    (pkg.install, {}, pkgs(False), ["pkg install -y -- nginx"]),
    (pkg.install, {"jail": "web 1", "reponame": "FreeBSD"}, pkgs(False, "web 1"),
     ["pkg -j 'web 1' install -y -r FreeBSD -- nginx"]),
    (pkg.remove, {}, pkgs(False), []),
    (pkg.remove, {}, pkgs(True), ["pkg remove -y -- nginx"]),
    (pkg.remove, {"jail": "web"}, pkgs(True, "web"), ["pkg -j web remove -y -- nginx"]),
])
def test_pkg_install_remove(op: Any, args: dict[str, Any], table: dict[Any, Any],
                            expected: list[str]) -> None:
    result = plan(op, package="nginx", facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize(("op", "args", "expected"), [
    (pkg.update, {}, "pkg update"),
    (pkg.update, {"jail": "web", "force": True, "reponame": "r"}, "pkg -j web update -f -r r"),
    (pkg.upgrade, {"force": True}, "pkg upgrade -y -f"),
    (pkg.autoremove, {"jail": "web"}, "pkg -j web autoremove -y"),
    (pkg.clean, {"all_pkg": True}, "pkg clean -y -a"),
    (freebsd_update.update, {}, "PAGER=cat freebsd-update --not-running-from-cron fetch install"),
    (freebsd_update.update, {"force": True, "basedir": "/mnt/a b", "jail": "web",
                             "currently_running": "14.1-RELEASE", "server": "u.example"},
     "PAGER=cat freebsd-update --not-running-from-cron -F -b '/mnt/a b' -j web "
     "--currently-running 14.1-RELEASE -s u.example fetch install"),
])
def test_runs_every_time(op: Any, args: dict[str, Any], expected: str) -> None:
    assert plan(op, facts={}, **args).shell == [expected]


def svc(script: bool, running: bool, jail: str | None = None) -> dict[Any, Any]:
    return {fact(ServiceScript, srvname="nginx", jail=jail): "nginx" if script else None,
            fact(ServiceStatus, srvname="nginx", jail=jail): "running" if running else None}


@pytest.mark.parametrize(("args", "table", "expected"), [
    ({}, svc(True, True), []),
    ({}, svc(True, False), ["service nginx start"]),
    ({}, svc(False, False), []),
    ({"srvstate": "stopped"}, svc(True, False), []),
    ({"srvstate": "stopped"}, svc(True, True), ["service nginx stop"]),
    ({"srvstate": "restarted"}, svc(True, True), ["service nginx restart"]),
    ({"srvstate": "reloaded", "jail": "web", "verbose": True}, svc(True, True, "web"),
     ["service -v -j web nginx reload"]),
    ({"srvstate": "custom", "command": ["configtest", "a b"],
      "environment": ["LANG=C", "X=a b"]}, svc(True, True),
     ["service -E LANG=C -E 'X=a b' nginx configtest 'a b'"]),
    ({"srvstate": "custom", "command": "configtest"}, svc(True, False),
     ["service nginx configtest"]),
])
def test_service(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(service.service, srvname="nginx", facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize("bad", [{"srvname": "-l"}, {"srvname": "a/b"}, {"srvstate": "up"},
                                 {"environment": ["x; y"]}, {"environment": ["=a"]}])
def test_service_refuses(bad: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(service.service, **{"srvname": "nginx", **bad}, facts=svc(True, True))


def rc(value: str | None) -> dict[Any, Any]:
    return {fact(Sysrc, parameter="nginx_enable", jail=None): value}


@pytest.mark.parametrize(("args", "table", "expected"), [
    ({}, rc("YES"), []),
    ({}, rc(None), ["sysrc -i -- nginx_enable=YES"]),
    ({"overwrite": True}, rc("NO"), ["sysrc -i -- nginx_enable=YES"]),
    ({"command": "del"}, rc(None), []),
    ({"command": "del"}, rc("YES"), ["sysrc -i -x -- nginx_enable=YES"]),
    ({"command": "add", "value": "a b"}, {}, ["sysrc -i -- 'nginx_enable+=a b'"]),
    ({"command": "sub", "jail": "web"}, {}, ["sysrc -i -j web -- nginx_enable-=YES"]),
])
def test_sysrc(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(sysrc.sysrc, **{"parameter": "nginx_enable", "value": "YES", **args},
                  facts=table)
    assert result.shell == expected


@pytest.mark.parametrize("bad", [{"parameter": "a=b"}, {"parameter": "-x"}, {"parameter": ""},
                                 {"value": "a\nb"}, {"command": "append"}])
def test_sysrc_refuses(bad: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(sysrc.sysrc, **{"parameter": "p", "value": "v", **bad}, facts=rc(None))
