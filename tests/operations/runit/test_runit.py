"""runit.service, manage, auto and wait_runsv as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import File, Link
from corral.facts.runit import RunitManaged, RunitStatus
from corral.model.errors import OperationValueError
from corral.operations import runit
from corral.testing.optest import fact, plan

SV = "env SVDIR=/var/service sv"
LINK = {"link_target": "/etc/sv/sshd", "user": "root", "group": "root", "mode": 777}
DOWN = {"user": "root", "group": "root", "mode": 644, "size": 0}
WAIT = runit._wait("sshd", "/var/service", 10).render()


def facts(managed: bool, down: bool, state: bool | None = None) -> dict[Any, Any]:
    return {
        fact(RunitManaged, service="sshd", svdir="/var/service"): {"sshd"} if managed else set(),
        fact(File, path="/etc/sv/sshd/down"): DOWN if down else None,
        fact(Link, path="/var/service/sshd"): LINK if managed else None,
        fact(RunitStatus, service="sshd", svdir="/var/service"): {"sshd": state},
    }


CASES = [
    # already correct: managed, running, starting by itself
    ({}, facts(True, False, True), []),
    ({"enabled": True}, facts(True, False, True), []),
    ({"enabled": False, "running": False}, facts(True, True, False), []),
    # managed and stopped: start it; stop a running one
    ({}, facts(True, False, False), [f"{SV} start sshd"]),
    ({"running": False}, facts(True, False, True), [f"{SV} stop sshd"]),
    ({"restarted": True}, facts(True, False, True), [f"{SV} restart sshd"]),
    ({"reloaded": True}, facts(True, False, True), [f"{SV} reload sshd"]),
    ({"command": "hup", "running": None}, facts(True, False, True), [f"{SV} hup sshd"]),
    # enabled changes the down file
    ({"enabled": False}, facts(True, False, True), ["touch /etc/sv/sshd/down"]),
    ({"enabled": True}, facts(True, True, True), ["rm -f /etc/sv/sshd/down"]),
    # a new service: down file first, link, wait for runsv, then down as asked, start
    ({}, facts(False, False, None), [
        "touch /etc/sv/sshd/down", "ln -sfn -- /etc/sv/sshd /var/service/sshd", WAIT,
        "rm -f /etc/sv/sshd/down", f"{SV} start sshd"]),
    ({"enabled": False}, facts(False, False, None), [
        "touch /etc/sv/sshd/down", "ln -sfn -- /etc/sv/sshd /var/service/sshd", WAIT,
        f"{SV} start sshd"]),
    ({"running": False}, facts(False, True, None), [
        "ln -sfn -- /etc/sv/sshd /var/service/sshd", WAIT]),
    # unmanage: the link goes, nothing else
    ({"managed": False}, facts(True, False, True), ["rm -f /var/service/sshd"]),
    ({"managed": False}, facts(False, False, None), []),
]


@pytest.mark.parametrize(("args", "table", "expected"), CASES)
def test_service(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(runit.service, service="sshd", facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_other_directories() -> None:
    table = {
        fact(RunitManaged, service="web", svdir="/home/u/service"): {"web"},
        fact(File, path="/home/u/sv/web/down"): None,
        fact(Link, path="/home/u/service/web"): {**LINK, "link_target": "/home/u/sv/web"},
        fact(RunitStatus, service="web", svdir="/home/u/service"): {"web": False},
    }
    result = plan(runit.service, service="web", svdir="/home/u/service/",
                  sourcedir="/home/u/sv", facts=table)
    assert result.shell == ["env SVDIR=/home/u/service sv start web"]


def test_manage_and_auto() -> None:
    assert plan(runit.manage, service="sshd", facts=facts(False, False)).shell == [
        "ln -sfn -- /etc/sv/sshd /var/service/sshd"]
    assert plan(runit.manage, service="sshd", facts=facts(True, False)).shell == []
    assert plan(runit.auto, service="sshd", auto=False, facts=facts(True, False)).shell == [
        "touch /etc/sv/sshd/down"]
    assert plan(runit.auto, service="sshd", facts=facts(True, True)).shell == [
        "rm -f /etc/sv/sshd/down"]
    assert plan(runit.auto, service="sshd", facts=facts(True, False)).shell == []


def test_wait_runsv() -> None:
    (wait,) = plan(runit.wait_runsv, service="sshd", timeout=3, facts={}).shell
    assert wait.startswith("( SVDIR=/var/service; export SVDIR;")
    assert "-lt 3 ]" in wait and "sv status sshd" in wait


@pytest.mark.parametrize(("op", "args"), [
    (runit.service, {"service": "../x"}),
    (runit.service, {"service": "-x"}),
    (runit.service, {"service": "x", "svdir": "relative"}),
    (runit.service, {"service": "x", "sourcedir": "a/b"}),
    (runit.wait_runsv, {"service": "x", "timeout": 0}),
    (runit.service, {"service": "sshd", "command": "status; reboot", "running": None}),
])
def test_refuses(op: Any, args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(op, facts=facts(True, False, True), **args)
