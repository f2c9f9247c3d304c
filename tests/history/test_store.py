"""The store on a real SQLite file and a real PostgreSQL server: runs recorded through
corral.api on @local, read back by the queries; migrations from the first schema."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from corral import api, history
from corral.history.rows import OUTPUT_LIMIT
from corral.history.schema import HEAD, runs
from corral.history.store import make_engine, migrate, revision, store_url

DEPLOY = """\
from corral.operations import files, server
server.shell(name='say', commands=['echo out-text; echo err-text >&2'])
files.put(src='deploy.py', dest='{dest}')
server.shell(name='fails', commands=['exit 7'])
"""


def write_deploy(site: Path) -> Path:
    site.mkdir(parents=True, exist_ok=True)
    (site / "deploy.py").write_text(DEPLOY.format(dest=site / "copy.txt"))
    return site / "deploy.py"


def test_alembic_head_is_the_schema_head() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location",
                           str(Path(history.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD


def test_a_run_is_recorded_and_read_back(store_target: str, tmp_path: Path) -> None:
    deploy = write_deploy(tmp_path / "site")
    result = api.run("@local", str(deploy), history=store_target, history_user="alice")
    assert result.exit_code == 1  # the last operation fails on purpose
    store = history.open_store(store_target, writing=False)
    try:
        [run] = history.list_runs(store)
        assert run["status"] == "failed" and run["exit_code"] == 1
        assert run["user"] == "alice" and run["os_user"]
        assert run["inventory"] == "@local" and run["kind"] == "run" and not run["dry"]
        [entry] = run["files"]
        assert entry["role"] == "deploy" and len(entry["sha256"]) == 64
        assert run["hosts"] == 1 and run["hosts_failed"] == 1
        assert datetime.fromisoformat(run["started_at"]) > datetime.now(UTC) - timedelta(
            minutes=5)
        shown = history.show_run(store, run["id"])
        assert shown is not None
        [host] = shown["hosts_detail"]
        assert host["host"] == "@local" and host["status"] == "failed"
        names = [op["name"] for op in host["operations"]]
        assert names == ["say", "files.put", "fails"]
        say, put, fails = host["operations"]
        assert say["stdout"] == "out-text\n" and say["stderr"] == "err-text\n"
        assert say["exit_codes"] == [0] and say["status"] == "changed"
        assert put["diffs"][0]["path"] == str(tmp_path / "site" / "copy.txt")
        assert "server.shell" in put["diffs"][0]["new"]
        assert fails["status"] == "failed" and fails["exit_codes"] == [7]
        timeline = history.host_timeline(store, "@local")
        assert [r["id"] for r in timeline] == [run["id"]]
        assert [c["name"] for c in timeline[0]["changes"]] == ["say", "files.put", "fails"]
    finally:
        store.close()


def test_filters(store_target: str, tmp_path: Path) -> None:
    deploy = write_deploy(tmp_path / "site")
    other = tmp_path / "other.py"
    other.write_text("from corral.operations import server\n"
                     "server.shell(commands=['true'])\n")
    api.run("@local", str(deploy), history=store_target)
    api.run("@local", str(other), history=store_target, dry=True)
    api.run("@local", str(other), history=store_target)
    store = history.open_store(store_target, writing=False)
    try:
        def ids(**given: object) -> list[int]:
            return [r["id"] for r in history.list_runs(store, history.RunFilter(**given))]

        first, second, third = sorted(ids())
        assert ids(status="failed") == [first]
        assert ids(status="pending") == [second]
        assert ids(status="ok") == [third]
        assert ids(deploy="other.py") == [third, second]
        assert ids(deploy=str(deploy)) == [first]
        assert ids(host="@local") == [third, second, first]
        assert ids(host="elsewhere") == []
        assert ids(group="@local") == [third, second, first]
        assert ids(group="web") == []
        assert ids(since=datetime.now(UTC) + timedelta(minutes=1)) == []
        assert ids(since=history.parse_since("1h")) == [third, second, first]
        assert ids(limit=1) == [third]
    finally:
        store.close()


def test_output_is_bounded(store_target: str, tmp_path: Path) -> None:
    deploy = tmp_path / "big.py"
    deploy.write_text("from corral.operations import server\n"
                      "server.shell(commands=['head -c 100000 /dev/zero | tr \"\\\\0\" x; "
                      "echo; echo last-line'])\n")
    assert api.run("@local", str(deploy), history=store_target).exit_code == 0
    store = history.open_store(store_target, writing=False)
    try:
        [run] = history.list_runs(store)
        shown = history.show_run(store, run["id"])
        assert shown is not None
        [op] = shown["hosts_detail"][0]["operations"]
        assert op["truncated"] is True
        assert len(op["stdout"]) < OUTPUT_LIMIT + 100
        assert op["stdout"].startswith("xxxx") and op["stdout"].endswith("last-line\n")
        assert "characters not kept" in op["stdout"]
    finally:
        store.close()


def test_bad_input_is_recorded(store_target: str, tmp_path: Path) -> None:
    deploy = tmp_path / "bad.py"
    deploy.write_text("from corral.operations import server\nserver.shell(commands=[3])\n")
    with pytest.raises(api.BadInput):
        api.run("@local", str(deploy), history=store_target)
    store = history.open_store(store_target, writing=False)
    try:
        [run] = history.list_runs(store)
        assert run["status"] == "bad input" and run["exit_code"] == api.EXIT_BAD_INPUT
        assert run["error"]
    finally:
        store.close()


def test_history_false_records_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       ) -> None:
    monkeypatch.chdir(tmp_path)
    write_deploy(tmp_path)
    api.run("@local", "deploy.py", history=False)
    assert not (tmp_path / ".corral").exists()
    monkeypatch.setenv("CORRAL_NO_HISTORY", "1")
    api.run("@local", "deploy.py")
    assert not (tmp_path / ".corral").exists()
    monkeypatch.delenv("CORRAL_NO_HISTORY")
    api.run("@local", "deploy.py")  # on by default, in the working directory
    assert (tmp_path / ".corral" / "history.db").is_file()


def test_the_default_store_is_beside_the_inventory(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    site = tmp_path / "site"
    write_deploy(site)
    (site / "inventory.py").write_text("hosts = ['@local']\n")
    monkeypatch.chdir(tmp_path)
    api.run("site/inventory.py", "site/deploy.py")
    path = site / ".corral" / "history.db"
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        files = db.execute("SELECT files FROM runs").fetchone()[0]
    assert '"role": "inventory"' in files and '"role": "deploy"' in files
    assert not (tmp_path / ".corral").exists()


def test_an_older_store_is_migrated(store_target: str) -> None:
    """A store made by the first schema (revision 0001), with a run in it, is opened by
    the current code: migrated to the head, the run still there."""
    url = store_url(store_target)
    engine = make_engine(url)
    migrate(engine, "0001")
    with engine.begin() as conn:
        assert revision(conn) == "0001"
        conn.execute(text(
            "INSERT INTO runs (kind, status, dry, started_at, os_user, inventory) "
            "VALUES ('run', 'ok', false, :t, 'old-user', 'old-inventory')"),
            {"t": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)})
        conn.execute(text(
            "INSERT INTO run_hosts (run_id, host, status, changed, operations) "
            "VALUES (1, 'web1', 'changed', 1, 1)"))
    engine.dispose()
    store = history.open_store(store_target)
    try:
        with store.read() as conn:
            assert revision(conn) == HEAD
            row = conn.execute(select(runs)).one()
        assert row.os_user == "old-user" and row.corral_version is None
        [run] = history.list_runs(store, history.RunFilter(host="web1"))
        assert run["started_at"] == "2025-01-02T03:04:05+00:00"
        # the store takes new runs after it
        with store.write() as conn:
            conn.execute(insert(runs).values(kind="run", status="ok", dry=False,
                                             started_at=datetime.now(UTC),
                                             corral_version="x"))
        assert len(history.list_runs(store)) == 2
    finally:
        store.close()


def test_reading_where_nothing_was_recorded(tmp_path: Path) -> None:
    with pytest.raises(history.HistoryError, match="no history recorded here"):
        history.open_store(tmp_path / "none.db", writing=False)
    assert not (tmp_path / "none.db").exists()


def test_sqlalchemy_is_loaded_off_the_run_s_path() -> None:
    """Importing corral.api (and so starting a run) loads no SQLAlchemy: the recorder's
    thread does, while the run starts."""
    import subprocess
    import sys

    code = ("import sys, corral.api, corral.cli.main; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('sqlalchemy', 'alembic')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
