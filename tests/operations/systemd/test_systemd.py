"""systemd.service and systemd.daemon_reload as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.systemd import SystemdEnabled, SystemdStatus
from corral.model.errors import OperationValueError
from corral.operations import systemd
from corral.testing.optest import fact, plan

U = "nginx.service"


def facts(running: bool | None, enabled: bool | None = None, unit: str = U,
          **where: Any) -> dict[Any, Any]:
    w = {"user_mode": False, "machine": None, "user_name": None, **where}
    table = {fact(SystemdStatus, services=[unit], **w): {} if running is None
             else {unit: running}}
    if enabled is not None:
        table[fact(SystemdEnabled, services=[unit], **w)] = {unit: enabled}
    return table


CASES = [
    ({"service": "nginx"}, facts(True), []),
    ({"service": "nginx"}, facts(False), ["systemctl start nginx.service"]),
    ({"service": "nginx"}, facts(None), ["systemctl start nginx.service"]),
    ({"service": "nginx", "running": False}, facts(True), ["systemctl stop nginx.service"]),
    ({"service": "nginx", "running": False}, facts(False), []),
    ({"service": "nginx", "running": None}, facts(False), []),
    ({"service": "nginx", "restarted": True}, facts(True),
     ["systemctl restart nginx.service"]),
    ({"service": "nginx", "restarted": True}, facts(False), ["systemctl start nginx.service"]),
    ({"service": "nginx", "reloaded": True}, facts(True), ["systemctl reload nginx.service"]),
    ({"service": "nginx", "command": "try-restart"}, facts(True),
     ["systemctl try-restart nginx.service"]),
    ({"service": "nginx", "enabled": True}, facts(True, True), []),
    ({"service": "nginx", "enabled": True}, facts(True, False),
     ["systemctl enable nginx.service"]),
    ({"service": "nginx", "enabled": False}, facts(True, True),
     ["systemctl disable nginx.service"]),
    ({"service": "nginx", "enabled": False}, facts(True, False), []),
    ({"service": "nginx", "daemon_reload": True}, facts(True), ["systemctl daemon-reload"]),
    ({"service": "logrotate.timer", "enabled": True},
     facts(False, False, unit="logrotate.timer"),
     ["systemctl start logrotate.timer", "systemctl enable logrotate.timer"]),
    ({"service": "app", "user_mode": True, "user_name": "bob"},
     facts(False, unit="app.service", user_mode=True, user_name="bob"),
     ["systemctl --user --machine=bob@.host start app.service"]),
    ({"service": "app", "machine": "box"}, facts(False, unit="app.service", machine="box"),
     ["systemctl --machine=box start app.service"]),
]


@pytest.mark.parametrize(("args", "table", "expected"), CASES)
def test_service(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(systemd.service, facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes or args.get("running", True) is None


def test_daemon_reload_and_bad_name() -> None:
    assert plan(systemd.daemon_reload).shell == ["systemctl daemon-reload"]
    assert plan(systemd.daemon_reload, user_mode=True).shell == ["systemctl --user daemon-reload"]
    with pytest.raises(OperationValueError):
        plan(systemd.service, service="../etc")
