"""snap.package as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.snap import SnapPackage, SnapPackages
from corral.model.errors import OperationValueError
from corral.operations import snap
from corral.testing.optest import fact, plan

FACTS = {
    fact(SnapPackages): ["core", "lxd", "hello"],
    fact(SnapPackage, package="lxd"): {"name": "lxd", "channel": "4.0/stable"},
    fact(SnapPackage, package="hello"): {"name": "hello", "channel": "latest/stable"},
}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": "hello"}, []),
    ({"packages": ["lxd"], "channel": "4.0/stable"}, []),
    ({"packages": ["vlc"], "present": False}, []),
    ({"packages": ["vlc", "hello"]}, ["snap install vlc --channel=latest/stable"]),
    ({"packages": ["nvim"], "classic": True},
     ["snap install --classic nvim --channel=latest/stable"]),
    ({"packages": ["lxd"]}, ["snap refresh lxd --channel=latest/stable"]),
    ({"packages": ["lxd", "vlc"], "channel": "5.0/edge"},
     ["snap install vlc --channel=5.0/edge", "snap refresh lxd --channel=5.0/edge"]),
    ({"packages": ["lxd", "hello"], "present": False}, ["snap remove lxd hello"]),
])
def test_package(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(snap.package, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize("args", [
    {"packages": "-x"}, {"packages": "a b"}, {"packages": "$(id)"},
    {"packages": "vlc", "channel": "x --devmode"}, {"packages": "vlc", "channel": "-x"},
])
def test_bad_input(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(snap.package, facts=FACTS, **args)
