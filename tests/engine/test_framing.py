"""Framed scripts on a real shell, buffered on the host (the usual way) and unbuffered
(no temporary file can be made): the same outputs, errors and exit codes per step, and
no file left behind."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.connectors.framing import (
    FramedScript,
    LostOutput,
    OutputLost,
    Step,
    build_script,
    parse_output,
    strip_done,
)
from corral.model.command import CommandOutput

STEPS = [
    Step("echo out; echo err >&2"),
    Step("( printf 'no newline'; printf 'e2' >&2; exit 3 )", ok_codes=(3,)),
    Step("printf '\\n\\n'", independent=True),
    Step("false", may_fail=True, group=7),
    Step("echo skipped", group=7),
    Step("echo after"),
]


def _run(tmpdir: str) -> list[CommandOutput | None]:
    script = build_script(STEPS)
    proc = subprocess.run(["sh"], input=script.text.encode(), capture_output=True,
                          env={**os.environ, "TMPDIR": tmpdir})
    out, err = strip_done(script, proc.stdout), strip_done(script, proc.stderr)
    return parse_output(script, out, err)


@pytest.mark.parametrize("buffered", [True, False])
def test_steps_come_back_the_same_either_way(tmp_path: Path, buffered: bool) -> None:
    tmpdir = str(tmp_path) if buffered else str(tmp_path / "missing")
    results = _run(tmpdir)
    assert results == [
        CommandOutput("out\n", "err\n", 0),
        CommandOutput("no newline", "e2", 3),
        CommandOutput("\n\n", "", 0),
        CommandOutput("", "", 1),
        None,
        CommandOutput("after\n", "", 0),
    ]
    assert os.listdir(tmp_path) == []


def test_short_scripts_are_not_buffered(tmp_path: Path) -> None:
    script = build_script(STEPS[:2])
    assert ".corral-" not in script.text and "cat " not in script.text
    assert ".corral-" in build_script(STEPS).text
    proc = subprocess.run(["sh"], input=script.text.encode(), capture_output=True)
    out, err = strip_done(script, proc.stdout), strip_done(script, proc.stderr)
    assert parse_output(script, out, err) == [CommandOutput("out\n", "err\n", 0),
                                              CommandOutput("no newline", "e2", 3)]


@pytest.mark.parametrize("login_lc", [None, "POSIX"])
def test_scripts_on_one_shell_share_one_pair_of_files_and_leave_it_as_it_was(
        tmp_path: Path, login_lc: str | None) -> None:
    """Scripts run in the persistent shell itself: the buffer files are made once and
    removed when the shell ends, and what fact steps export (LC_ALL) is put back."""
    facts = [Step("LC_ALL=C; export LC_ALL; echo fact", independent=True)] * 4
    first, second = build_script(facts), build_script(STEPS)
    probe = 'echo "lc=${LC_ALL-unset}"; ls -a "$TMPDIR" | grep -c corral\n'
    env = {k: v for k, v in os.environ.items() if k != "LC_ALL"}
    if login_lc:
        env["LC_ALL"] = login_lc
    proc = subprocess.run(["sh"], input=(first.text + second.text + probe).encode(),
                          capture_output=True, env={**env, "TMPDIR": str(tmp_path)})
    out = proc.stdout.decode()
    assert out.count("fact\n") == 4 and "after\n" in out
    assert out.endswith(f"lc={login_lc or 'unset'}\n2\n")  # two files while the shell runs
    assert os.listdir(tmp_path) == []  # and none once it has ended


# -- $TMPDIR full: no step runs unreported, none is reported "skipped" after it ran --------

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs (root)")


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, for $TMPDIR; tests fill it as they need."""
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(mount: Path, leave: int = 0) -> None:
    """Fill the file system but ``leave`` bytes (rounded to pages)."""
    fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    if leave:
        size = (mount / "filler").stat().st_size
        os.truncate(mount / "filler", max(0, size - leave))


def _shell(scripts: list[FramedScript], tmpdir: Path) -> list[Any]:
    """Run scripts one after the other on one shell; each one's outputs (or OutputLost)."""
    proc = subprocess.run(["sh"], input="".join(s.text for s in scripts).encode(),
                          capture_output=True, env={**os.environ, "TMPDIR": str(tmpdir)},
                          timeout=60)
    found: list[Any] = []
    out, err = proc.stdout, proc.stderr
    for script in scripts:
        marker = script.done_marker
        o, _, out = out.partition(marker)
        e, _, err = err.partition(marker)
        try:
            found.append(parse_output(script, o, e))
        except OutputLost as exc:
            found.append(exc)
    return found


COUNTED = [Step(f"echo ran {i} >> {{log}}; echo out {i}; echo err {i} >&2") for i in range(5)]


def _counted(log: Path, big: int | None = None) -> list[Step]:
    steps = [Step(s.text.format(log=log)) for s in COUNTED]
    if big is not None:  # that step prints more than the file system can hold
        steps[big] = Step(f"echo ran {big} >> {log}; "
                          "sh -c 'head -c 200000 /dev/zero | tr \"\\\\0\" x; exit 7'")
    return steps


