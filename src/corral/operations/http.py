"""Wait for HTTP servers on the host's side: until a URL answers as expected."""

from __future__ import annotations

import shlex
from typing import Any

from corral.facts.http import HttpStatus, curl_words, request_error
from corral.model.command import StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

_SAFE_METHODS = ("GET", "HEAD")


def _changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return []


@operation(changes=_changes)
def request(
    url: str,
    status: int | list[int] = 200,
    timeout: float = 60,
    interval: float = 1,
    method: str = "GET",
    contains: str | None = None,
    headers: dict[str, str] | None = None,
    insecure: bool = False,
) -> OpGenerator:
    """Wait until a URL answers, from the host, with an expected status (a corral operation).

    + url: the URL, as the host reaches it
    + status: the status code (or codes) that count as an answer
    + timeout: seconds to wait before failing
    + interval: seconds between tries
    + method: the HTTP method
    + contains: text the body must contain too
    + headers: request headers
    + insecure: accept any TLS certificate (``curl -k``)

    Uses ``curl`` on the host. A GET or HEAD request that already gets the answer changes
    nothing; other methods are sent at every run (they may have effects).

    Example:
        http.request(
            name="Wait for the app to be healthy",
            url="http://127.0.0.1:8080/health",
            contains="ok",
            timeout=120,
        )
    """
    method = method.upper()
    problem = request_error(method, headers)
    if problem:
        raise OperationValueError(problem)
    codes = [status] if isinstance(status, int) else list(status)
    if not codes or any(not 100 <= c <= 599 for c in codes):
        raise OperationValueError(f"status codes are 100 to 599, not {status!r}")
    if timeout <= 0 or interval <= 0:
        raise OperationValueError("timeout and interval are positive numbers of seconds")
    if not url.startswith(("http://", "https://")):
        raise OperationValueError(f"not an http(s) URL: {url!r}")
    if method in _SAFE_METHODS:
        now = host.get_fact(HttpStatus, url=url, method=method, contains=contains,
                            headers=headers, insecure=insecure)
        if now["status"] in codes and now["matches"] is not False:
            host.noop(f"{url} answers {now['status']}")
            return
    curl = " ".join(curl_words(url, method, headers, insecure, max_time=min(timeout, 30)))
    wanted = " ".join(str(c) for c in codes)
    body_check = (
        f'grep -qF -- {shlex.quote(contains)} "$t"' if contains is not None else "true"
    )
    yield StringCommand(f"""(
t=$(mktemp) || exit 1
end=$(( $(date +%s) + {int(timeout + 0.999)} ))
while :; do
  c=$({curl} || true)
  for w in {wanted}; do
    if [ "$c" = "$w" ] && {body_check}; then rm -f "$t"; exit 0; fi
  done
  if [ "$(date +%s)" -ge "$end" ]; then
    rm -f "$t"; echo "{_shell_safe(url)} did not answer as expected (last status: $c)" >&2
    exit 1
  fi
  sleep {interval:g}
done
)""")


def _shell_safe(text: str) -> str:
    """Text safe inside double quotes."""
    return "".join(c for c in text if c not in '"$`\\')
