"""A run split over worker processes (``--workers N``, ``api.arun(workers=N)``) on fleet
hosts: the same results, events and exit code as one process; the start gate, run-once,
serial operations and --fail-percent over every shard; bad input on one shard stops all
untouched; a worker killed mid-run reports its hosts failed and the run goes on; an
interrupted run ends every shard's commands."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from corral import api
from corral.model.events import HostDone, OperationDone, RunDone, RunStarted
from corral.model.results import HostStatus, OpStatus
from corral.testing.fleet import Fleet
from corral.testing.pytest_fleet import fleet_fixture

fleet6 = fleet_fixture(6, scope="module")

CORRAL = str(Path(sys.executable).parent / "corral")

# several waves, a run-once operation, a serial one (each prints when it started and
# ended, on the fleet's one clock), a host that fails; it starts from the same state
# every time (its directory removed first)
DEPLOY = """
from corral import host
from corral.operations import files, server

files.directory(name="clean", path="/tmp/wk", present=False)
files.directory(name="dir", path="/tmp/wk")
files.file(name="file", path="/tmp/wk/a")
if host.name != "fleet-003":  # the failing host is never the one running it
    server.shell(name="once", commands=["echo once"], _run_once=True)
server.shell(name="serial", _serial=True,
             commands=["date +%s.%N; sleep 0.2; date +%s.%N"])
if host.name == "fleet-003":
    server.shell(name="fails", commands=["exit 3"])
