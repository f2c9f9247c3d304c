"""apk.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.apk import ApkPackages
from corral.operations import apk
from corral.testing.optest import fact, plan

FACTS = {fact(ApkPackages): {"musl": {"1.2.4-r2"}, "curl": {"8.5.0-r0"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["curl", "musl"]}, []),
    ({"packages": ["curl=8.5.0-r0"]}, []),
    ({"packages": ["vim"], "present": False}, []),
    ({"packages": ["curl", "vim", "nano"]}, ["apk add vim nano"]),
    ({"packages": ["curl=8.6.0-r0"]}, ["apk add curl=8.6.0-r0"]),
    ({"packages": ["curl", "vim"], "present": False}, ["apk del curl"]),
    ({"packages": ["curl"], "latest": True}, ["apk upgrade curl"]),
    ({"packages": ["vim"], "update": True, "upgrade": True},
     ["apk update", "apk upgrade", "apk add vim"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(apk.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_always_running() -> None:
    assert plan(apk.update).shell == ["apk update"]
    assert plan(apk.upgrade).shell == ["apk upgrade"]
    assert plan(apk.upgrade, available=True).shell == ["apk upgrade --available"]
    assert plan(apk.packages).notes == ["no packages given"]
