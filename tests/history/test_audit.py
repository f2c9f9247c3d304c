"""The audit log: hash-chained records of runs and vault reads, on a real SQLite file and
a real PostgreSQL server; tampered with directly (sqlite3, psycopg), ``corral audit
verify`` names the first bad record; a store of the previous revision gains the log;
appends at once keep one chain."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from corral import api, history
from corral.history import audit
from corral.history.schema import HEAD
from corral.history.store import make_engine, migrate, revision, store_url

from .test_cli import corral, local_deploy


def _sql(target: str) -> Callable[[str], None]:
    """Run SQL on the store's database directly, outside corral: sqlite3 on the file, or
    psycopg on the server."""
    def run(statement: str) -> None:
        if "://" in target:
            import psycopg

            with psycopg.connect(target, autocommit=True) as conn:
                conn.execute(statement.encode())
        else:
            import sqlite3

            with sqlite3.connect(target) as conn:
                conn.execute(statement)
            conn.close()

    return run


def _three_runs(target: str, tmp_path: Path) -> None:
    deploy = local_deploy(tmp_path / "site", "echo one")
    for _ in range(3):
        assert api.run("@local", str(deploy), history=target).exit_code == 0


def _verify(target: str, *args: str) -> dict[str, Any]:
    store = history.open_store(target, writing=False)
    try:
        answer: dict[str, Any] = history.verify_audit(store, *args)
        return answer
    finally:
        store.close()


def test_runs_are_audited_and_the_chain_holds(store_target: str, tmp_path: Path) -> None:
    _three_runs(store_target, tmp_path)
    answer = _verify(store_target)
    assert answer["valid"] and answer["records"] == 6 and answer["bad"] is None
    store = history.open_store(store_target, writing=False)
    try:
        records = history.list_audit(store, limit=10)
    finally:
        store.close()
    assert [r["kind"] for r in records] == ["run.end", "run.start"] * 3
    assert [r["seq"] for r in records] == [6, 5, 4, 3, 2, 1]
    assert records[-1]["prev_hash"] == audit.GENESIS
    assert all(a["prev_hash"] == b["hash"] for a, b in pairwise(records))
    assert records[0]["detail"]["status"] == "ok" and records[0]["run_id"] == 3
    assert records[-1]["detail"]["files"][0]["role"] == "deploy"
    assert answer["head"] == records[0]["hash"]
    shown = corral("audit", "--history", store_target, "verify", cwd=tmp_path)
    assert shown.returncode == 0, shown
    assert f"6 records, head {answer['head']}" in shown.stdout
    listed = corral("audit", "--history", store_target, "list", "--json", cwd=tmp_path)
    assert [r["seq"] for r in json.loads(listed.stdout)] == [6, 5, 4, 3, 2, 1]


# each tampering, and the first record verify must name: (SQL, seq, words of the reason)
TAMPERING = {
    "edited": ("UPDATE audit_log SET detail = replace(detail, '\"ok\"', '\"failed\"') "
               "WHERE seq = 4", 4, "edited"),
    "edited and hashed again": None,  # built below: needs the record's own hash
    "removed": ("DELETE FROM audit_log WHERE seq = 3", 4, "record 3 is missing"),
    "reordered": ("UPDATE audit_log SET seq = -seq WHERE seq IN (2, 3); "
                  "UPDATE audit_log SET seq = 3 WHERE seq = -2; "
                  "UPDATE audit_log SET seq = 2 WHERE seq = -3", 2, "previous hash"),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_tampering_is_detected(store_target: str, tmp_path: Path, how: str) -> None:
    _three_runs(store_target, tmp_path)
    sql = _sql(store_target)
    if how == "edited and hashed again":
        # the record made consistent with itself: the next one's link breaks
        store = history.open_store(store_target, writing=False)
        with store.read() as conn:
            row = conn.execute(text("SELECT * FROM audit_log WHERE seq = 2")).one()
        store.close()
        detail = row.detail.replace('"ok"', '"failed"')
        forged = audit.record_hash(row.seq, row.at, row.kind, row.actor, row.controller,
                                   row.run_id, detail, row.prev_hash)
        statement = (f"UPDATE audit_log SET detail = '{detail}', hash = '{forged}' "
                     "WHERE seq = 2")
        expected_seq, words = 3, "previous hash"
    else:
        entry = TAMPERING[how]
        assert entry is not None
        statement, expected_seq, words = entry
    for part in statement.split("; "):
        sql(part)
    answer = _verify(store_target)
    assert not answer["valid"]
    assert answer["bad"]["seq"] == expected_seq and words in answer["bad"]["reason"]
    shown = corral("audit", "--history", store_target, "verify", cwd=tmp_path)
    assert shown.returncode == 1, shown
    assert f"error: audit record {expected_seq} (id " in shown.stderr
    assert words in shown.stderr


def test_removing_the_newest_records_is_detected_by_the_head(store_target: str,
                                                             tmp_path: Path) -> None:
    _three_runs(store_target, tmp_path)
    noted = _verify(store_target)["head"]
    assert _verify(store_target, noted)["valid"]
    _sql(store_target)("DELETE FROM audit_log WHERE seq >= 5")
    assert _verify(store_target)["valid"]  # a shorter chain holds by itself...
    answer = _verify(store_target, noted)  # ...not against the head noted before
    assert not answer["valid"] and "no record has the head hash" in answer["bad"]["reason"]
    shown = corral("audit", "--history", store_target, "verify", "--head", noted,
                   cwd=tmp_path)
    assert shown.returncode == 1 and "error: the audit log: no record" in shown.stderr


def test_a_store_of_the_previous_revision_gains_the_audit_log(store_target: str,
                                                              tmp_path: Path) -> None:
    url = store_url(store_target)
    engine = make_engine(url)
    migrate(engine, "0002")
    with engine.begin() as conn:
        assert revision(conn) == "0002"
        conn.execute(text(
            "INSERT INTO runs (kind, status, dry, started_at, os_user, inventory) "
            "VALUES ('run', 'ok', false, :t, 'old-user', 'old-inventory')"),
            {"t": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)})
        conn.execute(text("INSERT INTO run_hosts (run_id, host, status, changed, "
                          "operations) VALUES (1, 'web1', 'changed', 1, 1)"))
    engine.dispose()
    store = history.open_store(store_target)
    try:
        with store.read() as conn:
            assert revision(conn) == HEAD == "0004"
        assert history.verify_audit(store) == {"valid": True, "records": 0, "head": None,
                                               "bad": None}
    finally:
        store.close()
    _three_runs(store_target, tmp_path)
    answer = _verify(store_target)
    assert answer["valid"] and answer["records"] == 6
    store = history.open_store(store_target, writing=False)
    try:
        runs = history.list_runs(store)
        assert [r["id"] for r in runs] == [4, 3, 2, 1] and runs[-1]["user"] == "old-user"
        assert {r["run_id"] for r in history.list_audit(store)} == {2, 3, 4}
    finally:
        store.close()


def test_appends_at_once_keep_one_chain(store_target: str) -> None:
    """Two writers appending 60 records each at once, every append its own transaction:
    one chain of 120, no place taken twice."""
    history.open_store(store_target).close()  # created and migrated once, first
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        store = history.open_store(store_target)
        try:
            for i in range(60):
                with store.write() as conn:
                    audit.append(conn, audit.LOGIN, {"writer": name, "i": i}, actor=name)
        except BaseException as exc:
            errors.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    answer = _verify(store_target)
    assert answer["valid"] and answer["records"] == 120


def test_two_runs_at_once_keep_the_chain(store_target: str, tmp_path: Path) -> None:
    sites = []
    for name in ("a", "b"):
        local_deploy(tmp_path / name, *[f"echo {name}-{i}" for i in range(5)])
        sites.append(tmp_path / name)
    full = {k: v for k, v in os.environ.items() if k != "CORRAL_NO_HISTORY"}
    for _ in range(3):  # runs starting and ending together: their appends meet
        procs = [subprocess.Popen([sys.executable, "-m", "corral", "@local", "deploy.py",
                                   "-y", "--history", store_target], cwd=site, env=full,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for site in sites]
        outs = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outs
    answer = _verify(store_target)
    assert answer["valid"] and answer["records"] == 12


def test_vault_reads_are_audited_by_key_name(tmp_path: Path) -> None:
    from tests.vault._helpers import make_vault, with_passphrase

    site = tmp_path / "site"
    site.mkdir()
    make_vault(site, {"db_password": "canary-value-1", "unused": "canary-value-2"})
    (site / "deploy.py").write_text(
        "from corral import secrets\nfrom corral.operations import server\n"
        "server.shell(name='use', commands=['true'], "
        "_env={'P': secrets['db_password']})\n")
    ran = corral("@local", "deploy.py", "-y", cwd=site, **with_passphrase())
    assert ran.returncode == 0, ran
    listed = corral("audit", "list", "--json", cwd=site)
    records = json.loads(listed.stdout)
    assert [r["kind"] for r in records] == ["run.end", "vault.read", "run.start"]
    assert records[1]["detail"] == {"keys": ["db_password"]}
    database = site / ".corral" / "history.db"
    assert not any(b"canary-value" in p.read_bytes()
                   for p in database.parent.glob("history.db*"))
    assert corral("audit", "verify", cwd=site).returncode == 0
