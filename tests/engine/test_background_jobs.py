"""A background job a deploy starts keeps the shell's output and may write to it at any
time: the run neither hangs on it nor waits for it, and it confuses no script's markers.
When the run ends the connection is closed without waiting for the job; its output then
leads nowhere, and a job that writes again ends (SIGPIPE)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from corral import api
from corral.api import Config
from corral.model.results import HostStatus, OpStatus
from corral.operations import server


def chatty_job(pidfile: str) -> str:
    """A job writing lines to stdout and to stderr as fast as it can for a while (so they
    arrive just after scripts' end markers), then one every few milliseconds, forever."""
    return (f"sh -c 'echo $$ > {pidfile}; i=0; while [ $i -lt 100000 ]; do echo stray; "
            "echo stray >&2; i=$((i+1)); done; while :; do echo stray; echo stray >&2; "
            "sleep 0.005; done' &")


def deploy_with_a_job(pidfile: str, seen: list[str]) -> Any:
    def deploy() -> None:
        server.shell(name="job", commands=[chatty_job(pidfile)])
        for i in range(6):
            # reading its output runs each in a wave of its own: six more scripts, short
            # (unbuffered) ones, and with the facts, buffered ones
            seen.append(server.shell(name=f"after {i}", commands=[f"echo out {i}"] * (i % 3 + 1)
                                     ).stdout)
    return deploy


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_job_writing_to_the_output_neither_hangs_nor_holds_up_the_run(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    seen: list[str] = []
    began = time.monotonic()
    result = api.run("@local", deploy_with_a_job(str(pidfile), seen),
                     config=Config(WAVE_TIMEOUT=60))
    took = time.monotonic() - began
    h = result.hosts[0]
    assert h.status is HostStatus.CHANGED, h
    assert all(op.status is OpStatus.CHANGED for op in h.operations)
    for i, out in enumerate(seen):
        # its own lines are there, the job's may be mixed in (it writes to the same pipe)
        assert out.split("\n").count(f"out {i}") == i % 3 + 1
    # before: the wave timeout (an hour by default); then 5 s more, waiting for the job
    assert took < 4.5, took
    # the connection closed without waiting for the job; its next write ended it
    pid = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_a_quiet_job_is_left_running(tmp_path: Path) -> None:
    """A job holding the output without writing (or one started with its output
    redirected, as a daemon is): the run ends at once and leaves it be."""
    pidfile = tmp_path / "pid"

    def deploy() -> None:
        server.shell(commands=[f"sh -c 'echo $$ > {pidfile}; exec sleep 30' &"])

    began = time.monotonic()
    result = api.run("@local", deploy, config=Config(WAVE_TIMEOUT=60))
    assert result.exit_code == 0 and time.monotonic() - began < 4
    pid = int(pidfile.read_text())
    try:
        assert alive(pid)
    finally:
        os.kill(pid, 9)
