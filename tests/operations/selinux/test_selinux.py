"""selinux.* as (args, facts) -> commands: already correct, changed, and refused."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.selinux import FileContext, FileContextMapping, SEBoolean, SEPort, SEPorts
from corral.facts.server import Which
from corral.model.errors import OperationValueError
from corral.operations import selinux
from corral.testing.optest import fact, plan

B = "httpd_can_network_connect"


@pytest.mark.parametrize(("args", "current", "expected"), [
    ({"value": selinux.Boolean.ON}, "on", []),
    ({"value": "off"}, "off", []),
    ({"value": selinux.Boolean.ON}, "off", [f"setsebool {B} on"]),
    ({"value": selinux.Boolean.OFF, "persistent": True}, "on", [f"setsebool -P {B} off"]),
    ({"value": "on"}, "", [f"setsebool {B} on"]),
])
def test_boolean(args: dict[str, Any], current: str, expected: list[str]) -> None:
    result = plan(selinux.boolean, bool_name=B, facts={fact(SEBoolean, boolean=B): current},
                  **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize("bad", [{"bool_name": "x; reboot"}, {"bool_name": "-P"},
                                 {"value": "yes"}, {"value": True}])
def test_boolean_refuses(bad: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(selinux.boolean, **{"bool_name": B, "value": "on", **bad}, facts={})


CTX = {"user": "system_u", "role": "object_r", "type": "var_t", "level": "s0"}


@pytest.mark.parametrize(("current", "expected"), [
    ({**CTX, "type": "httpd_sys_content_t"}, []),
    (CTX, ["chcon -t httpd_sys_content_t -- '/srv/my www'"]),
    (None, ["chcon -t httpd_sys_content_t -- '/srv/my www'"]),
])
def test_file_context(current: Any, expected: list[str]) -> None:
    result = plan(selinux.file_context, path="/srv/my www", se_type="httpd_sys_content_t",
                  facts={fact(FileContext, path="/srv/my www"): current})
    assert result.shell == expected


def test_file_context_refuses_a_type_that_is_not_a_name() -> None:
    with pytest.raises(OperationValueError):
        plan(selinux.file_context, path="/x", se_type="t; reboot", facts={})


T = "/web(/.*)?"


@pytest.mark.parametrize(("args", "current", "expected"), [
    ({"se_type": "httpd_sys_content_t"}, {**CTX, "type": "httpd_sys_content_t"}, []),
    ({"se_type": "httpd_sys_content_t"}, {},
     ["semanage fcontext -a -t httpd_sys_content_t -- '/web(/.*)?'"]),
    ({"se_type": "httpd_sys_content_t"}, CTX,
     ["semanage fcontext -m -t httpd_sys_content_t -- '/web(/.*)?'"]),
    ({"present": False}, CTX, ["semanage fcontext -d -- '/web(/.*)?'"]),
    ({"present": False}, {}, []),
])
def test_file_context_mapping(args: dict[str, Any], current: dict[str, str],
                              expected: list[str]) -> None:
    result = plan(selinux.file_context_mapping, target=T,
                  facts={fact(FileContextMapping, target=T): current}, **args)
    assert result.shell == expected


@pytest.mark.parametrize("bad", [{"target": "/a b"}, {"target": "/a\nb"}, {"target": "-d"},
                                 {"target": ""}, {"se_type": None}, {"se_type": "a b"}])
def test_file_context_mapping_refuses(bad: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(selinux.file_context_mapping, **{"target": T, "se_type": "t", **bad},
             facts={fact(FileContextMapping, target=T): {}})


def with_sepolicy(current: str) -> dict[Any, Any]:
    return {fact(Which, command="sepolicy"): "/usr/bin/sepolicy",
            fact(SEPort, protocol="tcp", port=2222): current}


def without_sepolicy(table: dict[str, dict[int, str]]) -> dict[Any, Any]:
    return {fact(Which, command="sepolicy"): None, fact(SEPorts): table}


@pytest.mark.parametrize(("args", "table", "expected"), [
    ({"se_type": "http_port_t"}, with_sepolicy("http_port_t"), []),
    ({"se_type": "http_port_t"}, without_sepolicy({"tcp": {2222: "http_port_t"}}), []),
    ({"se_type": "http_port_t"}, with_sepolicy(""),
     ["semanage port -a -t http_port_t -p tcp 2222"]),
    ({"se_type": "http_port_t"}, without_sepolicy({"udp": {2222: "http_port_t"}}),
     ["semanage port -a -t http_port_t -p tcp 2222"]),
    ({"se_type": "http_port_t"}, with_sepolicy("ssh_port_t"),
     ["semanage port -m -t http_port_t -p tcp 2222"]),
    ({"present": False}, with_sepolicy("ssh_port_t"), ["semanage port -d -p tcp 2222"]),
    ({"present": False}, without_sepolicy({}), []),
])
def test_port(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(selinux.port, protocol=selinux.Protocol.TCP, port_num=2222, facts=table,
                  **args)
    assert result.shell == expected


@pytest.mark.parametrize("bad", [{"protocol": "icmp"}, {"port_num": 0}, {"port_num": "22"},
                                 {"port_num": 70000}, {"se_type": None}])
def test_port_refuses(bad: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(selinux.port, **{"protocol": "tcp", "port_num": 22, "se_type": "t", **bad},
             facts={})
