"""openrc.service as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.openrc import OpenrcEnabled, OpenrcStatus
from corral.operations import openrc
from corral.testing.optest import fact, plan


def facts(running: bool, enabled: bool | None = None, runlevel: str = "default"
          ) -> dict[Any, Any]:
    table: dict[Any, Any] = {fact(OpenrcStatus, runlevel=runlevel): {"sshd": running}}
    if enabled is not None:
        table[fact(OpenrcEnabled, runlevel=runlevel)] = {"sshd": enabled}
    return table


CASES = [
    ({}, facts(True), []),
    ({}, facts(False), ["rc-service sshd start"]),
    ({"running": False}, facts(True), ["rc-service sshd stop"]),
    ({"restarted": True}, facts(True), ["rc-service sshd restart"]),
    ({"reloaded": True}, facts(True), ["rc-service sshd reload"]),
    ({"command": "zap"}, facts(False), ["rc-service sshd start", "rc-service sshd zap"]),
    ({"enabled": True}, facts(True, True), []),
    ({"enabled": True}, facts(True, False), ["rc-update add sshd default"]),
    ({"enabled": False}, facts(True, True), ["rc-update del sshd default"]),
    ({"enabled": False}, facts(True, False), []),
    ({"enabled": True, "runlevel": "boot"}, facts(True, False, "boot"),
     ["rc-update add sshd boot"]),
]


@pytest.mark.parametrize(("args", "table", "expected"), CASES)
def test_service(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(openrc.service, service="sshd", facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes
