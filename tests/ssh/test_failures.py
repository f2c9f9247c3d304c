"""Hosts lost over SSH: one stopped in the middle of a run, one whose packets are dropped.
The lost host is reported, the others finish their deploy."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from integration._helpers import describe

from corral import api
from corral.api import Config, HostStatus, OpStatus
from corral.operations import files, server
from corral.testing.fleet import Fleet
from corral.testing.fleet_host import children

from .conftest import KEYS_HOST, Cli, host_command_lines, host_root

pytestmark = pytest.mark.integration


def test_a_host_stopped_mid_run_fails_and_the_others_complete(fleet: Fleet,
                                                              tmp_path: Path) -> None:
    def deploy() -> None:
        files.directory(name="dir", path="/srv/mid-run")
        server.shell(name="sleep", commands="sleep 2")
        files.file(name="after", path="/srv/mid-run/after")

    victim = fleet.host(KEYS_HOST)
    killed = threading.Event()

    def kill_when_sleeping() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if any(line.startswith("sleep 2") for line in host_command_lines(fleet, KEYS_HOST)):
                os.kill(children(victim.pid)[0], signal.SIGKILL)  # its sshd: the whole host
                killed.set()
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_when_sleeping)
    killer.start()
    try:
        began = time.monotonic()
        result = api.run(str(fleet.inventory_path), deploy)
        took = time.monotonic() - began
        killer.join()
    finally:
        fleet.restart(KEYS_HOST)
    assert killed.is_set()
    lost = result.host(KEYS_HOST)
    assert lost.status in (HostStatus.FAILED, HostStatus.UNREACHABLE), describe(lost)
    assert lost.error and "connection" in lost.error and "\n" not in lost.error, lost.error
    assert lost.changed == 0
    assert lost.duration < 1.5  # told at once, not after the others' sleep or a keepalive
    for host in result.hosts:
        if host.host == KEYS_HOST:
            continue
        assert host.status is HostStatus.CHANGED, describe(host)
        assert [op.status for op in host.operations] == [OpStatus.CHANGED] * 3, describe(host)
        assert (host_root(fleet, host.host) / "srv/mid-run/after").is_file()
    assert took < 5
    assert result.exit_code == (1 if lost.status is HostStatus.FAILED else 3)


def test_an_unreachable_host_is_reported_within_the_connect_timeout(
        fleet: Fleet, tmp_path: Path) -> None:
    def deploy() -> None:
        server.shell(name="hello", commands="echo hello")

    deploy_file = tmp_path / "deploy.py"
    deploy_file.write_text(
        "from corral import config\n"
        "from corral.operations import server\n"
        "config.CONNECT_TIMEOUT = 2\n"
        "server.shell(name='hello', commands='echo hello')\n"
    )
    fleet.cut(KEYS_HOST)
    try:
        cli = Cli(fleet.inventory_path, deploy_file, "-y", cwd=tmp_path)
        began = time.monotonic()
        result = api.run(str(fleet.inventory_path), deploy, config=Config(CONNECT_TIMEOUT=2))
        took = time.monotonic() - began
        cli.wait()
    finally:
        fleet.restore(KEYS_HOST)
    lost = result.host(KEYS_HOST)
    assert lost.status is HostStatus.UNREACHABLE, describe(lost)
    assert lost.error == "connecting timed out after 2s"
    assert 1.9 < lost.duration < 3
    for host in result.hosts:
        if host.host != KEYS_HOST:
            assert host.status is HostStatus.CHANGED, describe(host)
            assert host.operations[0].stdout == "hello\n"
            assert host.duration < 1.5  # they did not wait for the lost one
    assert result.exit_code == 3
    assert took < 3.5

    assert cli.code == 3, cli
    assert cli.duration < 5, cli
    lines = [line for line in (cli.out + cli.err).splitlines() if "timed out" in line]
    assert lines == [f"{KEYS_HOST}: unreachable: connecting timed out after 2s"], cli
    for host in fleet.hosts:
        if host.name != KEYS_HOST:
            assert f"{host.name}: hello: changed" in cli.out, cli
