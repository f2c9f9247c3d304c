"""dnf.module as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.dnf import DnfDisabledModules, DnfEnabledModules
from corral.model.errors import OperationValueError
from corral.operations import dnf
from corral.testing.optest import fact, plan

FACTS = {fact(DnfEnabledModules): {"postgresql": "16", "nodejs": "20"},
         fact(DnfDisabledModules): ["ruby"]}


@pytest.mark.parametrize(("args", "expected"), [
    ({"module": "postgresql", "stream": "16"}, []),
    ({"module": "ruby", "enabled": False}, []),
    ({"module": "postgresql", "stream": "15"}, ["dnf module enable -y postgresql:15"]),
    ({"module": "php", "stream": "8.2"}, ["dnf module enable -y php:8.2"]),
    ({"module": "nodejs", "enabled": False, "stream": "ignored"},
     ["dnf module disable -y nodejs"]),
])
def test_module(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(dnf.module, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize("args", [
    {"module": "postgresql"},
    {"module": "-x", "stream": "1"},
    {"module": "a b", "stream": "1"},
    {"module": "php", "stream": "8:2"},
])
def test_bad_input(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(dnf.module, facts=FACTS, **args)
