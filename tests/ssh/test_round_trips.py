"""Round trips as a count: over SSH a deploy of independent operations costs two remote
invocations (read the facts, then make the changes), one once converged, however many
operations it has; and the whole run uses one SSH session channel on one connection."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from integration._helpers import describe, single

from corral import api
from corral.api import HostResult, HostStatus
from corral.operations import files
from corral.testing.fleet import Fleet

from .conftest import PASSWORD_HOST, host_inventory

pytestmark = pytest.mark.integration


def _directories(count: int) -> api.DeploySource:
    def deploy() -> None:
        for i in range(count):
            files.directory(name=f"dir {i}", path=f"/srv/round-trips-{count}/d{i}", mode="750")

    return deploy


def _sessions(log: str) -> dict[str, int]:
    """Per connection (client port) in an sshd log: how many session channels it opened."""
    ports = re.findall(r"^Accepted publickey for \S+ from \S+ port (\d+)", log, re.M)
    return {port: len(re.findall(rf"^Starting session: .* port {port} id", log, re.M))
            for port in ports}


def _run(fleet: Fleet, inventory: Path, count: int) -> HostResult:
    log = fleet.log_path(PASSWORD_HOST)
    offset = log.stat().st_size
    host = single(api.run(str(inventory), _directories(count)))
    with log.open() as f:
        f.seek(offset)
        assert list(_sessions(f.read()).values()) == [1]  # one connection, one session
    return host


def test_invocations_do_not_grow_with_operations(fleet: Fleet, tmp_path: Path) -> None:
    inventory = host_inventory(fleet, PASSWORD_HOST, tmp_path)
    counts = {}
    for count in (5, 20):
        first = _run(fleet, inventory, count)
        assert first.status is HostStatus.CHANGED and first.changed == count, describe(first)
        assert first.invocations <= 2, describe(first)

        again = _run(fleet, inventory, count)
        assert again.status is HostStatus.OK and again.changed == 0, describe(again)
        assert again.invocations == 1, describe(again)
        counts[count] = (first.invocations, again.invocations)
    assert counts[5] == counts[20]
