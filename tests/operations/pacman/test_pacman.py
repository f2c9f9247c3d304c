"""pacman.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.pacman import PacmanPackages, PacmanUnpackGroup
from corral.operations import pacman
from corral.testing.optest import fact, plan

INSTALLED = {"corral-alpha": {"1.0.2-1"}, "vim": {"9.0-1"}}


def facts(**groups: list[str]) -> dict[Any, Any]:
    table: dict[Any, Any] = {fact(PacmanPackages): INSTALLED}
    for name, members in groups.items():
        table[fact(PacmanUnpackGroup, package=name.replace("_", "-"))] = members
    return table


@pytest.mark.parametrize(("args", "table", "expected"), [
    ({"packages": ["vim"]}, facts(vim=["vim"]), []),
    ({"packages": ["nano"], "present": False}, facts(nano=["nano"]), []),
    ({"packages": ["vim", "nano"]}, facts(vim=["vim"], nano=["nano"]),
     ["pacman --noconfirm -S nano"]),
    ({"packages": ["corral-group"]}, facts(corral_group=["corral-alpha", "corral-beta"]),
     ["pacman --noconfirm -S corral-group"]),
    ({"packages": ["corral-group"], "present": False},
     facts(corral_group=["corral-alpha", "corral-beta"]),
     ["pacman --noconfirm -R corral-group"]),
    ({"packages": ["vim"], "present": False}, facts(vim=["vim"]),
     ["pacman --noconfirm -R vim"]),
    ({"packages": ["nano"], "update": True, "upgrade": True}, facts(nano=[]),
     ["pacman -Sy", "pacman --noconfirm -Su", "pacman --noconfirm -S nano"]),
])
def test_packages(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(pacman.packages, facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_group_fully_installed() -> None:
    table = {fact(PacmanPackages): {"a": {"1"}, "b": {"1"}},
             fact(PacmanUnpackGroup, package="g"): ["a", "b"]}
    assert plan(pacman.packages, facts=table, packages="g").shell == []


def test_always_running() -> None:
    assert plan(pacman.update).shell == ["pacman -Sy"]
    assert plan(pacman.upgrade).shell == ["pacman --noconfirm -Su"]
