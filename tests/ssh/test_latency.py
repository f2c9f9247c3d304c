"""Latency: the example deploy (examples/web) over SSH with 20 ms of round-trip time gives
the same results as without, converges, and then re-runs and plans with zero changes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from integration._helpers import Target, describe
from integration.test_example_deploy import DEPLOY, INVENTORY, _check_end_state

from corral import api
from corral.api import HostStatus, RunResult
from corral.testing.fleet import Fleet

pytestmark = pytest.mark.integration


def _outcome(result: RunResult) -> list[tuple[str, str, list[tuple[str, str, bool]]]]:
    """What a run did, without timings: per host, its status and each operation's."""
    return [(h.host, h.status.value, [(op.name, op.status.value, op.changed)
                                      for op in h.operations]) for h in result.hosts]


def _converge(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> list[RunResult]:
    monkeypatch.setenv("CORRAL_FLEET_DIR", str(fleet.directory))
    runs = [api.run(str(INVENTORY), DEPLOY), api.run(str(INVENTORY), DEPLOY),
            api.run(str(INVENTORY), DEPLOY, dry=True)]
    first, again, dry = runs
    for host in first.hosts:
        assert host.status is HostStatus.CHANGED, describe(host)
    for result in (again, dry):
        assert result.changed == 0, "\n".join(describe(h) for h in result.hosts)
        assert result.exit_code == 0
    return runs


def test_latency_changes_nothing_but_time(fleet_factory: Callable[..., Fleet],
                                          monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    fast, slow = fleet_factory(2), fleet_factory(2, latency_ms=20)
    without = _converge(fast, monkeypatch)
    with_latency = _converge(slow, monkeypatch)
    for a, b in zip(without, with_latency, strict=True):
        assert _outcome(a) == _outcome(b)
        # the same number of round trips, too
        assert [h.invocations for h in a.hosts] == [h.invocations for h in b.hosts]
    for host in with_latency[1].hosts:  # the latency is there: each round trip pays it
        assert host.duration >= 0.020 * host.invocations
    for i, host in enumerate(slow.hosts):
        _check_end_state(Target.ssh(slow, host.name, tmp_path), port=8000 + i)
