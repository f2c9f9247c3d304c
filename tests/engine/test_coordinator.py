"""The coordinator of a run split over shards, on its own (no processes): the start gate,
run-once claims, serial locks, the stop flag and --fail-percent over every shard, and a
shard lost mid-run. The same rules through real worker processes: test_workers.py."""

from __future__ import annotations

import pytest

from corral.engine.coordinator import EVERY, Coordinator
from corral.engine.workers import MIN_HOSTS_PER_WORKER, split, worker_count
from corral.model.errors import BadInput
from corral.model.results import HostResult, HostStatus


def test_the_gate_opens_when_every_shard_has_arrived() -> None:
    c = Coordinator([0, 1, 2], hosts=6, fail_percent=None)
    assert c.handle(0, ("arrived",)) == []
    assert c.handle(2, ("arrived",)) == []
    assert c.handle(1, ("arrived",)) == [(EVERY, ("gate",))]
    assert c.handle(1, ("arrived",)) == []  # said once


def test_bad_input_stops_every_shard_before_the_gate_opens() -> None:
    c = Coordinator([0, 1], hosts=4, fail_percent=None)
    c.handle(1, ("arrived",))
    bad = BadInput("no such thing", host="web2")
    # the shard says it before its last host arrives: the stop goes out before the gate
    out = c.handle(0, ("bad_input", bad)) + c.handle(0, ("arrived",))
    assert out == [(EVERY, ("stop",)), (EVERY, ("gate",))]
    assert c.bad_input is bad
    c.handle(1, ("bad_input", BadInput("later")))
    assert c.bad_input is bad  # the first is the run's


def test_run_once_one_host_runs_it_the_others_see_where() -> None:
    c = Coordinator([0, 1], hosts=3, fail_percent=None)
    key = ("deploy.py", 4, 0)
    assert c.handle(1, ("claim", 1, key, "web2")) == [(1, ("reply", 1, ("yours",)))]
    assert c.handle(0, ("claim", 7, key, "web1")) == [(0, ("reply", 7, ("wait",)))]
    assert c.handle(1, ("claim", 2, key, "web3")) == [(1, ("reply", 2, ("wait",)))]
    assert c.handle(1, ("finish", key)) == [(0, ("reply", 7, ("ran_on", "web2"))),
                                            (1, ("reply", 2, ("ran_on", "web2")))]
    # claimed after it ran: told at once
    assert c.handle(0, ("claim", 8, key, "web4")) == [(0, ("reply", 8, ("ran_on", "web2")))]


def test_serial_one_host_at_a_time_over_every_shard() -> None:
    c = Coordinator([0, 1], hosts=3, fail_percent=None)
    key = ("deploy.py", 5, 0)
    assert c.handle(0, ("lock", 1, key)) == [(0, ("reply", 1, ("granted",)))]
    assert c.handle(1, ("lock", 1, key)) == [(1, ("reply", 1, ("wait",)))]
    assert c.handle(0, ("lock", 2, key)) == [(0, ("reply", 2, ("wait",)))]
    assert c.handle(0, ("unlock", key, 1)) == [(1, ("reply", 1, ("granted",)))]
    # one that stops waiting (cancelled) leaves the queue; it never gets the turn
    assert c.handle(0, ("unlock", key, 2)) == []
    assert c.handle(1, ("unlock", key, 1)) == []


def test_fail_percent_counts_the_hosts_of_every_shard() -> None:
    c = Coordinator([0, 1], hosts=4, fail_percent=25)
    failed = HostResult("web1", HostStatus.FAILED, error="x")
    assert c.host_done(HostResult("web2", HostStatus.OK)) == []
    assert c.host_done(failed) == []  # 25 %: not more than the limit
    assert c.host_done(HostResult("web3", HostStatus.UNREACHABLE, error="y")) \
        == [(EVERY, ("stop",))]
    assert c.stopping


