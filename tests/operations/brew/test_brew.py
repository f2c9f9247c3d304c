"""brew.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.brew import BrewCasks, BrewPackages, BrewTaps, BrewVersion
from corral.operations import brew
from corral.testing.optest import fact, plan

FORMULAE = {fact(BrewPackages): {"git": {"2.43.0"}, "openssl@3": {"3.2.0_1"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["git"]}, []),
    ({"packages": ["git@2.43.0"]}, []),
    ({"packages": ["jq"], "present": False}, []),
    ({"packages": ["git", "jq"]}, ["brew install jq"]),
    ({"packages": ["git"], "present": False}, ["brew uninstall git"]),
    ({"packages": ["git"], "latest": True}, ["brew upgrade git"]),
    ({"packages": ["jq"], "update": True, "upgrade": True},
     ["brew update", "brew upgrade", "brew install jq"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(brew.packages, facts=FORMULAE, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize(("version", "args", "expected"), [
    ([4, 2, 0], {"casks": ["firefox"]}, []),
    ([4, 2, 0], {"casks": ["iterm2"]}, ["brew install --cask iterm2"]),
    ([2, 5, 0], {"casks": ["iterm2"]}, ["brew cask install iterm2"]),
    ([4, 2, 0], {"casks": ["firefox"], "present": False}, ["brew uninstall --cask firefox"]),
    ([4, 2, 0], {"casks": ["firefox"], "latest": True, "upgrade": True},
     ["brew upgrade --cask", "brew upgrade --cask firefox"]),
])
def test_casks(version: list[int], args: dict[str, Any], expected: list[str]) -> None:
    facts = {fact(BrewVersion): version, fact(BrewCasks): {"firefox": {"121.0"}}}
    assert plan(brew.casks, facts=facts, **args).shell == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({"src": "homebrew/cask"}, []),
    ({"src": "vendor/tools", "present": False}, []),
    ({"src": "vendor/tools"}, ["brew tap vendor/tools"]),
    ({"url": "https://git.example.com/vendor/tools.git"},
     ["brew tap vendor/tools https://git.example.com/vendor/tools.git"]),
    ({"src": "homebrew/cask", "present": False}, ["brew untap homebrew/cask"]),
])
def test_tap(args: dict[str, Any], expected: list[str]) -> None:
    facts = {fact(BrewTaps): ["homebrew/cask", "homebrew/core"]}
    result = plan(brew.tap, facts=facts, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_tap_without_a_name() -> None:
    assert plan(brew.tap).notes == ["no tap given"]
    assert plan(brew.tap, src="lonely").shell == []


def test_always_running() -> None:
    assert plan(brew.update).shell == ["brew update"]
    assert plan(brew.upgrade).shell == ["brew upgrade"]
    assert plan(brew.cask_upgrade, facts={fact(BrewVersion): [4, 0, 0]}).shell == [
        "brew upgrade --cask"]
