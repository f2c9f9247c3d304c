"""pkgin.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.pkgin import PkginPackages
from corral.operations import pkgin
from corral.testing.optest import fact, plan

FACTS = {fact(PkginPackages): {"vim": {"9.1.0000nb1"}, "tmux": {"3.4"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["vim", "tmux"]}, []),
    ({"packages": ["nano"], "present": False}, []),
    ({"packages": ["nano", "vim"]}, ["pkgin -y install nano"]),
    ({"packages": ["vim"], "latest": True}, ["pkgin -y upgrade vim"]),
    ({"packages": ["vim"], "present": False}, ["pkgin -y remove vim"]),
    ({"packages": ["nano"], "update": True, "upgrade": True},
     ["pkgin -y update", "pkgin -y upgrade", "pkgin -y install nano"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(pkgin.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_always_running() -> None:
    assert plan(pkgin.update).shell == ["pkgin -y update"]
    assert plan(pkgin.upgrade).shell == ["pkgin -y upgrade"]