@needs_root
def test_a_full_tmpdir_before_the_script_falls_back_to_unbuffered_output(
        small_tmpfs: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    _fill(small_tmpfs)
    first, second = build_script(_counted(log)), build_script(_counted(log))
    before, after = _shell([first, second], small_tmpfs)
    for results in (before, after):
        assert results == [CommandOutput(f"out {i}\n", f"err {i}\n", 0) for i in range(5)]
    assert log.read_text().count("ran") == 10  # each step ran once, and said so


@needs_root
def test_output_lost_mid_script_reports_what_ran_and_stops(
        small_tmpfs: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    _fill(small_tmpfs, leave=16384)
    lost = _shell([build_script(_counted(log, big=2))], small_tmpfs)[0]
    assert isinstance(lost, OutputLost)
    assert "no space left in " in str(lost) and str(small_tmpfs) in str(lost)
    first, second, big, *rest = lost.outputs
    assert first == CommandOutput("out 0\n", "err 0\n", 0)
    assert second == CommandOutput("out 1\n", "err 1\n", 0)
    # it ran: its exit code is real, its output is what could be kept
    assert isinstance(big, LostOutput) and big.exit_code == 7
    assert rest == [None, None]  # the script stopped: they did not run
    assert log.read_text().split("\n")[:-1] == ["ran 0", "ran 1", "ran 2"]


@needs_root
def test_facts_after_a_loss_do_not_run_either(small_tmpfs: Path, tmp_path: Path) -> None:
    log = tmp_path / "log"
    _fill(small_tmpfs, leave=16384)
    steps = [*_counted(log, big=1)[:2], Step(f"echo fact >> {log}", independent=True),
             Step(f"echo again >> {log}", only_if_stopped=True)]
    lost = _shell([build_script(steps)], small_tmpfs)[0]
    assert isinstance(lost, OutputLost) and lost.outputs[2:] == [None, None]
    assert log.read_text() == "ran 0\nran 1\n"


def test_a_background_job_writing_to_the_output_confuses_no_script(tmp_path: Path) -> None:
    """A job a step leaves writing to the shell's output: its bytes before a script's
    first marker or after its end marker belong to no step, and every later script, short
    (unbuffered) or long (buffered), reads its own steps right."""
    job = Step("i=0; while [ $i -lt 400 ]; do echo stray; echo stray >&2; sleep 0.002; "
               "i=$((i+1)); done &")
    scripts = [build_script([job])]
    for n in (1, 4, 2, 6):
        scripts.append(build_script([Step(f"sleep 0.01; echo {i}") for i in range(n)]))
    text = "".join(s.text for s in scripts)
    proc = subprocess.run(["sh"], input=text.encode(), capture_output=True, timeout=60,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    out = proc.stdout.partition(scripts[0].done_marker)[2]
    err = proc.stderr.partition(scripts[0].done_marker)[2]
    for script, n in zip(scripts[1:], (1, 4, 2, 6), strict=True):
        marker = script.done_marker
        o, _, out = out.partition(marker)
        e, _, err = err.partition(marker)
        results = parse_output(script, o, e)
        assert [r.exit_code if r else None for r in results] == [0] * n
        # the job's lines may land inside a step's output (it writes to the same
        # stream), never in place of a marker
        assert all(r is not None and f"{i}\n" in r.stdout for i, r in enumerate(results))


def test_buffer_files_removed_by_a_step_lose_output_not_exit_codes(tmp_path: Path) -> None:
    """A step that empties $TMPDIR (tmpreaper, rm -rf /tmp/*) takes the buffer files with
    it: the steps that ran are still reported with their exit codes, and the loss said."""
    steps = [Step("echo a"), Step('rm -f "$__corral_o" "$__corral_e"; echo b'),
             Step("exit_code() { return 3; }; exit_code", ok_codes=(3,)), Step("echo d")]
    lost = _shell([build_script(steps)], tmp_path)[0]
    assert isinstance(lost, OutputLost), lost
    assert "could not be written or read" in str(lost)
    assert [o.exit_code if o else None for o in lost.outputs] == [0, 0, 3, 0]
    assert all(isinstance(o, LostOutput) for o in lost.outputs)


def test_buffer_files_removed_are_made_again_privately(tmp_path: Path) -> None:
    rm = build_script([Step('rm -f "$__corral_o" "$__corral_e"')] * 4)
    again = build_script([Step("echo secret")] * 4)
    probe = ('stat -c %a "$__corral_o" "$__corral_e"; echo "$__corral_o" | grep -c '
             f'{again.token}\n')
    proc = subprocess.run(["sh"], input=(rm.text + again.text + probe).encode(),
                          capture_output=True, env={**os.environ, "TMPDIR": str(tmp_path)},
                          timeout=60)
    out = proc.stdout.partition(again.done_marker)[0].partition(rm.done_marker)[2]
    assert parse_output(again, out, proc.stderr.partition(again.done_marker)[0].partition(
        rm.done_marker)[2]) == [CommandOutput("secret\n", "", 0)] * 4
    assert proc.stdout.decode().endswith("600\n600\n1\n")
