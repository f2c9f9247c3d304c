"""cargo.packages as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.cargo import CargoPackages
from corral.model.errors import OperationValueError
from corral.operations import cargo
from corral.testing.optest import fact, plan

FACTS = {fact(CargoPackages): {"ripgrep": {"14.1.0"}, "corral-demo": {"0.1.0"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": "ripgrep"}, []),
    ({"packages": ["ripgrep@14.1.0"]}, []),
    ({"packages": ["fd-find"], "present": False}, []),
    ({"packages": ["fd-find", "ripgrep"]}, ["cargo install fd-find"]),
    ({"packages": ["ripgrep@14.1.1"]}, ["cargo install ripgrep@14.1.1"]),
    ({"packages": ["ripgrep"], "latest": True}, ["cargo install ripgrep"]),
    ({"packages": ["ripgrep", "corral-demo"], "present": False},
     ["cargo uninstall ripgrep corral-demo"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(cargo.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_refuses_an_option_and_quotes() -> None:
    with pytest.raises(OperationValueError):
        plan(cargo.packages, packages="--root", facts=FACTS)
    assert plan(cargo.packages, packages="x;id", facts=FACTS).shell == ["cargo install 'x;id'"]