files.line(name="line", path="/tmp/wk/a", line="x=1", _if=lambda: True)
"""


def _write(tmp_path: Path, text: str, name: str = "deploy.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def _cli(fleet: Fleet, deploy: Path, *flags: str,
         inventory: Path | None = None) -> tuple[int, list[dict[str, Any]]]:
    proc = subprocess.run([CORRAL, str(inventory or fleet.inventory_path), str(deploy), "-y",
                           "--json", *flags], cwd=deploy.parent, capture_output=True,
                          text=True, timeout=120)
    return proc.returncode, [json.loads(line) for line in proc.stdout.splitlines()]


def _once_ran_on(records: list[dict[str, Any]]) -> str:
    ran = [r["host"] for r in records if r["name"] == "once" and r["status"] == "changed"]
    assert len(ran) == 1, ran  # exactly one host of the whole run ran it
    return ran[0]


def _normal(record: dict[str, Any], once_host: str) -> dict[str, Any]:
    """An operation's record without its timings and serial output; which host claims
    the run-once operation first is a race (in one process too): that host is ONCE, the
    others but the failing one (which never asks to run it) OTHER."""
    r = {k: v for k, v in record.items() if k not in ("duration", "outputs")}
    if r["host"] == once_host:
        r["host"] = "ONCE"
    elif r["host"] != "fleet-003":
        r["host"] = "OTHER"
    r["notes"] = [n.replace(once_host, "ONCE") for n in r["notes"]]
    return r


def _serial_spans(records: list[dict[str, Any]]) -> list[tuple[float, float]]:
    spans = []
    for r in records:
        if r["name"] == "serial":
            begin, end = r["outputs"][0]["stdout"].split()
            spans.append((float(begin), float(end)))
    return sorted(spans)


def test_two_workers_give_the_results_of_one_process(fleet6: Fleet, tmp_path: Path) -> None:
    deploy = _write(tmp_path, DEPLOY)
    _cli(fleet6, deploy, "--workers", "1")  # each run below starts from the state it left
    assert_same_runs(_cli(fleet6, deploy, "--workers", "1"),
                     _cli(fleet6, deploy, "--workers", "2"))


def assert_same_runs(single: tuple[int, list[dict[str, Any]]],
                     split: tuple[int, list[dict[str, Any]]]) -> None:
    """``split`` (a run of DEPLOY split over shards) has the exit code, records and
    events of ``single`` (one process), and its serial operation ran one host at a time."""
    runs = {1: single, 2: split}
    (code1, events1), (code2, events2) = runs[1], runs[2]
    assert code1 == code2 == api.EXIT_FAILED  # fleet-003 failed
    ops = {n: [e["result"] for e in events if e["event"] == "operation"]
           for n, (_, events) in runs.items()}
    once = {n: _once_ran_on(ops[n]) for n in ops}
    assert Counter(json.dumps(_normal(r, once[1]), sort_keys=True) for r in ops[1]) \
        == Counter(json.dumps(_normal(r, once[2]), sort_keys=True) for r in ops[2])
    # every record of the stream but timings: the same, each once
    for kind in ("run_started", "host_done", "run_done", "host_connected"):
        def kept(events: list[dict[str, Any]], once: str, kind: str = kind) -> Counter[str]:
            out = []
            for e in events:
                if e["event"] == kind:
                    e = json.loads(json.dumps(e))
                    result = e.get("result", {})
                    for part in (e, result):
                        part.pop("duration", None)
                    if result.get("host") == once:  # its run-once operation's script
                        result["invocations"] -= 1
                    out.append(json.dumps(e, sort_keys=True))
            return Counter(out)
        assert kept(events1, once[1]) == kept(events2, once[2]), kind
    assert [e["event"] for e in events2].count("run_started") == 1
    assert events2[0]["event"] == "run_started" and events2[-1]["event"] == "run_done"
    done = {e["result"]["host"]: e["result"] for e in events2 if e["event"] == "host_done"}
    assert done["fleet-003"]["status"] == "failed"
    assert {h for h, r in done.items() if r["status"] == "changed"} \
        == {f"fleet-00{i}" for i in (1, 2, 4, 5, 6)}
    # serial: one host at a time over both workers (their spans do not overlap)
    spans = _serial_spans(ops[2])
    assert len(spans) == 6
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), spans


def test_api_results_are_those_of_one_process(fleet6: Fleet, tmp_path: Path) -> None:
    deploy = _write(tmp_path, DEPLOY)
    api.run(str(fleet6.inventory_path), str(deploy))  # the state each run below starts from
    results, events = {}, {}
    for n in (1, 2):
        seen: list[Any] = []
        results[n] = api.run(str(fleet6.inventory_path), str(deploy), workers=n,
                             on_event=seen.append)
        events[n] = seen
    for n in (1, 2):
        assert [h.host for h in results[n].hosts] == [h.name for h in fleet6.hosts]
        assert isinstance(events[n][0], RunStarted) and isinstance(events[n][-1], RunDone)
        assert events[n][-1].result is not None
        assert sum(isinstance(e, HostDone) for e in events[n]) == 6

    def shape(result: api.RunResult) -> list[Any]:
        once = next(o.host for h in result.hosts for o in h.operations
                    if o.name == "once" and o.status is OpStatus.CHANGED)
        return [(h.host, h.status, h.changed - (h.host == once), h.error,
                 [(o.name, o.status, o.commands, o.changed) for o in h.operations
                  if o.name != "once"])
                for h in result.hosts]

    assert shape(results[1]) == shape(results[2])
    assert results[1].exit_code == results[2].exit_code == api.EXIT_FAILED


def test_bad_input_on_one_worker_stops_every_worker_untouched(fleet6: Fleet,
                                                              tmp_path: Path) -> None:
    marker = f"/tmp/wk-bad-{os.getpid()}"
    deploy = _write(tmp_path, f"""
        from corral import host
        from corral.operations import files, server

        files.file(name="marker", path="{marker}")
        server.shell(name="later", commands=["true"], _if=lambda: True)
        if host.name == "fleet-006":
            files.file(path=["not", "a", "path"])
    """)
    with pytest.raises(api.BadInput) as caught:
        api.run(str(fleet6.inventory_path), str(deploy), workers=2)
    assert caught.value.host == "fleet-006"
    assert caught.value.file == str(deploy) and caught.value.line == 8
    _, values = asyncio.run(api.afacts(str(fleet6.inventory_path), "files.File",
                                       path=marker))
    assert values == {h.name: None for h in fleet6.hosts}  # no host changed anything
    # the command line: one line, exit 4
    code, events = _cli(fleet6, deploy, "--workers", "2")
    assert code == api.EXIT_BAD_INPUT
    assert events[-1]["event"] == "error" and "fleet-006" in events[-1]["message"]


def test_a_killed_worker_reports_its_hosts_failed(fleet6: Fleet, tmp_path: Path) -> None:
    pidfile = tmp_path / "worker.pid"
    deploy = _write(tmp_path, f"""
        import os
        from corral import host
        from corral.operations import server

        server.shell(name="quick", commands=["true"])
        if host.name == "fleet-002":  # the second worker's (hosts dealt in turn)
            open({str(pidfile)!r}, "w").write(str(os.getpid()))
        server.shell(name="slow", commands=["sleep 4"], _if=lambda: True)
    """)
    seen: list[Any] = []

    async def scenario() -> api.RunResult:
        task = asyncio.ensure_future(api.arun(str(fleet6.inventory_path), str(deploy),
                                              workers=2, on_event=seen.append))
        lost = {"fleet-002", "fleet-004", "fleet-006"}

        def quick_done() -> set[str]:
            return {e.result.host for e in seen
                    if isinstance(e, OperationDone) and e.result.name == "quick"}

        # its hosts are past "quick" (known to the controller) and into "slow"
        while not pidfile.exists() or not pidfile.read_text() or not lost <= quick_done():
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        os.kill(int(pidfile.read_text()), signal.SIGKILL)
        return await task

    began = time.monotonic()
    result = asyncio.run(scenario())
    assert time.monotonic() - began < 30
    lost = {"fleet-002", "fleet-004", "fleet-006"}
    for h in result.hosts:
        if h.host in lost:
            assert h.status is HostStatus.FAILED, h
            assert h.error is not None and "worker lost" in h.error and "signal 9" in h.error
            # what it was known to have done is kept
            assert [o.name for o in h.operations][:1] == ["quick"]
        else:
            assert h.status is HostStatus.CHANGED, h
    assert result.exit_code == api.EXIT_FAILED
    assert {e.result.host for e in seen if isinstance(e, HostDone)} \
        == {h.name for h in fleet6.hosts}


def test_an_interrupted_run_ends_every_workers_commands(fleet6: Fleet,
                                                        tmp_path: Path) -> None:
    started, after = f"/tmp/wk-started-{os.getpid()}", f"/tmp/wk-after-{os.getpid()}"
    deploy = _write(tmp_path, f"""
        from corral.operations import server

        server.shell(name="slow", commands=["touch {started}; sleep 3; touch {after}"])
    """)
    seen: list[Any] = []

    async def scenario() -> api.RunResult:
        task = asyncio.ensure_future(api.arun(str(fleet6.inventory_path), str(deploy),
                                              workers=2, on_event=seen.append))
        while sum(isinstance(e, OperationDone) for e in seen) == 0 and \
                sum(e.kind == "host_connected" for e in seen) < 6:
            await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)  # the scripts are running
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            return await task
        raise AssertionError("the run did not report")

    result = asyncio.run(scenario())
    assert result.interrupted and result.exit_code == api.EXIT_INTERRUPTED
    assert {h.status for h in result.hosts} == {HostStatus.INTERRUPTED}
    assert {o.status for h in result.hosts for o in h.operations} == {OpStatus.MAY_HAVE_RUN}
    time.sleep(3)  # had the commands gone on, they would have touched "after" by now
    _, values = asyncio.run(api.afacts(str(fleet6.inventory_path), "files.File", path=after))
    assert values == {h.name: None for h in fleet6.hosts}


def test_fail_percent_counts_every_workers_hosts(fleet6: Fleet, tmp_path: Path) -> None:
    deploy = _write(tmp_path, """
        from corral import host
        from corral.operations import server

        if host.name == "fleet-001":
            server.shell(name="first", commands=["exit 1"])
        else:
            server.shell(name="first", commands=["sleep 1.5"])
        server.shell(name="second", commands=["true"], _if=lambda: True)
    """)
    for n in (1, 2):
        result = api.run(str(fleet6.inventory_path), str(deploy), workers=n, fail_percent=0)
        second = {h.host: next(o for o in h.operations if o.name == "second").status
                  for h in result.hosts if h.host != "fleet-001"}
        # fleet-001's failure stopped the hosts of both workers before their second wave
        assert set(second.values()) == {OpStatus.SKIPPED}, (n, second)
        assert result.host("fleet-001").status is HostStatus.FAILED


def test_workers_refuse_deploy_functions_clearly(fleet6: Fleet, tmp_path: Path) -> None:
    with pytest.raises(api.BadInput, match="--workers 2: deploy functions given as Python "
                       "callables run in this process only"):
        api.run(str(fleet6.inventory_path), lambda: None, workers=2)
    proc = subprocess.run([CORRAL, str(fleet6.inventory_path), "exec", "--workers", "2",
                           "-y", "--", "true"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == api.EXIT_BAD_INPUT
    assert proc.stderr.strip().splitlines()[-1].startswith("error: command line: --workers 2")


def test_workers_open_the_vault_given_with_vault_file(fleet6: Fleet, tmp_path: Path) -> None:
    """``--vault FILE`` names the vault for the worker processes too (they would open
    ./secrets.vault, absent here); its passphrase reaches them from the environment."""
    keys = tmp_path / "keys"
    keys.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CORRAL_VAULT_")}
    env["CORRAL_VAULT_PASSPHRASE"] = "a passphrase"
    for args, stdin in ((["init", "--work-factor", "14"], None), (["set", "tok"], "tok-4711")):
        subprocess.run([sys.executable, "-m", "corral", "vault", *args], cwd=keys, env=env,
                       input=stdin, text=True, capture_output=True, check=True, timeout=60)
    deploy = _write(tmp_path, """
        from corral import secrets
        from corral.operations import server
        server.shell(name="secret", commands=['printf %s "$TK" > /tmp/wk-secret'],
                     _env={"TK": secrets["tok"]})
        """)
    proc = subprocess.run([CORRAL, str(fleet6.inventory_path), str(deploy), "-y", "--json",
                           "--workers", "2", "--vault", "keys/secrets.vault"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env=env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr
    _, values = asyncio.run(api.afacts(str(fleet6.inventory_path), "server.Command",
                                       "cat /tmp/wk-secret"))
    assert values == {h.name: "tok-4711" for h in fleet6.hosts}
