"""pipx.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.pipx import PipxBinDirInPath, PipxPackages
from corral.operations import pipx
from corral.testing.optest import fact, plan

FACTS = {fact(PipxPackages): {"black": {"24.1.0"}, "corral-demo": {"1.0"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["black", "corral_demo"]}, []),
    ({"packages": ["black==24.1.0"]}, []),
    ({"packages": ["httpie"], "present": False}, []),
    ({"packages": ["black", "httpie", "ruff"]}, ["pipx install httpie", "pipx install ruff"]),
    ({"packages": ["demo"], "extra_args": "--pip-args='--no-index --find-links /w'"},
     ["pipx install --pip-args='--no-index --find-links /w' demo"]),
    ({"packages": ["black", "corral-demo"], "present": False},
     ["pipx uninstall black", "pipx uninstall corral-demo"]),
    ({"packages": ["black"], "latest": True}, ["pipx upgrade black"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(pipx.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_upgrade_all_and_ensure_path() -> None:
    assert plan(pipx.upgrade_all).shell == ["pipx upgrade-all"]
    assert plan(pipx.ensure_path, facts={fact(PipxBinDirInPath): True}).shell == []
    assert plan(pipx.ensure_path, facts={fact(PipxBinDirInPath): False}).shell == [
        "pipx ensurepath"]
    assert plan(pipx.packages).notes == ["no packages given"]
