"""The ``corral`` command against ``@local``: every deploy here touches only tmp_path.

Each test runs the real command in a subprocess (``python -m corral``), with no terminal
unless it says otherwise.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ._helpers import SGR, argv, corral, corral_tty, env, write

DEPLOY = """\
from corral.operations import files
files.line(name="marker", path={marker!r}, line="marker")
files.put(name="content", src="src.txt", dest={dest!r})
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A deploy (deploy.py) that adds a line to ``marker`` and uploads ``src.txt`` over
    ``dest.txt``, whose content differs."""
    write(tmp_path / "src.txt", "alpha\nnew beta\ngamma\n")
    write(tmp_path / "dest.txt", "alpha\nold beta\ngamma\n")
    write(tmp_path / "deploy.py", DEPLOY.format(marker=str(tmp_path / "marker"),
                                                dest=str(tmp_path / "dest.txt")))
    return tmp_path


def untouched(site: Path) -> bool:
    return (not (site / "marker").exists()
            and (site / "dest.txt").read_text() == "alpha\nold beta\ngamma\n")


def applied(site: Path) -> bool:
    return ((site / "marker").read_text() == "marker\n"
            and (site / "dest.txt").read_text() == "alpha\nnew beta\ngamma\n")


# -- exit 0 and the summary -------------------------------------------------------------


def test_yes_applies_then_a_second_run_has_nothing_to_do(site: Path) -> None:
    ran = corral("@local", "deploy.py", "-y", cwd=site)
    assert ran.code == 0, ran
    assert applied(site)
    assert "@local: marker: changed" in ran.out and "@local: content: changed" in ran.out
    # the closing summary: the host's status and number of changes
    row = next(line for line in ran.out.splitlines() if line.startswith("@local "))
    assert "changed" in row and " 2 " in row
    assert ran.err == ""

    again = corral("@local", "deploy.py", "-y", cwd=site)
    assert again.code == 0, again
    row = next(line for line in again.out.splitlines() if line.startswith("@local "))
    assert " ok " in row and " 0 " in row
    assert ": changed" not in again.out


def test_python_dash_m_corral_and_the_console_script(site: Path) -> None:
    script = Path(argv()[0]).parent / "corral"
    for command in ([*argv(), "--version"], [str(script), "--version"]):
        if not Path(command[0]).exists():
            continue
        proc = subprocess.run(command, capture_output=True, text=True, env=env(), timeout=30)
        assert proc.returncode == 0 and "corral" in proc.stdout, proc


# -- exit 1 ---------------------------------------------------------------------------------


def test_a_failed_operation_is_exit_1_and_stops_that_host(tmp_path: Path) -> None:
    write(tmp_path / "deploy.py", f"""\
