"""http.request on a real fleet host, against python's http.server on 127.0.0.1 ports
(the fleet shares the controller's network namespace)."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.operations import http, server
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "health").write_text("status: ok\n")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "-b", "127.0.0.1", "-d", str(tmp_path),
         str(port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    assert "Serving HTTP" in proc.stdout.readline()  # printed once it listens
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait()


def test_answering_url_changes_nothing(host_fleet: Fleet, web: str) -> None:
    def deploy() -> None:
        http.request(url=f"{web}/health", contains="ok")
        http.request(url=f"{web}/missing", status=404, method="HEAD")

    result = converge(host_fleet, deploy)
    assert result.changed == 0


def test_waits_for_a_server_that_starts_later(host_fleet: Fleet) -> None:
    port = free_port()
    sh(host_fleet, "mkdir -p /srv/www && echo ready > /srv/www/index.html")

    def deploy() -> None:
        # the server starts 2s after this operation, on the host
        server.shell(commands=[
            f"setsid sh -c 'sleep 2; exec python3 -m http.server -b 127.0.0.1 -d /srv/www "
            f"{port}' </dev/null >/dev/null 2>&1 &"])
        http.request(url=f"http://127.0.0.1:{port}/", contains="ready", timeout=30,
                     interval=0.2)

    try:
        result = run(host_fleet, deploy)
        assert not result.failed
        assert result.changed == 2  # the shell and the wait
        again = converge(host_fleet, lambda: http.request(url=f"http://127.0.0.1:{port}/",
                                                          contains="ready"))
        assert again.changed == 0
    finally:
        sh(host_fleet, f"pkill -f 'http.server -b 127.0.0.1 -d /srv/www {port}'", check=False)


def test_fails_after_timeout(host_fleet: Fleet, web: str) -> None:
    result = run(host_fleet, lambda: http.request(url=f"{web}/health", contains="absent",
                                                  timeout=1, interval=0.2))
    assert result.failed
    closed = run(host_fleet, lambda: http.request(url=f"http://127.0.0.1:{free_port()}/",
                                                  timeout=1, interval=0.2))
    assert closed.failed
