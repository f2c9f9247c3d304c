"""xbps.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.xbps import XbpsPackages
from corral.operations import xbps
from corral.testing.optest import fact, plan

FACTS = {fact(XbpsPackages): {"vim": {"9.1.0_1"}, "bash": {"5.2.21_1"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": "vim"}, []),
    ({"packages": ["nano"], "present": False}, []),
    ({"packages": ["nano", "vim"]}, ["xbps-install -y -u nano"]),
    ({"packages": ["vim"], "present": False}, ["xbps-remove -y vim"]),
    ({"packages": ["nano"], "update": True, "upgrade": True},
     ["xbps-install -S", "xbps-install -y -u", "xbps-install -y -u nano"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(xbps.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_always_running() -> None:
    assert plan(xbps.update).shell == ["xbps-install -S"]
    assert plan(xbps.upgrade).shell == ["xbps-install -y -u"]
    assert xbps.update._spec.is_idempotent is False
