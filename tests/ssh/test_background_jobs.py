"""Background jobs a deploy starts, over SSH (a fleet host): the run neither hangs on a job
writing to the shell's output nor waits for it at the end; the job's next write after the
connection closed ends it; a quiet job is left running."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from engine.test_background_jobs import deploy_with_a_job

from corral import api
from corral.api import Config
from corral.model.results import HostStatus
from corral.operations import server
from corral.testing.fleet import Fleet

from .conftest import ROOT_HOST, host_command_lines, host_inventory, host_root

pytestmark = pytest.mark.integration


def _running(fleet: Fleet, word: str) -> bool:
    return any(word in line for line in host_command_lines(fleet, ROOT_HOST))


def test_a_job_writing_to_the_output_neither_hangs_nor_holds_up_the_run(
        fleet: Fleet, tmp_path: Path) -> None:
    inventory = host_inventory(fleet, ROOT_HOST, tmp_path)
    pidfile = "/tmp/corral-chatty-job.pid"
    seen: list[str] = []
    began = time.monotonic()
    result = api.run(str(inventory), deploy_with_a_job(pidfile, seen),
                     config=Config(WAVE_TIMEOUT=60))
    took = time.monotonic() - began
    h = result.hosts[0]
    assert h.status is HostStatus.CHANGED, h
    for i, out in enumerate(seen):
        assert out.split("\n").count(f"out {i}") == i % 3 + 1
    assert took < 10, took
    pid = (host_root(fleet, ROOT_HOST) / pidfile.lstrip("/")).read_text().strip()
    deadline = time.monotonic() + 5
    while (host_root(fleet, ROOT_HOST) / "proc" / pid).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (host_root(fleet, ROOT_HOST) / "proc" / pid).exists()


def test_a_quiet_job_is_left_running(fleet: Fleet, tmp_path: Path) -> None:
    inventory = host_inventory(fleet, ROOT_HOST, tmp_path)

    def deploy() -> None:
        server.shell(commands=["sleep 60.25 &"])

    began = time.monotonic()
    result = api.run(str(inventory), deploy, config=Config(WAVE_TIMEOUT=60))
    assert result.exit_code == 0 and time.monotonic() - began < 5
    assert _running(fleet, "sleep 60.25")
