"""The ``corral`` command records its runs, and ``corral history`` reads them: real
subprocesses, real stores (SQLite and PostgreSQL), fleet hosts over SSH; a store that
cannot be written, two runs at once, a run killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corral import history
from corral.testing.fleet import Fleet
from corral.testing.pytest_fleet import fleet_fixture

trio = fleet_fixture(3, scope="module")

WARNING = "the run is not recorded in the history"


def corral(*args: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items()
            if k not in ("CORRAL_NO_HISTORY", "CORRAL_HISTORY_URL", "CORRAL_DEBUG")}
    full.update(NO_COLOR="1", **env)
    return subprocess.run([sys.executable, "-m", "corral", *map(str, args)], cwd=cwd,
                          env=full, capture_output=True, text=True, timeout=180,
                          stdin=subprocess.DEVNULL)


def local_deploy(site: Path, *commands: str, serial: bool = False) -> Path:
    """A deploy of shell commands on @local (``serial``: each in a wave of its own, so its
    record comes as soon as it has run)."""
    site.mkdir(parents=True, exist_ok=True)
    lines = ["from corral.operations import server"]
    lines += [f"server.shell(name={c!r}, commands=[{c!r}], _serial={serial})"
              for c in commands]
    (site / "deploy.py").write_text("\n".join(lines) + "\n")
    return site / "deploy.py"


@pytest.mark.integration
def test_fleet_runs_are_recorded_and_listed(trio: Fleet, tmp_path: Path) -> None:
    names = [h.name for h in trio.hosts]
    inventory = dict(trio.inventory())
    (tmp_path / "inventory.py").write_text(
        f"web = [{names[0]!r}, {names[1]!r}]\ndb = [{names[2]!r}]\n"
        f"_data = {inventory!r}\n"
        "web = [(n, _data[n]) for n in web]\ndb = [(n, _data[n]) for n in db]\n")
    (tmp_path / "deploy.py").write_text(
        "from corral.operations import files, server\n"
        "files.put(src='deploy.py', dest='/root/history-test.py')\n"
        "server.shell(name='hostname', commands=['echo on-$(hostname)'])\n")
    first = corral("inventory.py", "deploy.py", "-y", cwd=tmp_path)
    assert first.returncode == 0, first
    again = corral("inventory.py", "deploy.py", "--dry", "--limit", "db", cwd=tmp_path)
    assert again.returncode == 2, again  # the shell command is always pending
    assert (tmp_path / ".corral" / "history.db").is_file()

    listed = corral("history", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed
    runs = json.loads(listed.stdout)
    assert [(r["status"], r["dry"], r["hosts"]) for r in runs] == [
        ("pending", True, 1), ("ok", False, 3)]
    assert runs[1]["options"]["mode"] == "deploy" and runs[0]["options"]["limit"] == ["db"]
    assert {f["role"] for f in runs[1]["files"]} == {"inventory", "deploy"}
    db_only = json.loads(corral("history", "--group", "db", "--json", cwd=tmp_path).stdout)
    assert [r["id"] for r in db_only] == [r["id"] for r in runs]
    web = json.loads(corral("history", "--group", "web", "--json", cwd=tmp_path).stdout)
    assert [r["id"] for r in web] == [runs[1]["id"]]

    shown = corral("history", "show", str(runs[1]["id"]), "-v", cwd=tmp_path)
    assert shown.returncode == 0, shown
    for name in names:
        assert f"\n{name}: changed" in shown.stdout
    assert "[changed] files.put" in shown.stdout
    assert "+from corral.operations import files, server" in shown.stdout  # the diff
    assert "stdout: on-" in shown.stdout
    detail = json.loads(corral("history", "show", str(runs[1]["id"]), "--json",
                               cwd=tmp_path).stdout)
    hosts = {h["host"]: h for h in detail["hosts_detail"]}
    assert set(hosts) == set(names)
    assert "db" in hosts[names[2]]["groups"] and "web" not in hosts[names[2]]["groups"]
    assert [op["name"] for op in hosts[names[0]]["operations"]] == ["files.put", "hostname"]

    timeline = json.loads(corral("history", "host", names[2], "--json", cwd=tmp_path).stdout)
    assert [(r["id"], r["host_status"]) for r in timeline] == [
        (runs[0]["id"], "changed"), (runs[1]["id"], "changed")]
    text = corral("history", "host", names[0], cwd=tmp_path).stdout
    assert f"run {runs[1]['id']}" in text and f"run {runs[0]['id']}" not in text

    table = corral("history", cwd=tmp_path).stdout.splitlines()
    assert table[0].split()[:4] == ["RUN", "STARTED", "(UTC)", "KIND"]
    assert len(table) == 3


def test_history_reads_a_url(store_target: str, tmp_path: Path) -> None:
    local_deploy(tmp_path, "echo one")
    ran = corral("@local", "deploy.py", "-y", "--history", store_target, cwd=tmp_path)
    assert ran.returncode == 0 and WARNING not in ran.stderr, ran
    assert not (tmp_path / ".corral").exists()
    listed = corral("history", "--history", store_target, "--json", cwd=tmp_path)
    [run] = json.loads(listed.stdout)
    assert run["status"] == "ok" and run["inventory"] == "@local"
    # the environment names the store as well
    by_env = corral("history", "--json", cwd=tmp_path, CORRAL_HISTORY_URL=store_target)
    assert json.loads(by_env.stdout) == [run]


def test_no_history(tmp_path: Path) -> None:
    local_deploy(tmp_path, "echo one")
    assert corral("@local", "deploy.py", "-y", "--no-history", cwd=tmp_path).returncode == 0
    assert corral("@local", "deploy.py", "-y", cwd=tmp_path,
                  CORRAL_NO_HISTORY="1").returncode == 0
    assert not (tmp_path / ".corral").exists()
    nothing = corral("history", cwd=tmp_path)
    assert nothing.returncode == 1
    assert nothing.stderr.startswith("error: ") and "no history recorded here" in nothing.stderr
    assert len(nothing.stderr.splitlines()) == 1


def test_history_bad_input(tmp_path: Path) -> None:
    local_deploy(tmp_path, "echo one")
    assert corral("@local", "deploy.py", "-y", cwd=tmp_path).returncode == 0
    for args in (["--since", "yesterday"], ["show", "99"], ["show", "x"]):
        ran = corral("history", *args, cwd=tmp_path)
        assert ran.returncode == 4, (args, ran)
        assert len(ran.stderr.splitlines()) == 1 and ran.stderr.startswith("error: ")


def _unwritable(kind: str, tmp_path: Path) -> str:
    if kind == "under a file":
        (tmp_path / "plain").write_text("a file, not a directory\n")
        return str(tmp_path / "plain" / "history.db")
    if kind == "not a database":
        (tmp_path / "garbage.db").write_bytes(os.urandom(8192))
        return str(tmp_path / "garbage.db")
    # a PostgreSQL server that is not there
    return f"postgresql://nobody@/history?host={tmp_path}"


@pytest.mark.parametrize("kind", ["under a file", "not a database", "server down"])
def test_a_store_that_cannot_be_written_does_not_fail_the_run(kind: str,
                                                              tmp_path: Path) -> None:
    local_deploy(tmp_path / "site", "echo one", "exit 5")
    target = _unwritable(kind, tmp_path)
    plain = corral("@local", "deploy.py", "-y", "--no-history", cwd=tmp_path / "site")
    ran = corral("@local", "deploy.py", "-y", "--history", target, cwd=tmp_path / "site")
    assert plain.returncode == ran.returncode == 1  # the deploy's own failure, nothing more
    warnings = [line for line in ran.stderr.splitlines() if WARNING in line]
    assert len(warnings) == 1, ran
    assert ran.stderr.count("Traceback") == 0
    assert ran.stdout == plain.stdout.replace(
        *_durations(plain.stdout, ran.stdout))


def _durations(a: str, b: str) -> tuple[str, str]:
    """The run's duration line differs between two runs: the pair to replace."""
    import re

    found_a = re.findall(r"\d+\.\d+s", a)
    found_b = re.findall(r"\d+\.\d+s", b)
    if found_a and found_b:
        return found_a[-1], found_b[-1]
    return "", ""


