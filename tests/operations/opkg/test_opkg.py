"""opkg.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.opkg import OpkgPackages
from corral.model.errors import OperationValueError
from corral.operations import opkg
from corral.testing.optest import fact, plan

FACTS = {fact(OpkgPackages): {"vim": {"9.0-1"}, "asterisk": {"20.5.2-1"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["vim", "asterisk"], "update": False}, []),
    ({"packages": ["nano"], "present": False, "update": False}, []),
    ({"packages": ["vim"]}, ["opkg update"]),
    ({"packages": ["nano", "vim"]}, ["opkg update", "opkg install nano"]),
    ({"packages": "vim", "latest": True, "update": False}, ["opkg upgrade vim"]),
    ({"packages": ["vim"], "present": False, "update": False}, ["opkg remove vim"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(opkg.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected or expected == ["opkg update"]:
        assert result.notes


def test_nothing_given_and_pinning_refused() -> None:
    assert plan(opkg.packages, packages=[""]).shell == []
    assert plan(opkg.packages).notes
    with pytest.raises(OperationValueError, match="vim"):
        plan(opkg.packages, packages=["vim=9.0"], facts=FACTS)
    assert plan(opkg.update).shell == ["opkg update"]
