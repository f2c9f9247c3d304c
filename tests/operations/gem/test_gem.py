"""gem.packages as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.gem import GemPackages
from corral.operations import gem
from corral.testing.optest import fact, plan

FACTS = {fact(GemPackages): {"bundler": {"2.3.7"}, "rake": {"13.0.6", "13.1.0"}}}
UNINSTALL = "gem uninstall --all --executables --ignore-dependencies"


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["bundler", "rake"]}, []),
    ({"packages": ["rake:13.0.6"]}, []),
    ({"packages": ["rails"], "present": False}, []),
    ({"packages": ["rake:12.0.0"], "present": False}, []),
    ({"packages": ["bundler", "rails"]}, ["gem install rails"]),
    ({"packages": ["rake:12.3.3"]}, ["gem install rake:12.3.3"]),
    ({"packages": ["rake"], "present": False}, [f"{UNINSTALL} rake"]),
    ({"packages": ["rake:13.0.6"], "present": False}, [f"{UNINSTALL} rake:13.0.6"]),
    ({"packages": ["bundler"], "latest": True}, ["gem update bundler"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(gem.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes
