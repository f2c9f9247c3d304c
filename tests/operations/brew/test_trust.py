"""brew.trust as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.brew import BrewItemKind, BrewTrusted
from corral.model.errors import OperationValueError
from corral.operations import brew
from corral.testing.optest import fact, plan

TRUSTED = {"taps": ["borgbackup/tap"], "formulae": ["wget"], "casks": [], "commands": []}
FACTS = {fact(BrewTrusted): TRUSTED}


@pytest.mark.parametrize(("args", "expected"), [
    ({"items": "borgbackup/tap", "kind": BrewItemKind.TAP, "trusted": True}, []),
    ({"items": ["firefox"], "kind": BrewItemKind.CASK, "trusted": False}, []),
    ({"items": ["b/t", "borgbackup/tap", "a/t"], "kind": BrewItemKind.TAP, "trusted": True},
     ["brew trust --tap a/t", "brew trust --tap b/t"]),
    ({"items": "wget", "kind": "formulae", "trusted": False},
     ["brew untrust --formula wget"]),
    ({"items": "x y", "kind": BrewItemKind.COMMAND, "trusted": True},
     ["brew trust --command 'x y'"]),
])
def test_trust(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(brew.trust, facts=FACTS, **args)
    assert result.shell == expected
    if len(expected) < len(set(args["items"] if isinstance(args["items"], list)
                               else [args["items"]])):
        assert result.notes


@pytest.mark.parametrize("args", [
    {"items": "", "kind": BrewItemKind.TAP, "trusted": True},
    {"items": "--all", "kind": BrewItemKind.TAP, "trusted": True},
    {"items": "x", "kind": "tap", "trusted": True},
])
def test_bad_input(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(brew.trust, facts=FACTS, **args)
