"""upstart.service, bsdinit.service and launchd.service as (args, facts) -> commands, and
server.service dispatching to runit, upstart and BSD init for real (no stand-ins)."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.bsdinit import RcdStatus
from corral.facts.files import Directory, File, FindInFile, Link, Sha256File
from corral.facts.launchd import LaunchdStatus
from corral.facts.runit import RunitManaged, RunitStatus
from corral.facts.server import Os, Which
from corral.facts.upstart import UpstartStatus
from corral.model.errors import OperationValueError
from corral.operations import bsdinit, launchd, server, upstart
from corral.testing.optest import fact, plan

INFO = {"user": "root", "group": "root", "mode": 644, "size": 7}
OVERRIDE = "/etc/init/ssh.override"


def up(running: bool, override: bool | None = None) -> dict[Any, Any]:
    table: dict[Any, Any] = {fact(UpstartStatus): {"ssh": running}}
    table[fact(File, path=OVERRIDE)] = INFO if override else None
    table[fact(Sha256File, path=OVERRIDE)] = (
        "a9b6b6d9b1a1d0a4d2c5ab1e6b2b9b1b1f4c2a3e5d6f7a8b9c0d1e2f3a4b5c6d" if override else None)
    table[fact(Directory, path="/etc/init")] = {**INFO, "mode": 755}
    return table


@pytest.mark.parametrize(("args", "table", "expected"), [
    ({}, up(True), []),
    ({}, up(False), ["initctl start ssh"]),
    ({"running": False}, up(True), ["initctl stop ssh"]),
    ({"restarted": True}, up(True), ["initctl restart ssh"]),
    ({"reloaded": True}, up(True), ["initctl reload ssh"]),
    ({"command": "emit", "running": None}, up(True), ["initctl emit ssh"]),
    ({"enabled": True}, up(True, override=False), []),
    ({"enabled": True}, up(True, override=True), [f"rm -f {OVERRIDE}"]),
])
def test_upstart(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(upstart.service, service="ssh", facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_upstart_disable_writes_manual_override() -> None:
    result = plan(upstart.service, service="ssh", enabled=False, facts=up(True, override=False))
    (upload,) = [c for c in result.commands if not hasattr(c, "render")]
    assert upload.dest == OVERRIDE and upload.content() == b"manual\n"


RC = "/etc/rc.conf.local"


def bsd(running: bool | None, enable_line: bool | None = None) -> dict[Any, Any]:
    table: dict[Any, Any] = {fact(RcdStatus): {"nginx": running} if running is not None else {}}
    if enable_line is not None:
        table[fact(FindInFile, path=RC, pattern="^nginx_enable=.*$",
                    interpolate_variables=False)] = (
            ['nginx_enable="YES"'] if enable_line else [])
        table[fact(FindInFile, path=RC, pattern='^nginx_enable="YES"$',
                   interpolate_variables=False)] = ['nginx_enable="YES"'] if enable_line else []
        table[fact(File, path=RC)] = INFO
    return table


def script(action: str) -> str:
    return (f"if [ -e /etc/rc.d/nginx ]; then /etc/rc.d/nginx {action} ; "
            f"else /usr/local/etc/rc.d/nginx {action} ; fi")


@pytest.mark.parametrize(("args", "table", "expected"), [
    ({}, bsd(True), []),
    ({}, bsd(False), [script("start")]),
    ({}, bsd(None), [script("start")]),
    ({"running": False}, bsd(True), [script("stop")]),
    ({"restarted": True}, bsd(True), [script("restart")]),
    ({"command": "onestatus", "running": None}, bsd(True), [script("onestatus")]),
])
def test_bsdinit(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(bsdinit.service, service="nginx", facts=table, **args)
    assert result.shell == expected


def test_bsdinit_enabled() -> None:
    same = plan(bsdinit.service, service="nginx", enabled=True, facts=bsd(True, True))
    assert same.commands == [] and same.notes
    added = plan(bsdinit.service, service="nginx", enabled=True, facts=bsd(True, False))
    assert added.commands and "nginx_enable=" in " ".join(added.shell)
    with pytest.raises(OperationValueError):
        plan(bsdinit.service, service="php-fpm", enabled=True, facts=bsd(True, True))


@pytest.mark.parametrize(("args", "state", "expected"), [
    ({}, {"com.x": True}, []),
    ({}, {"com.x": False}, ["launchctl start com.x"]),
    ({}, {}, ["launchctl start com.x"]),
    ({"running": False}, {"com.x": True}, ["launchctl stop com.x"]),
    ({"restarted": True}, {"com.x": True}, ["launchctl stop com.x", "launchctl start com.x"]),
    ({"restarted": True}, {"com.x": False}, ["launchctl start com.x"]),
    ({"command": "kickstart", "running": None}, {"com.x": True}, ["launchctl kickstart com.x"]),
])
def test_launchd(args: dict[str, Any], state: dict[str, bool], expected: list[str]) -> None:
    result = plan(launchd.service, service="com.x", facts={fact(LaunchdStatus): state}, **args)
    assert result.shell == expected


# -- server.service on the init systems it advertises ------------------------------------------

WHICH = ("systemctl", "rc-service", "initctl", "sv", "service")


def host_with(*found: str, kernel: str = "Linux", rc_d: bool = False) -> dict[Any, Any]:
    table: dict[Any, Any] = {fact(Which, command=c): (f"/usr/bin/{c}" if c in found else None)
                             for c in WHICH}
    table.update({
        fact(Directory, path="/run/systemd/system"): None, fact(Os): kernel,
        fact(Directory, path="/etc/rc.d"): {**INFO, "mode": 755} if rc_d else None,
        fact(Directory, path="/etc/init.d"): None, fact(Link, path="/etc/init.d"): None,
    })
    return table


def test_server_service_on_runit() -> None:
    table = host_with("sv")
    table.update({
        fact(RunitManaged, service="cron", svdir="/var/service"): {"cron"},
        fact(File, path="/etc/sv/cron/down"): None,
        fact(Link, path="/var/service/cron"): {**INFO, "link_target": "/etc/sv/cron"},
        fact(RunitStatus, service="cron", svdir="/var/service"): {"cron": False},
    })
    result = plan(server.service, service="cron", facts=table)
    assert result.shell == ["env SVDIR=/var/service sv start cron"]


def test_server_service_on_upstart() -> None:
    table = {**host_with("initctl"), **up(False)}
    assert plan(server.service, service="ssh", facts=table).shell == ["initctl start ssh"]


def test_server_service_on_bsd_init() -> None:
    table = {**host_with("service", kernel="FreeBSD", rc_d=True), **bsd(True)}
    assert plan(server.service, service="nginx", running=False, facts=table).shell == [
        script("stop")]
