"""puppet.agent as (args) -> the command (it runs every time, as pyinfra's does)."""

from __future__ import annotations

from typing import Any

import pytest

from corral.model.errors import OperationValueError
from corral.operations import puppet
from corral.testing.optest import plan


@pytest.mark.parametrize(("args", "expected"), [
    ({}, "puppet agent -t"),
    ({"server": "puppet.example", "port": 8140},
     "puppet agent -t --server=puppet.example --masterport=8140"),
    ({"server": "a b"}, "puppet agent -t '--server=a b'"),
])
def test_agent(args: dict[str, Any], expected: str) -> None:
    assert plan(puppet.agent, facts={}, **args).shell == [expected]


@pytest.mark.parametrize("port", ["8140; x", 70000, True])
def test_port_is_a_port(port: Any) -> None:
    with pytest.raises(OperationValueError):
        plan(puppet.agent, port=port, facts={})
