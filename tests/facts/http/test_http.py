"""http.HttpStatus on output captured against a local http.server (capture_svc_net.py)."""

from __future__ import annotations

import pytest

from corral.facts import http
from corral.model.errors import FactParseError

from .._capture_load import fuzz, lines_of, load


def test_status() -> None:
    assert load("http_ok") == {"status": 200, "matches": True}
    assert load("http_nomatch") == {"status": 200, "matches": False}
    assert load("http_404") == {"status": 404, "matches": None}
    assert load("http_down") == {"status": None, "matches": None}
    assert "-I" in http.HttpStatus().command(url="http://127.0.0.1/", method="HEAD")
    with pytest.raises(FactParseError):
        http.HttpStatus().process(["<html>"])


def test_fuzz() -> None:
    fuzz(http.HttpStatus, lines_of("http_"))
