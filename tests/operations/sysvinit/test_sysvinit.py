"""sysvinit.service and sysvinit.enable as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import Directory, Link
from corral.facts.server import LinuxDistribution
from corral.facts.sysvinit import InitdStartLinks, InitdStatus
from corral.model.errors import OperationValueError
from corral.operations import sysvinit
from corral.testing.optest import fact, plan

LINKS = ["/etc/rc2.d/S01app", "/etc/rc3.d/S01app"]


def facts(running: bool | None, links: list[str] | None = None,
          distro: str = "Debian") -> dict[Any, Any]:
    table: dict[Any, Any] = {fact(InitdStatus): {} if running is None else {"app": running}}
    if links is not None:
        table[fact(InitdStartLinks, service="app")] = links
    table[fact(LinuxDistribution)] = {"name": distro}
    return table


CASES = [
    ({}, facts(True), []),
    ({}, facts(False), ["/etc/init.d/app start"]),
    ({}, facts(None), ["/etc/init.d/app start"]),
    ({"running": False}, facts(True), ["/etc/init.d/app stop"]),
    ({"running": False}, facts(False), []),
    ({"restarted": True}, facts(True), ["/etc/init.d/app restart"]),
    ({"reloaded": True}, facts(True), ["/etc/init.d/app reload"]),
    ({"reloaded": True}, facts(False), ["/etc/init.d/app start"]),
    ({"command": "force-reload"}, facts(True), ["/etc/init.d/app force-reload"]),
    ({"enabled": True}, facts(True, LINKS), []),
    ({"enabled": True}, facts(True, []), ["update-rc.d app defaults"]),
    ({"enabled": True}, facts(True, [], "Fedora"), ["chkconfig --add app", "chkconfig app on"]),
    ({"enabled": True}, facts(True, [], "Gentoo"), ["rc-update add app default"]),
    ({"enabled": False}, facts(True, LINKS), ["rm -f /etc/rc2.d/S01app /etc/rc3.d/S01app"]),
    ({"enabled": False}, facts(True, []), []),
]


@pytest.mark.parametrize(("args", "table", "expected"), CASES)
def test_service(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(sysvinit.service, service="app", facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_enable_unknown_distro() -> None:
    with pytest.raises(OperationValueError):
        plan(sysvinit.service, service="app", enabled=True, facts=facts(True, [], "Plan9"))


def link_facts(existing: dict[str, str]) -> dict[Any, Any]:
    table: dict[Any, Any] = {}
    for level, prefix in [(3, "S20"), (5, "S20"), (0, "K80"), (6, "K80")]:
        path = f"/etc/rc{level}.d/{prefix}app"
        target = existing.get(path)
        table[fact(Link, path=path)] = {"link_target": target, "user": "root",
                                       "group": "root"} if target else None
        table[fact(Directory, path=f"/etc/rc{level}.d")] = {"user": "root", "group": "root",
                                                           "mode": 755}
    return table


def test_enable() -> None:
    args: dict[str, Any] = {"service": "app", "start_levels": (3, 5), "stop_levels": [0, 6]}
    result = plan(sysvinit.enable, facts=link_facts({}), **args)
    assert result.shell == [
        cmd for level, prefix in [(3, "S20"), (5, "S20"), (0, "K80"), (6, "K80")]
        for cmd in (f"[ -d /etc/rc{level}.d ] || {{ mkdir -p /etc/rc{level}.d ; }}",
                    f"ln -sfn -- /etc/init.d/app /etc/rc{level}.d/{prefix}app")
    ]
    done = {f"/etc/rc{n}.d/{p}app": "/etc/init.d/app"
            for n, p in [(3, "S20"), (5, "S20"), (0, "K80"), (6, "K80")]}
    assert plan(sysvinit.enable, facts=link_facts(done), **args).shell == []
    with pytest.raises(OperationValueError):
        plan(sysvinit.enable, service="app", start_priority=100)
