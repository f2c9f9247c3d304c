"""The history store's fixtures: a real SQLite file, and a real PostgreSQL server (Debian's
``postgresql``, a throwaway cluster made by ``initdb`` and started by ``pg_ctl`` on a Unix
socket in a temporary directory, as an unprivileged user); ``store`` is each of them in
turn, so every store test runs against both."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

#: the user the cluster's files and server belong to (initdb refuses to run as root)
PG_USER = "nobody"
_databases = count(1)


def pg_bin() -> Path | None:
    """Debian's PostgreSQL programs (the newest installed version), None without them."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


def _as_user(*command: str | Path) -> list[str]:
    words = [str(c) for c in command]
    return ["runuser", "-u", PG_USER, "--", *words] if os.geteuid() == 0 else words


class PgServer:
    def __init__(self, socket_dir: Path) -> None:
        self.socket_dir = socket_dir

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@/{database}?host={self.socket_dir}"

    def create_database(self) -> str:
        import psycopg

        name = f"history_{os.getpid()}_{next(_databases)}"
        with psycopg.connect(host=str(self.socket_dir), user=PG_USER, dbname="postgres",
                             autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bin_dir = pg_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs are not installed (Debian package "
                    "postgresql; scripts/setup.sh installs it)")
    base = Path(tempfile.mkdtemp(prefix="corral-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, PG_USER)
    subprocess.run(_as_user(bin_dir / "initdb", "-D", data, "-A", "trust", "-U", PG_USER,
                            "--no-sync", "-E", "UTF8", "--locale", "C"),
                   check=True, capture_output=True, timeout=120)
    options = f"-k {base} -c listen_addresses='' -F -c fsync=off"
    subprocess.run(_as_user(bin_dir / "pg_ctl", "-D", data, "-o", options, "-l",
                            base / "server.log", "-w", "-t", "60", "start"),
                   check=True, capture_output=True, timeout=120)
    try:
        yield PgServer(base)
    finally:
        subprocess.run(_as_user(bin_dir / "pg_ctl", "-D", data, "-m", "immediate", "-w",
                                "stop"), capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty store: a SQLite file's path, or a new database's URL."""
    if request.param == "sqlite":
        return str(tmp_path / "project" / ".corral" / "history.db")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.url(server.create_database())


@pytest.fixture(autouse=True)
def _history_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite turns recording off (tests/conftest.py); these tests record."""
    monkeypatch.delenv("CORRAL_NO_HISTORY", raising=False)
    monkeypatch.delenv("CORRAL_HISTORY_URL", raising=False)
