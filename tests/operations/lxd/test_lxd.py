"""lxd.container as (args, facts) -> commands: already correct, changed, and refused."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.lxd import LxdContainers
from corral.model.errors import OperationValueError
from corral.operations import lxd
from corral.testing.optest import fact, plan


def cts(status: str | None) -> dict[Any, Any]:
    listing = [{"name": "other", "status": "Running"}]
    if status:
        listing.append({"name": "web", "status": status})
    return {fact(LxdContainers): listing}


@pytest.mark.parametrize(("args", "table", "expected"), [
    ({}, cts("Stopped"), []),
    ({"present": False}, cts(None), []),
    ({}, cts(None), ["lxc launch ubuntu:16.04 web </dev/null"]),
    ({"image": "images:debian/12"}, cts(None), ["lxc launch images:debian/12 web </dev/null"]),
    ({"present": False}, cts("Running"), ["lxc stop web", "lxc delete web"]),
    ({"present": False}, cts("Stopped"), ["lxc delete web"]),
])
def test_container(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(lxd.container, id="web", facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize("bad", [{"id": "-f"}, {"id": "a b"}, {"id": "1web"}, {"id": "web-"},
                                 {"image": "--force"}, {"image": "a b"}, {"image": ""}])
def test_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(lxd.container, **{"id": "web", **bad}, facts=cts(None))