def test_two_runs_at_once_both_land(store_target: str, tmp_path: Path) -> None:
    commands = [f"echo step-{i}; sleep 0.05" for i in range(20)]
    sites = []
    for name in ("a", "b"):  # one operation after another: many small writes from each
        local_deploy(tmp_path / name, *commands, serial=True)
        sites.append(tmp_path / name)
    full = {k: v for k, v in os.environ.items() if k != "CORRAL_NO_HISTORY"}
    procs = [subprocess.Popen([sys.executable, "-m", "corral", "@local", "deploy.py", "-y",
                               "--history", store_target], cwd=site, env=full,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for site in sites]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all(WARNING not in err for _, err in outs), outs
    store = history.open_store(store_target, writing=False)
    try:
        runs = history.list_runs(store)
        assert sorted(r["status"] for r in runs) == ["ok", "ok"]
        for run in runs:
            shown = history.show_run(store, run["id"])
            assert shown is not None
            [host] = shown["hosts_detail"]
            assert [op["name"] for op in host["operations"]] == commands
            assert [op["stdout"] for op in host["operations"]] == [
                f"step-{i}\n" for i in range(20)]
    finally:
        store.close()


def test_a_killed_run_shows_as_interrupted(tmp_path: Path) -> None:
    """SIGKILL of the command mid-run: the store stays consistent, the run's row says
    running until read, then interrupted (and the next run writes that down)."""
    # the sleep runs alone (_serial): the first operation's record comes before it
    (tmp_path / "deploy.py").write_text(
        "from corral.operations import server\n"
        "server.shell(name='echo before-the-kill', commands=['echo before-the-kill'])\n"
        "server.shell(name='sleep 60', commands=['sleep 60'], _serial=True)\n"
        "server.shell(name='echo never', commands=['echo never'])\n")
    full = {k: v for k, v in os.environ.items() if k != "CORRAL_NO_HISTORY"}
    proc = subprocess.Popen([sys.executable, "-m", "corral", "@local", "deploy.py", "-y"],
                            cwd=tmp_path, env=full, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    path = tmp_path / ".corral" / "history.db"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:  # until the first operation's row is written
            if path.exists():
                try:
                    with sqlite3.connect(path, timeout=5) as db:
                        if db.execute("SELECT count(*) FROM operations").fetchone()[0]:
                            break
                except sqlite3.OperationalError:  # the tables are not there yet
                    pass
            time.sleep(0.05)
        else:
            pytest.fail("the first operation was never recorded")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the command and the sleep it started
        proc.wait(timeout=30)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT status FROM runs").fetchall() == [("running",)]
    [run] = json.loads(corral("history", "--json", cwd=tmp_path).stdout)
    assert run["status"] == "interrupted" and run["exit_code"] is None
    shown = corral("history", "show", str(run["id"]), cwd=tmp_path)
    assert "@local: interrupted" in shown.stdout and "[changed] echo before-the-kill" in (
        shown.stdout), shown
    assert "echo never" not in shown.stdout
    assert corral("history", "--status", "interrupted", "--json",
                  cwd=tmp_path).stdout.count('"id"') == 1
    # the next run on this controller writes it down
    local_deploy(tmp_path, "echo after")
    assert corral("@local", "deploy.py", "-y", cwd=tmp_path).returncode == 0
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT status FROM runs ORDER BY id").fetchall() == [
            ("interrupted",), ("ok",)]
        # the audit log: the killed run's start, its end written by the next run, which
        # follows
        assert db.execute("SELECT kind, run_id, json_extract(detail, '$.status') "
                          "FROM audit_log ORDER BY seq").fetchall() == [
            ("run.start", 1, None), ("run.end", 1, "interrupted"), ("run.start", 2, None),
            ("run.end", 2, "ok")]
    assert corral("audit", "verify", cwd=tmp_path).returncode == 0


@pytest.mark.integration
def test_vault_reads_in_worker_processes_are_audited(trio: Fleet, tmp_path: Path) -> None:
    """A deploy split over worker processes reads the vault there: the controller's audit
    log names the keys read (once each), and never their values."""
    from tests.vault._helpers import make_vault, with_passphrase

    trio.write_inventory(tmp_path / "inventory.py")
    make_vault(tmp_path, {"db_password": "canary-value-1", "api_key": "canary-value-2",
                          "unused": "canary-value-3"})
    (tmp_path / "deploy.py").write_text(
        "from corral import host, secrets\nfrom corral.operations import server\n"
        "server.shell(name='use', commands=['true'], _env={'P': secrets['db_password']})\n"
        "if host.name.endswith('1'):\n"
        "    server.shell(name='other', commands=['true'], "
        "_env={'K': secrets['api_key']})\n")
    ran = corral("inventory.py", "deploy.py", "-y", "--workers", "2", cwd=tmp_path,
                 **with_passphrase())
    assert ran.returncode == 0, ran
    records = json.loads(corral("audit", "list", "--json", cwd=tmp_path).stdout)
    assert [r["kind"] for r in records] == ["run.end", "vault.read", "run.start"]
    assert records[1]["detail"] == {"keys": ["api_key", "db_password"]}
    assert not any(b"canary-value" in p.read_bytes()
                   for p in (tmp_path / ".corral").glob("history.db*"))


@pytest.mark.integration
def test_a_run_over_two_workers_is_recorded_once(trio: Fleet, tmp_path: Path) -> None:
    """Split over worker processes, the run is one run in the history, each operation of
    each host once (the records come from the workers as copies, not the same objects)."""
    trio.write_inventory(tmp_path / "inventory.py")
    (tmp_path / "deploy.py").write_text(
        "from corral.operations import server\n"
        "server.shell(name='one', commands=['echo one'])\n"
        "server.shell(name='two', commands=['echo two'])\n"
        "server.shell(name='never', commands=['true'], _if=lambda: False)\n")
    ran = corral("inventory.py", "deploy.py", "-y", "--workers", "2", cwd=tmp_path)
    assert ran.returncode == 0, ran
    [run] = json.loads(corral("history", "--json", cwd=tmp_path).stdout)
    assert run["options"]["workers"] == 2 and run["hosts"] == 3
    detail = json.loads(corral("history", "show", str(run["id"]), "--json",
                               cwd=tmp_path).stdout)
    assert sorted(h["host"] for h in detail["hosts_detail"]) == sorted(
        h.name for h in trio.hosts)
    for host in detail["hosts_detail"]:
        assert [op["name"] for op in host["operations"]] == ["one", "two", "never"], host
        assert host["operations"][0]["stdout"] == "one\n"
