"""A real ``corral serve``: a subprocess on a free loopback port over a real SQLite store,
its users and tokens made in that store, asked over HTTP (httpx)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from history.conftest import PgServer, pg_server  # noqa: F401 (the fixture, shared)

from corral import history
from corral.server import auth

ROLES = ("viewer", "operator", "approver", "admin")
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    url: str
    project: Path
    store_path: Path | str  # a SQLite file, or a PostgreSQL URL
    process: subprocess.Popen[str]
    #: a live token per role, and tokens that no longer work
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30,
                            follow_redirects=False)

    def as_role(self, role: str) -> httpx.Client:
        return self.client(self.tokens[role])


def write_project(directory: Path, inventory: str, deploy: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "inventory.py").write_text(inventory)
    (directory / "deploy.py").write_text(deploy)
    return directory


def start_server(project: Path, store_path: Path | str) -> Served:
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("CORRAL_NO_HISTORY", "CORRAL_HISTORY_URL")}
    process = subprocess.Popen(
        [sys.executable, "-m", "corral", "serve", str(project), "--port", str(port),
         "--history", str(store_path)], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"corral serve exited: {process.stdout.read()}")  # type: ignore[union-attr]
        try:
            httpx.get(url + "/login", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("corral serve did not answer in 30 s")
    return Served(url, project, store_path, process)


@pytest.fixture(scope="module")
def served_pg(tmp_path_factory: pytest.TempPathFactory,
              request: pytest.FixtureRequest) -> Iterator[Served]:
    """The same server over a PostgreSQL store (a throwaway cluster, tests/history)."""
    pg: PgServer = request.getfixturevalue("pg_server")
    base = tmp_path_factory.mktemp("served_pg")
    project = write_project(base / "project", LOCAL_INVENTORY,
                            local_deploy(base / "out" / "motd"))
    (base / "out").mkdir()
    server = start_server(project, pg.url(pg.create_database()))
    try:
        make_users(server)
        yield server
    finally:
        stop_server(server)


def stop_server(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()


def make_users(served: Served) -> None:
    """A user per role (named after it) with a live token, and the viewer's expired and
    revoked tokens."""
    store = history.open_store(served.store_path)
    try:
        for role in ROLES:
            user = auth.create_user(store, role, PASSWORD, role)
            served.tokens[role] = auth.create_token(store, user, "tests")[1]
        viewer = auth.token_user(store, served.tokens["viewer"])
        assert viewer is not None
        _expired, served.tokens["expired"] = auth.create_token(
            store, viewer, "expired", timedelta(seconds=-1))
        revoked_id, served.tokens["revoked"] = auth.create_token(store, viewer, "revoked")
        assert auth.revoke_token(store, viewer, revoked_id)
        served.tokens["forged"] = auth.TOKEN_PREFIX + "x" * 43
    finally:
        store.close()


#: an operation's name and output that would run script if a page did not escape them
HOSTILE = "<script>alert('name')</script><img src=x onerror=alert(1)>"
HOSTILE_SHELL = "\\<script\\>alert\\(2\\)\\</script\\>"
LOCAL_INVENTORY = 'here = ["@local"]\n'


def local_deploy(target: Path) -> str:
    return ("from corral.operations import files, server\n"
            f"files.put(name='the motd', src='deploy.py', dest={str(target)!r})\n"
            "server.shell(name='hello', commands=['echo hello from the server'])\n")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("served")
    project = write_project(base / "project", LOCAL_INVENTORY,
                            local_deploy(base / "out" / "motd"))
    (base / "out").mkdir()
    (project / "hostile.py").write_text(
        "from corral.operations import server\n"
        f"server.shell(name={HOSTILE!r}, commands=['echo {HOSTILE_SHELL}'])\n")
    (project / "slow.py").write_text(
        "from corral.operations import server\n"
        "server.shell(name='sleep', commands=['echo started', 'sleep 60'])\n")
    server = start_server(project, base / "history.db")
    try:
        make_users(server)
        yield server
    finally:
        stop_server(server)