from corral.operations import files, server
files.line(name="before", path={str(tmp_path / "before")!r}, line="x")
server.shell(name="fails", commands=["echo about to fail >&2; exit 3"])
files.line(name="after", path={str(tmp_path / "after")!r}, line="x")
""")
    ran = corral("@local", "deploy.py", "-y", cwd=tmp_path)
    assert ran.code == 1, ran
    assert (tmp_path / "before").exists() and not (tmp_path / "after").exists()
    assert "@local: fails: failed" in ran.out
    assert "exit code 3" in ran.out and "about to fail" in ran.out
    row = next(line for line in ran.out.splitlines() if line.startswith("@local "))
    assert "failed" in row


# -- exit 2: --dry, and no terminal to confirm on --------------------------------------------


def test_dry_shows_a_unified_diff_and_changes_nothing(site: Path) -> None:
    ran = corral("@local", "deploy.py", "--dry", cwd=site)
    assert ran.code == 2, ran
    assert untouched(site)
    dest = site / "dest.txt"
    assert f"--- {dest} (on host)\n+++ {dest} (wanted)\n" in ran.out
    assert "@@ -1,3 +1,3 @@\n alpha\n-old beta\n+new beta\n gamma\n" in ran.out
    assert "@local: marker: would change" in ran.out
    assert "dry run: nothing was changed" in ran.out


def test_dry_with_nothing_to_change_is_exit_0(site: Path) -> None:
    assert corral("@local", "deploy.py", "-y", cwd=site).code == 0
    ran = corral("@local", "deploy.py", "--dry", cwd=site)
    assert ran.code == 0, ran
    assert "would change" not in ran.out.replace("dry run", "")


def test_no_terminal_and_no_yes_shows_the_plan_changes_nothing_exit_2(site: Path) -> None:
    ran = corral("@local", "deploy.py", cwd=site)
    assert ran.code == 2, ran
    assert untouched(site)
    assert "@local: content: would change" in ran.out and "-old beta" in ran.out
    assert "run with -y" in ran.out


def test_no_terminal_and_nothing_pending_is_exit_0(site: Path) -> None:
    assert corral("@local", "deploy.py", "-y", cwd=site).code == 0
    ran = corral("@local", "deploy.py", cwd=site)
    assert ran.code == 0, ran


# -- a terminal: the prompt, live progress, colours ----------------------------------------


def test_on_a_terminal_it_asks_and_no_changes_nothing(site: Path) -> None:
    ran = corral_tty("@local", "deploy.py", cwd=site, answer="n")
    assert ran.code == 2, ran
    assert "Apply these changes?" in ran.out and "-old beta" in ran.out
    assert untouched(site)


def test_on_a_terminal_it_asks_and_yes_applies(site: Path) -> None:
    ran = corral_tty("@local", "deploy.py", cwd=site, answer="y")
    assert ran.code == 0, ran
    assert applied(site)


def test_colour_on_a_terminal_and_none_with_no_color(site: Path) -> None:
    coloured = corral_tty("@local", "deploy.py", "--dry", cwd=site)
    assert coloured.code == 2, coloured
    assert SGR.search(coloured.out)
    # a live progress display on a terminal (transient: drawn, then erased)
    assert "planning" in coloured.out and "1/1" in coloured.out
    plain = corral_tty("@local", "deploy.py", "--dry", cwd=site, NO_COLOR="1")
    assert plain.code == 2, plain
    assert not SGR.search(plain.out), repr(plain.out)
    assert "would change" in plain.out
    piped = corral("@local", "deploy.py", "--dry", cwd=site)
    assert "\x1b" not in piped.out + piped.err
    assert "planning" not in piped.out  # plain lines when piped: no progress display


# -- exit 130 ---------------------------------------------------------------------------------


def test_sigint_interrupts_a_running_command_exit_130(tmp_path: Path) -> None:
    started = tmp_path / "started"
    proc = subprocess.Popen(argv("@local", "exec", "-y", "--", f"touch {started}; sleep 30"),
                            cwd=tmp_path, env=env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while not started.exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("the command never started")
            time.sleep(0.02)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=10)
        took = time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (out, err)
    assert took < 4
    assert "interrupted" in out + err
    assert "Traceback" not in out + err


def test_sigterm_is_handled_as_sigint_and_exits_143(tmp_path: Path) -> None:
    """SIGTERM killed the process at once (exit 143, no report) and the shell went on with
    its script: now it stops the remote commands, reports what ran where, exits 143."""
    started, after = tmp_path / "started", tmp_path / "after"
    proc = subprocess.Popen(argv("@local", "exec", "-y", "--",
                                 f"touch {started}; sleep 3; touch {after}"),
                            cwd=tmp_path, env=env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while not started.exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("the command never started")
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, (out, err)
    assert "Traceback" not in out + err
    assert "interrupted" in out and "terminated" in err
    # the operation had been sent: it may have run (not "not run")
    assert "may have run" in out
    time.sleep(3.5)
    assert not after.exists()  # the rest of the command did not run


def test_sigterm_while_the_inventory_loads_exits_143_at_once(tmp_path: Path) -> None:
    (tmp_path / "deploy.py").write_text("")
    (tmp_path / "inventory.py").write_text(
        f"import time, pathlib\npathlib.Path({str(tmp_path / 'loading')!r}).touch()\n"
        "time.sleep(30)\nhosts = ['@local']\n")
    proc = subprocess.Popen(argv("inventory.py", "deploy.py", "-y"), cwd=tmp_path, env=env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 15
        while not (tmp_path / "loading").exists():
            if time.monotonic() > deadline or proc.poll() is not None:
                pytest.fail("the inventory never started loading")
            time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, (out, err)
    assert "Traceback" not in out + err and "terminated" in out + err


# -- --json ---------------------------------------------------------------------------------


def test_json_lines_on_stdout_human_output_on_stderr(site: Path) -> None:
    ran = corral("@local", "deploy.py", "-y", "--json", cwd=site)
    assert ran.code == 0, ran
    events = ran.events()
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_done"
    for kind in ("host_connected", "facts_gathered", "operation", "host_done"):
        assert kind in kinds
    ops = {e["result"]["name"]: e["result"] for e in events if e["event"] == "operation"}
    assert ops["marker"]["status"] == "changed" and ops["marker"]["changed"] is True
    assert ops["content"]["diffs"][0]["new"] == "alpha\nnew beta\ngamma\n"
    host_done = [e["result"] for e in events if e["event"] == "host_done"]
    assert host_done[0]["host"] == "@local" and host_done[0]["status"] == "changed"
    assert events[-1]["result"]["exit_code"] == 0
    # each record once: the operations' outputs are in their events, not again at the end
    assert "operations" not in host_done[0] and "hosts" not in events[-1]["result"]
    assert ran.out.count('"name": "marker"') == 1
    # the people's output went to stderr
    assert "@local: marker: changed" in ran.err
    assert "@local" in ran.err and "changed" in ran.err


def test_json_dry_run_and_bad_input(site: Path) -> None:
    ran = corral("@local", "deploy.py", "--dry", "--json", cwd=site)
    assert ran.code == 2, ran
    assert ran.events()[0] == {"event": "run_started", "hosts": ["@local"], "dry": True}
    assert untouched(site)

    write(site / "bad.py", "from corral.operations import files\nfiles.nope()\n")
    bad = corral("@local", "bad.py", "-y", "--json", cwd=site)
    assert bad.code == 4, bad
    assert len(bad.err_lines) == 1 and "bad.py:2" in bad.err
    events = bad.events()
    assert events[-1]["event"] == "error" and events[-1]["exit_code"] == 4
    assert "bad.py:2" in events[-1]["message"]
    assert not [e for e in events if e["event"] == "operation"]


# -- verbosity --------------------------------------------------------------------------------


def test_verbosity_reasons_commands_remote_output(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    write(tmp_path / "deploy.py", f"""\
from corral.operations import files, server
files.line(name="marker", path={str(marker)!r}, line="marker")
server.shell(name="speak", commands=["echo said-on-the-host"])
""")
    quiet = corral("@local", "deploy.py", "-y", cwd=tmp_path)
    assert quiet.code == 0, quiet
    assert "said-on-the-host" not in quiet.out.replace("echo said-on-the-host", "")
    assert "$ " not in quiet.out
    # the marker line is there now: -v says why nothing changes
    v = corral("@local", "deploy.py", "-y", "-v", cwd=tmp_path)
    assert v.code == 0, v
    assert f"line marker exists in {marker}" in v.out
    assert "@local: facts files.FindInFile" in v.out
    assert "$ echo said-on-the-host" not in v.out
    vv = corral("@local", "deploy.py", "-y", "-vv", cwd=tmp_path)
    assert "$ sh -c 'echo said-on-the-host'" in vv.out or "$ echo said-on-the-host" in vv.out
    assert "\n    said-on-the-host" not in vv.out
    vvv = corral("@local", "deploy.py", "-y", "-vvv", cwd=tmp_path)
    assert "\n    said-on-the-host\n" in vvv.out, vvv


def test_long_lines_are_not_wrapped_when_piped(tmp_path: Path) -> None:
    long_line = "x" * 150
    write(tmp_path / "src.txt", long_line + "\n")
    write(tmp_path / "deploy.py", f"""\
