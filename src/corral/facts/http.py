"""Facts about HTTP servers as seen from the host (with ``curl``)."""

from __future__ import annotations

import re
import shlex
from typing import TypedDict

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

from .systemd import SERVICES_KEY

_RESULT_RE = re.compile(r"^status=(\d{3}) match=(yes|no|-)$")


class HttpAnswer(TypedDict):
    """What HttpStatus returns."""

    status: int | None
    matches: bool | None


#: an HTTP token (RFC 9110): what a method or a header's name is made of
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def request_error(method: str | None, headers: dict[str, str] | None) -> str | None:
    """What is wrong with a request's method or headers, or None: a method or header name
    that is not a token, a header value with a line break (curl would send it as more
    header lines: another header, or another request)."""
    if method is not None and not _TOKEN.fullmatch(method):
        return f"bad HTTP method {method!r}"
    for name, value in (headers or {}).items():
        if not _TOKEN.fullmatch(str(name)):
            return f"bad HTTP header name {name!r}"
        if any(c in str(value) for c in "\r\n\0"):
            return f"bad value of HTTP header {name!r}: a line break"
    return None


def curl_words(url: str, method: str = "GET", headers: dict[str, str] | None = None,
               insecure: bool = False, max_time: float = 10) -> list[str]:
    """``curl`` (quiet, following no redirects) for one request, words already quoted;
    the body goes to the file named by ``$t`` and the status code to stdout."""
    verb = ["-I"] if method == "HEAD" else ["-X", shlex.quote(method)]
    words = ["curl", "-s", *verb, "--max-time", f"{max_time:g}"]
    if insecure:
        words.append("-k")
    for name, value in (headers or {}).items():
        words += ["-H", shlex.quote(f"{name}: {value}")]
    return [*words, "-o", '"$t"', "-w", "'%{http_code}'", "--", shlex.quote(url)]


class HttpStatus(FactBase[HttpAnswer]):
    """The status code a URL answers with from the host, and whether the body contains
    ``contains`` (None when not asked): ``{"status": 200, "matches": True}``.

    ``status`` is None when nothing answers. Only for requests without side effects (GET,
    HEAD). A corral fact: pyinfra has no http module.
    """

    requires_command = "curl"

    @staticmethod
    def default() -> HttpAnswer:
        return {"status": None, "matches": None}

    def command(self, url: str, method: str = "GET", contains: str | None = None,
                headers: dict[str, str] | None = None, insecure: bool = False) -> str:
        curl = " ".join(curl_words(url, method, headers, insecure))
        check = (
            f'if grep -qF -- {shlex.quote(contains)} "$t"; then m=yes; else m=no; fi'
            if contains is not None else "m=-"
        )
        return (
            "t=$(mktemp) && "
            f'c=$({curl} || true); '
            f'{check}; rm -f "$t"; echo "status=${{c:-000}} match=$m"'
        )

    def process(self, output: list[str]) -> HttpAnswer:
        lines = [line.strip() for line in output if line.strip()]
        match = _RESULT_RE.match(lines[-1]) if lines else None
        if match is None:
            raise FactParseError(f"unexpected http check output: {lines!r}")
        code = int(match.group(1))
        matched = {"yes": True, "no": False, "-": None}[match.group(2)]
        return {"status": code or None, "matches": matched if code else None}

    def reads(self, url: str, method: str = "GET", contains: str | None = None,
              headers: dict[str, str] | None = None, insecure: bool = False) -> frozenset[Key]:
        return frozenset({SERVICES_KEY, ("http", url)})
