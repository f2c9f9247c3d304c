"""npm.packages as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.npm import NpmPackages
from corral.operations import npm
from corral.testing.optest import fact, plan

INSTALLED = {"typescript": {"5.3.3"}, "@vue/cli": {"5.0.8"}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["typescript", "@vue/cli"]}, []),
    ({"packages": ["@vue/cli@5.0.8"]}, []),
    ({"packages": ["left-pad"], "present": False}, []),
    ({"packages": ["typescript", "left-pad@1.3.0"]}, ["npm install -g left-pad@1.3.0"]),
    ({"packages": ["@vue/cli@5.1.0"]}, ["npm install -g @vue/cli@5.1.0"]),
    ({"packages": ["typescript"], "present": False}, ["npm uninstall -g typescript"]),
    ({"packages": ["typescript"], "latest": True}, ["npm update -g typescript"]),
])
def test_global(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(npm.packages, facts={fact(NpmPackages, directory=None): INSTALLED}, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_in_a_directory() -> None:
    table = {fact(NpmPackages, directory="/srv/app"): INSTALLED}
    assert plan(npm.packages, facts=table, packages=["typescript"],
                directory="/srv/app").shell == []
    assert plan(npm.packages, facts=table, packages=["express"], directory="/srv/app").shell == [
        "cd /srv/app && npm install express"]
