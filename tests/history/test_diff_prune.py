"""``history diff RUN RUN`` and ``history prune --keep SPAN`` on a real SQLite file and a
real PostgreSQL server, through the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from corral import api, history
from corral.history.schema import operations, run_hosts, runs

from .test_cli import corral

DEPLOY = """\
from corral.operations import files, server
server.shell(name='say', commands=['echo {word}'])
files.put(name='conf', src='conf', dest='{dest}')
server.shell(name='maybe', commands=['exit {code}'])
{extra}
"""


def _deploy(site: Path, word: str, conf: str, code: int, extra: str = "") -> str:
    site.mkdir(parents=True, exist_ok=True)
    (site / "conf").write_text(conf)
    (site / "deploy.py").write_text(DEPLOY.format(word=word, dest=site / "out.conf",
                                                  code=code, extra=extra))
    return str(site / "deploy.py")


def test_history_diff(store_target: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = api.run("@local", _deploy(site, "one", "a = 1\n", 0), history=store_target)
    assert first.exit_code == 0
    second = api.run("@local", _deploy(site, "two", "a = 2\n", 3,
                                       "server.shell(name='extra', commands=['true'])"),
                     history=store_target)
    assert second.exit_code == 1
    store = history.open_store(store_target, writing=False)
    try:
        found = history.diff_runs(store, 1, 2)
        assert history.diff_runs(store, 1, 99) is None
        same = history.diff_runs(store, 1, 1)
    finally:
        store.close()
    assert found is not None and same is not None
    assert same["run"] == {} and same["files"] == {} and same["hosts"] == []
    assert found["run"]["status"] == ["ok", "failed"]
    assert list(found["files"]) == [str(site / "deploy.py")]
    [host] = found["hosts"]
    assert host["status"] == ["changed", "failed"]
    ops = {op["name"]: op for op in host["operations"]}
    assert set(ops) == {"say", "conf", "maybe", "extra"}
    assert ops["extra"]["only_in"] == "b" and ops["say"]["only_in"] is None
    assert ops["say"]["differences"]["commands"] == [["echo one"], ["echo two"]]
    assert "status" not in ops["say"]["differences"]
    conf = ops["conf"]["differences"]["diffs"]
    assert conf[0][0]["new"] == "a = 1\n" and conf[1][0]["old"] == "a = 1\n"
    assert conf[1][0]["new"] == "a = 2\n"
    assert ops["maybe"]["differences"]["exit_codes"] == [[0], [3]]
    assert ops["maybe"]["differences"]["status"][1] == "failed"

    shown = corral("history", "--history", store_target, "diff", "1", "2", cwd=tmp_path)
    assert shown.returncode == 0, shown
    assert "run 1 -> run 2\n  status: ok -> failed" in shown.stdout
    assert "  [say]\n      commands: 1 command(s) -> 1 command(s)" in shown.stdout
    assert '      exit_codes: [0] -> [3]' in shown.stdout
    as_json = corral("history", "--history", store_target, "diff", "1", "2", "--json",
                     cwd=tmp_path)
    assert json.loads(as_json.stdout) == json.loads(json.dumps(found))
    missing = corral("history", "--history", store_target, "diff", "1", "7", cwd=tmp_path)
    assert missing.returncode == 4 and "no run 1 or no run 7" in missing.stderr


def test_history_prune_keeps_the_audit_log(store_target: str, tmp_path: Path) -> None:
    site = tmp_path / "site"
    for _ in range(3):
        api.run("@local", _deploy(site, "one", "a\n", 0), history=store_target)
    store = history.open_store(store_target)
    try:
        with store.write() as conn:  # the first two runs, four months ago
            conn.execute(update(runs).where(runs.c.id <= 2).values(
                started_at=datetime.now(UTC) - timedelta(days=120)))
    finally:
        store.close()
    pruned = corral("history", "--history", store_target, "prune", "--keep", "90d",
                    cwd=tmp_path)
    assert pruned.returncode == 0, pruned
    assert "removed 2 run(s) started before" in pruned.stdout
    store = history.open_store(store_target, writing=False)
    try:
        assert [r["id"] for r in history.list_runs(store)] == [3]
        with store.read() as conn:
            left = {t.name: conn.execute(select(func.count()).select_from(t)
                                         .where(t.c.run_id <= 2)).scalar_one()
                    for t in (operations, run_hosts)}
        assert left == {"operations": 0, "run_hosts": 0}
        records = history.list_audit(store, limit=20)
        assert records[0]["kind"] == "history.prune"
        assert records[0]["detail"]["runs"] == 2
        assert (records[0]["detail"]["first_run"], records[0]["detail"]["last_run"]) == (1, 2)
        assert {r["run_id"] for r in records[1:]} == {1, 2, 3}  # never pruned
        assert history.verify_audit(store)["valid"]
    finally:
        store.close()
    again = corral("history", "--history", store_target, "prune", "--keep", "90d", "--json",
                   cwd=tmp_path)
    assert json.loads(again.stdout)["runs"] == 0
    bad = corral("history", "--history", store_target, "prune", "--keep", "soon",
                 cwd=tmp_path)
    assert bad.returncode == 4
