"""choco.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.choco import ChocoPackages
from corral.operations import choco
from corral.testing.optest import fact, plan

FACTS = {fact(ChocoPackages): {"git": {"2.44.0"}, "notepadplusplus": {"8.6.4"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["git", "notepadplusplus:8.6.4"]}, []),
    ({"packages": ["7zip"], "present": False}, []),
    ({"packages": ["7zip", "git"]}, ["choco install -y 7zip"]),
    ({"packages": ["git:2.45.0"]}, ["choco install -y git:2.45.0"]),
    ({"packages": ["git"], "latest": True}, ["choco update -y git"]),
    ({"packages": ["git"], "present": False}, ["choco uninstall -y -x git"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(choco.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_install_always_runs() -> None:
    assert "chocolatey.org/install.ps1" in plan(choco.install).shell[0]
    assert choco.install._spec.is_idempotent is False
