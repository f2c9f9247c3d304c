"""go.packages as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.go import GoPackages
from corral.model.errors import OperationValueError
from corral.operations import go
from corral.testing.optest import fact, plan

SC = "honnef.co/go/tools/cmd/staticcheck"
FACTS = {fact(GoPackages): {SC: {"v0.4.7"}, "example.com/corral/hello/v2": {"v2.0.1"}}}
RM = 'BINDIR=$(go env GOBIN); [ -z "$BINDIR" ] && BINDIR="$(go env GOPATH)/bin"; rm -f'


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": SC}, []),
    ({"packages": [f"{SC}@latest"]}, []),
    ({"packages": [f"{SC}@v0.4.7"]}, []),
    ({"packages": ["example.com/x"], "present": False}, []),
    ({"packages": ["example.com/x", SC]}, ["go install example.com/x@latest"]),
    ({"packages": [f"{SC}@v0.5.0"]}, [f"go install {SC}@v0.5.0"]),
    ({"packages": [SC], "latest": True}, [f"go install {SC}@latest"]),
    ({"packages": [SC, "example.com/corral/hello/v2"], "present": False},
     [f'{RM} "$BINDIR"/staticcheck "$BINDIR"/hello']),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(go.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize("text", ["-x", "a b", "a/../b", "a;b", "x@v1;id", "a/."])
def test_bad_input(text: str) -> None:
    with pytest.raises(OperationValueError):
        plan(go.packages, packages=text, facts=FACTS)


def test_binary_name() -> None:
    assert go.binary_name("github.com/foo/bar/v2") == "bar"
    assert go.binary_name("github.com/foo/bar") == "bar"
    assert go.binary_name("v2") == "v2"