from corral.operations import files
files.put(name="long", src="src.txt", dest={str(tmp_path / "dest.txt")!r})
""")
    ran = corral("@local", "deploy.py", "--dry", cwd=tmp_path)
    assert ran.code == 2, ran
    assert f"\n+{long_line}\n" in ran.out


# -- exec, fact, one operation ----------------------------------------------------------------


def test_exec_prints_host_prefixed_output(tmp_path: Path) -> None:
    ran = corral("@local", "exec", "-y", "--", "echo", "hi", cwd=tmp_path)
    assert ran.code == 0, ran
    assert "@local: hi" in ran.out.splitlines()
    failed = corral("@local", "exec", "-y", "--", "echo oops >&2; exit 5", cwd=tmp_path)
    assert failed.code == 1, failed
    assert "@local: oops" in failed.err.splitlines()
    # exec runs the command it is given at once, as pyinfra does: no terminal, no -y
    ran = corral("@local", "exec", "--", "touch", str(tmp_path / "t"), cwd=tmp_path)
    assert ran.code == 0 and (tmp_path / "t").exists(), ran
    # --dry only shows what it would run
    planned = corral("@local", "exec", "--dry", "--", "touch", str(tmp_path / "u"),
                     cwd=tmp_path)
    assert planned.code == 2 and not (tmp_path / "u").exists(), planned
    assert "would change" in planned.out


def test_fact_prints_values_and_json(tmp_path: Path) -> None:
    ran = corral("@local", "fact", "server.Os", cwd=tmp_path)
    assert ran.code == 0, ran
    assert ran.out.strip() == '@local: "Linux"'
    (tmp_path / "f").write_text("abc")
    ran = corral("@local", "fact", "files.File", f"path={tmp_path / 'f'}", cwd=tmp_path)
    assert ran.code == 0, ran
    name, _, value = ran.out.partition(": ")
    assert name == "@local" and json.loads(value)["size"] == 3
    js = corral("@local", "fact", "server.Os", "--json", cwd=tmp_path)
    assert js.code == 0, js
    assert js.events()[-1] == {"event": "fact", "fact": "server.Os", "arguments": {},
                               "values": {"@local": "Linux"}}
    missing = corral("@local", "fact", "files.File", f"path={tmp_path / 'nope'}",
                     cwd=tmp_path)
    assert missing.code == 0 and missing.out.strip() == "@local: null", missing


def test_one_operation_from_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "adhoc"
    ran = corral("@local", "files.line", f"path={path}", "line=hello world", "-y",
                 cwd=tmp_path)
    assert ran.code == 0, ran
    assert path.read_text() == "hello world\n"
    assert "@local: files.line: changed" in ran.out
    dry = corral("@local", "files.line", f"path={path}", "line=second", "--dry",
                 cwd=tmp_path)
    assert dry.code == 2 and path.read_text() == "hello world\n", dry
    # global arguments and JSON values
    ran = corral("@local", "server.shell", "commands=[\"exit 1\"]", "_ignore_errors=true",
                 "-y", cwd=tmp_path)
    assert ran.code == 0, ran
    ran = corral("@local", "server.shell", "commands=[\"exit 1\"]",
                 "_success_exit_codes=[0,1]", "-y", cwd=tmp_path)
    assert ran.code == 0, ran