def test_a_lost_shard_lets_go_of_its_turn_its_claims_and_the_gate() -> None:
    c = Coordinator([0, 1, 2], hosts=6, fail_percent=None)
    once, serial = ("d.py", 1, 0), ("d.py", 2, 0)
    c.handle(0, ("claim", 1, once, "web1"))
    c.handle(1, ("claim", 1, once, "web2"))  # waits
    c.handle(0, ("lock", 2, serial))
    c.handle(1, ("lock", 2, serial))  # waits
    c.handle(2, ("lock", 1, serial))  # waits, behind shard 1
    c.handle(1, ("arrived",))
    c.handle(2, ("arrived",))
    out = c.ended(0, lost=True)
    assert (EVERY, ("gate",)) in out
    assert (1, ("reply", 1, ("ran_on", "web1 (its worker was lost: it may have run)"))) in out
    assert (1, ("reply", 2, ("granted",))) in out
    assert all(shard != 0 for shard, _ in out)  # nothing to the lost shard
    assert 0 not in c.running


def test_how_many_workers() -> None:
    # not given: one per core, but a small run stays in this process
    assert worker_count(None, MIN_HOSTS_PER_WORKER - 1, 50, None) == 1
    assert worker_count(None, 10 * MIN_HOSTS_PER_WORKER, 10_000, None) >= 1
    # given: as given, never more than the hosts or the hosts at once (--serial: one)
    assert worker_count(2, 6, 50, None) == 2
    assert worker_count(4, 3, 50, None) == 3
    assert worker_count(4, 100, 1, None) == 1
    # a run that cannot be split: in this process when not asked, bad input when asked
    assert worker_count(None, 10_000, 10_000, "deploy functions ...") == 1
    with pytest.raises(BadInput, match="--workers 2: deploy functions"):
        worker_count(2, 10, 50, "deploy functions run in this process only")


def test_split_deals_hosts_in_turn() -> None:
    assert split(["a", "b", "c", "d", "e"], 2) == [["a", "c", "e"], ["b", "d"]]


def test_a_shard_lost_before_the_gate_is_waited_for_again_as_its_retry() -> None:
    c = Coordinator([0, 1], hosts=4, fail_percent=None)
    key, turn = ("deploy.py", 4, 0), ("deploy.py", 6, 0)
    assert c.handle(1, ("claim", 1, key, "web2")) == [(1, ("reply", 1, ("yours",)))]
    assert c.handle(0, ("claim", 1, key, "web1")) == [(0, ("reply", 1, ("wait",)))]
    c.handle(1, ("lock", 2, turn))
    assert c.handle(0, ("lock", 3, turn)) == [(0, ("reply", 3, ("wait",)))]
    c.handle(0, ("arrived",))
    # shard 1 lost before the gate: its hosts run again as shard 2; its turn goes on to
    # the next, its run-once claim waits for its host in the new shard
    assert c.retried(1, 2, {"web2", "web4"}) == [(0, ("reply", 3, ("granted",)))]
    assert c.running == {0, 2} and not c.gate_open  # the gate waits for the new shard
    assert c.handle(2, ("claim", 1, key, "web2")) == [(2, ("reply", 1, ("yours",)))]
    assert c.handle(2, ("arrived",)) == [(EVERY, ("gate",))]
    assert c.handle(2, ("finish", key)) == [(0, ("reply", 1, ("ran_on", "web2")))]


def test_a_shard_lost_after_the_gate_its_retry_is_let_through() -> None:
    c = Coordinator([0, 1], hosts=4, fail_percent=None)
    key = ("deploy.py", 4, 0)
    c.handle(0, ("arrived",))
    c.handle(1, ("arrived",))
    assert c.handle(1, ("claim", 1, key, "web2")) == [(1, ("reply", 1, ("yours",)))]
    assert c.handle(0, ("claim", 1, key, "web1")) == [(0, ("reply", 1, ("wait",)))]
    c.stop()
    # web2 had started (it is not run again): its claim is over, it may have run
    out = c.retried(1, 2, {"web4"})
    assert out == [(0, ("reply", 1, ("ran_on", "web2 (its worker was lost: it may have run)"))),
                   (2, ("gate",)), (2, ("stop",))]
    assert c.handle(2, ("claim", 2, key, "web4")) == [
        (2, ("reply", 2, ("ran_on", "web2 (its worker was lost: it may have run)")))]
