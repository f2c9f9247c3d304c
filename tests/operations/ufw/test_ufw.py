"""ufw.service, ufw.default, ufw.logging and ufw.rule as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.ufw import UfwRules, UfwStatus, canonical_rule
from corral.model.errors import OperationValueError
from corral.operations import ufw
from corral.testing.optest import fact, plan

ACTIVE = {"active": True, "logging": "low",
          "default": {"incoming": "deny", "outgoing": "allow", "routed": "disabled"}}
INACTIVE = {"active": False, "logging": None,
            "default": {"incoming": "deny", "outgoing": "allow", "routed": "deny"}}


@pytest.mark.parametrize(("args", "status", "expected"), [
    ({}, ACTIVE, []),
    ({}, INACTIVE, ["ufw --force enable"]),
    ({"reload": True}, ACTIVE, ["ufw reload"]),
    ({"enabled": False}, ACTIVE, ["ufw disable"]),
    ({"enabled": False}, INACTIVE, []),
    ({"enabled": False}, {}, []),
])
def test_service(args: dict[str, Any], status: dict[str, Any], expected: list[str]) -> None:
    assert plan(ufw.service, facts={fact(UfwStatus): status}, **args).shell == expected


@pytest.mark.parametrize(("args", "status", "expected"), [
    ({"policy": "deny"}, ACTIVE, []),
    ({"policy": "allow"}, ACTIVE, ["ufw default allow incoming"]),
    ({"policy": "deny", "direction": "outgoing"}, INACTIVE, ["ufw default deny outgoing"]),
    ({"policy": "deny", "direction": "routed"}, INACTIVE, []),
])
def test_default(args: dict[str, Any], status: dict[str, Any], expected: list[str]) -> None:
    assert plan(ufw.default, facts={fact(UfwStatus): status}, **args).shell == expected


@pytest.mark.parametrize(("level", "status", "expected"), [
    ("low", ACTIVE, []),
    (True, ACTIVE, []),
    ("on", ACTIVE, []),
    ("medium", ACTIVE, ["ufw logging medium"]),
    (False, ACTIVE, ["ufw logging off"]),
    ("off", INACTIVE, []),
    (True, INACTIVE, ["ufw logging on"]),
])
def test_logging(level: Any, status: dict[str, Any], expected: list[str]) -> None:
    assert plan(ufw.logging, level=level, facts={fact(UfwStatus): status}).shell == expected


SSH = canonical_rule("allow", port="22", proto="tcp")
FROM = canonical_rule("allow", from_ip="127.0.0.1", port="80", proto="tcp")


@pytest.mark.parametrize(("args", "rules", "expected"), [
    ({"action": "allow", "port": 22, "proto": "tcp"}, [SSH], []),
    ({"action": "allow", "port": 22, "proto": "tcp"}, [], ["ufw allow 22/tcp"]),
    ({"action": "allow", "port": 22, "proto": "tcp", "present": False}, [SSH],
     ["ufw delete allow 22/tcp"]),
    ({"action": "allow", "port": 22, "proto": "tcp", "present": False}, [], []),
    ({"action": "allow", "port": 80, "proto": "tcp", "from_ip": "127.0.0.1"}, [FROM], []),
    ({"action": "allow", "port": 80, "proto": "tcp", "from_ip": "127.0.0.1"}, [],
     ["ufw allow from 127.0.0.1 to any port 80 proto tcp"]),
    ({"action": "allow", "direction": "out", "port": 53, "comment": "dns it is"}, [],
     ["ufw allow out to any port 53 comment 'dns it is'"]),
    ({"action": "deny", "direction": "in", "interface": "lo", "from_ip": "10.0.0.0/8"}, [],
     ["ufw deny in on lo from 10.0.0.0/8"]),
    ({"action": "allow", "app": "OpenSSH"}, [], ["ufw allow to any app OpenSSH"]),
])
def test_rule(args: dict[str, Any], rules: list[Any], expected: list[str]) -> None:
    assert plan(ufw.rule, facts={fact(UfwRules): rules}, **args).shell == expected


@pytest.mark.parametrize(("op", "args"), [
    (ufw.rule, {"action": "permit"}),
    (ufw.rule, {"action": "allow", "app": "x", "port": 1}),
    (ufw.rule, {"action": "allow", "log": "loud"}),
    (ufw.rule, {"action": "allow", "direction": "up"}),
    (ufw.default, {"policy": "drop"}),
    (ufw.default, {"policy": "deny", "direction": "sideways"}),
    (ufw.logging, {"level": "loud"}),
])
def test_bad_arguments(op: Any, args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(op, **args)
