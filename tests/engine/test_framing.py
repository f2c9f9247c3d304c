"""Framed scripts on a real shell, buffered on the host (the usual way) and unbuffered
(no temporary file can be made): the same outputs, errors and exit codes per step, and
no file left behind."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from corral.connectors.framing import Step, build_script, parse_output, strip_done
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
