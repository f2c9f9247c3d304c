"""``server.reboot`` on a fleet host of its own: the engine waits for the host to come back,
connects again, and runs the next operations on the new connection.

A fleet host is a set of namespaces whose PID 1 is its sshd; a real ``reboot`` cannot run
there. The test puts its own ``reboot`` first on the host's PATH: it ends the host (sshd,
PID 1, so every process and session of the host), and the test starts the host again a
little later, as a machine coming back. What is tested is the engine's part: the wait, the
reconnection, and going on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from integration._helpers import describe, single

from corral import api, host
from corral.api import HostStatus, OpStatus
from corral.facts.server import Command
from corral.operations import files, server
from corral.testing.fleet import Fleet

from .conftest import host_root

pytestmark = pytest.mark.integration

#: the host's ``reboot`` for the test: the host goes down at once (its sshd is its PID 1:
#: every session ends with it)
FAKE_REBOOT = "#!/bin/sh\nkill -TERM 1\n"


@pytest.fixture(scope="module")
def one_host(fleet_factory: Callable[..., Fleet]) -> Fleet:
    """A fleet of one host, for these tests alone (they end it and start it again)."""
    return fleet_factory(1)


def with_fake_reboot(fleet: Fleet) -> str:
    """The fleet's one host, with the fake ``reboot`` in /usr/local/sbin (first on root's
    PATH); its name."""
    name = fleet.hosts[0].name
    script = host_root(fleet, name) / "usr/local/sbin/reboot"
    script.write_text(FAKE_REBOOT)
    script.chmod(0o755)
    return name


def bring_back_after(fleet: Fleet, name: str, down_for: float) -> threading.Thread:
    """Once the host is down, start it again ``down_for`` seconds later (in a thread)."""
    def watch() -> None:
        deadline = time.monotonic() + 30
        while fleet.host(name).running() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(down_for)
        fleet.restart(name)

    thread = threading.Thread(target=watch)
    thread.start()
    return thread


def test_reboot_waits_for_the_host_and_goes_on_on_a_new_connection(one_host: Fleet) -> None:
    fleet = one_host
    name = with_fake_reboot(fleet)
    seen: dict[str, str] = {}

    def deploy() -> None:
        seen["before"] = host.get_fact(Command, "cat /proc/sys/kernel/random/uuid")
        files.file(name="before", path="/srv/before-reboot")
        server.reboot(delay=1, interval=1, reboot_timeout=20)
        files.file(name="after", path="/srv/after-reboot")
        # the host's sshd (its PID 1) is a new process: read on the new connection
        seen["sshd"] = host.get_fact(Command, "cat /proc/1/stat | cut -d' ' -f22")

    watcher = bring_back_after(fleet, name, down_for=2)
    began = time.monotonic()
    try:
        result = api.run(str(fleet.inventory_path), deploy)
        took = time.monotonic() - began
    finally:
        watcher.join()
    h = single(result)
    assert h.status is HostStatus.CHANGED, describe(h)
    assert [op.status for op in h.operations] == [OpStatus.CHANGED] * 3, describe(h)
    root = host_root(fleet, name)
    assert (root / "srv/before-reboot").is_file() and (root / "srv/after-reboot").is_file()
    assert seen["before"] and seen["sshd"]
    # it waited for the host to come back (down for 2s), not for the whole timeout
    assert 2 < took < 15, took
    # a connection before the reboot and one after: the invocations of both are counted
    assert h.invocations >= 3


def test_reboot_gives_up_after_its_timeout(one_host: Fleet) -> None:
    """The host comes back too late: it is unreachable, with why; the operations after the
    reboot did not run."""
    fleet = one_host
    name = with_fake_reboot(fleet)

    def deploy() -> None:
        server.reboot(delay=1, interval=1, reboot_timeout=1)
        files.file(name="after", path="/srv/after-late-reboot")

    watcher = bring_back_after(fleet, name, down_for=5)
    began = time.monotonic()
    try:
        result = api.run(str(fleet.inventory_path), deploy)
        took = time.monotonic() - began
    finally:
        watcher.join()
    h = single(result)
    assert h.status is HostStatus.UNREACHABLE, describe(h)
    assert h.error and "did not come back within 1s" in h.error, h.error
    assert [op.status for op in h.operations] == [OpStatus.CHANGED, OpStatus.SKIPPED]
    assert not (host_root(fleet, name) / "srv/after-late-reboot").exists()
    assert took < 5, took
