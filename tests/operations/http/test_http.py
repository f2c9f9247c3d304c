"""http.request as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.http import HttpStatus
from corral.model.errors import OperationValueError
from corral.operations import http
from corral.testing.optest import fact, plan

URL = "http://127.0.0.1:8080/health"


def answer(status: int | None, matches: bool | None = None, contains: str | None = None,
           method: str = "GET") -> dict[Any, Any]:
    key = fact(HttpStatus, url=URL, method=method, contains=contains, headers=None,
               insecure=False)
    return {key: {"status": status, "matches": matches}}


@pytest.mark.parametrize(("args", "table", "changed"), [
    ({}, answer(200), False),
    ({}, answer(None), True),
    ({}, answer(503), True),
    ({"status": [200, 204]}, answer(204), False),
    ({"contains": "ok"}, answer(200, True, "ok"), False),
    ({"contains": "ok"}, answer(200, False, "ok"), True),
    ({"method": "head"}, answer(200, method="HEAD"), False),
    ({"method": "POST"}, {}, True),
])
def test_request(args: dict[str, Any], table: dict[Any, Any], changed: bool) -> None:
    result = plan(http.request, url=URL, facts=table, **args)
    assert result.changed is changed
    if changed:
        script = result.shell[0]
        assert "curl -s" in script and "-- http://127.0.0.1:8080/health" in script
        assert "sleep 1" in script
    else:
        assert result.notes


def test_request_script() -> None:
    script = plan(http.request, url=URL, contains="it's ok", status=[200, 204], timeout=5,
                  interval=0.5, facts=answer(None, None, "it's ok")).shell[0]
    assert "for w in 200 204; do" in script
    assert "grep -qF -- 'it'\"'\"'s ok'" in script
    assert "sleep 0.5" in script and "+ 5 ))" in script


@pytest.mark.parametrize("args", [
    {"status": 42}, {"status": []}, {"timeout": 0}, {"interval": -1}, {"url": "ftp://x/"},
])
def test_bad_arguments(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(http.request, **{"url": URL, **args})
