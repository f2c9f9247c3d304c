"""The edges between hosts when a run's hosts are split over shards (worker processes on
this machine, or tasks on Dask workers): one coordinator, on the controller, answers every shard.

It does no I/O: each message a shard sends gives the messages to send back (to it or to
every shard), so the same coordinator serves whatever carries the messages (pipes to
local worker processes, :mod:`corral.engine.workers`; TCP links from Dask tasks,
:mod:`corral.engine.cluster`). Messages are plain tuples of picklable values.

A shard says (``Up``):

    ("arrived",)                  every host of the shard has gone as far as it can
                                  without changing anything (the start gate)
    ("bad_input", BadInput)       a host found bad input: every shard stops, untouched
    ("claim", req, key, host)     a run-once operation: may this host run it?
    ("finish", key)               the run-once operation has run
    ("lock", req, key)            a serial operation: wait for the host's turn
    ("unlock", key, req)          its turn is over (or it stopped waiting)
    ("event", Event)              for the output (the transport passes it on)
    ("done", results, interrupted)

The coordinator says (``Down``):

    ("gate",)                     every shard has arrived: changes may start
    ("stop",)                     start nothing more (bad input, --fail-percent, a stop)
    ("cancel",)                   interrupted: end the commands running, report
    ("reply", req, answer)        ("yours",) | ("wait",) | ("ran_on", host) | ("granted",)
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from corral.model.errors import BadInput
from corral.model.results import HostResult, HostStatus

Message = tuple[Any, ...]
#: (shard, message); shard -1: every shard still running
Outgoing = list[tuple[int, Message]]
EVERY = -1


@dataclass
class _Once:
    owner: str
    shard: int
    ran_on: str | None = None
    waiting: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Lock:
    holder: tuple[int, int] | None = None  # (shard, request)
    queue: deque[tuple[int, int]] = field(default_factory=deque)


class Coordinator:
    """The start gate, run-once claims, serial locks, the stop flag and the failure count
    of a run split over shards."""

    def __init__(self, shards: list[int], hosts: int, fail_percent: int | None) -> None:
        self.running = set(shards)
        self._not_arrived = set(shards)
        self.gate_open = False
        self.stopping = False
        self.bad_input: BadInput | None = None
        self.hosts = hosts
        self.fail_percent = fail_percent
        self.bad_hosts = 0
        self._once: dict[Any, _Once] = {}
        self._locks: dict[Any, _Lock] = {}

    # -- what a shard says --------------------------------------------------------------
    def handle(self, shard: int, message: Message) -> Outgoing:
        kind = message[0]
        if kind == "arrived":
            return self._arrived(shard)
        if kind == "bad_input":
            if self.bad_input is None:
                self.bad_input = message[1]
            return self.stop()
        if kind == "claim":
            return self._claim(shard, message[1], message[2], message[3])
        if kind == "finish":
            return self._finish(message[1], None)
        if kind == "lock":
            return self._lock(shard, message[1], message[2])
        if kind == "unlock":
            return self._unlock(message[1], (shard, message[2]))
        raise ValueError(f"unknown message from a shard: {kind!r}")

    def host_done(self, result: HostResult) -> Outgoing:
        """A host has ended: past ``--fail-percent`` of the run's hosts failed or
        unreachable, every shard stops (as one process's run does)."""
        if result.status in (HostStatus.FAILED, HostStatus.UNREACHABLE):
            self.bad_hosts += 1
            limit = self.fail_percent
            if limit is not None and 100 * self.bad_hosts / max(1, self.hosts) > limit:
                return self.stop()
        return []

    def stop(self) -> Outgoing:
        if self.stopping:
            return []
        self.stopping = True
        return [(EVERY, ("stop",))]

    def ended(self, shard: int, lost: bool = False) -> Outgoing:
        """A shard ended (it finished, or its process died: ``lost``): it holds no turn,
        waits at no gate, and the run-once operations its hosts had claimed are over (if
        it was lost, they may have run)."""
        self.running.discard(shard)
        out = self._arrived(shard)
        for key, once in self._once.items():
            if once.shard == shard and once.ran_on is None:
                why = " (its worker was lost: it may have run)" if lost else " (it did not end)"
                out += self._finish(key, once.owner + why)
        for key, lock in self._locks.items():
            lock.queue = deque(w for w in lock.queue if w[0] != shard)
            if lock.holder is not None and lock.holder[0] == shard:
                out += self._unlock(key, lock.holder)
        return [(s, m) for s, m in out if s == EVERY or s in self.running]

    def retried(self, old: int, new: int, hosts: set[str]) -> Outgoing:
        """Shard ``old`` was lost and ``hosts`` of it (none had started anything) run again
        as shard ``new``: it takes the place of ``old`` at the start gate (a shard lost
        before the gate opened is run again whole, and the gate waits for it; after, the
        new shard is let through at once), its hosts may claim again the run-once
        operations they had claimed (nothing ran), and the others' claims and every turn
        ``old`` held are over as :meth:`ended` ends them."""
        self.running.discard(old)
        self.running.add(new)
        if not self.gate_open:
            self._not_arrived.discard(old)
            self._not_arrived.add(new)
        out: Outgoing = []
        for once in self._once.values():
            if once.shard == old and once.ran_on is None and once.owner in hosts:
                once.shard = new
        out += self.ended(old, lost=True)
        if self.gate_open:
            out.append((new, ("gate",)))
        if self.stopping:
            out.append((new, ("stop",)))
        return out

    # -- the start gate -----------------------------------------------------------------
    def _arrived(self, shard: int) -> Outgoing:
        self._not_arrived.discard(shard)
        if self._not_arrived or self.gate_open:
            return []
        self.gate_open = True
        return [(EVERY, ("gate",))]

    # -- run once -----------------------------------------------------------------------
    def _claim(self, shard: int, req: int, key: Any, host: str) -> Outgoing:
        once = self._once.get(key)
        if once is None:
            self._once[key] = _Once(owner=host, shard=shard)
            return [(shard, ("reply", req, ("yours",)))]
        if once.ran_on is None and (once.owner, once.shard) == (host, shard):
            return [(shard, ("reply", req, ("yours",)))]  # claimed again: its shard was run again
        if once.ran_on is not None:
            return [(shard, ("reply", req, ("ran_on", once.ran_on)))]
        once.waiting.append((shard, req))
        return [(shard, ("reply", req, ("wait",)))]

    def _finish(self, key: Any, ran_on: str | None) -> Outgoing:
        once = self._once.get(key)
        if once is None or once.ran_on is not None:
            return []
        once.ran_on = ran_on or once.owner
        waiting, once.waiting = once.waiting, []
        return [(s, ("reply", r, ("ran_on", once.ran_on))) for s, r in waiting]

    # -- serial operations: one host at a time, over every shard -------------------------
    def _lock(self, shard: int, req: int, key: Any) -> Outgoing:
        lock = self._locks.setdefault(key, _Lock())
        if lock.holder is None:
            lock.holder = (shard, req)
            return [(shard, ("reply", req, ("granted",)))]
        lock.queue.append((shard, req))
        return [(shard, ("reply", req, ("wait",)))]

    def _unlock(self, key: Any, who: tuple[int, int]) -> Outgoing:
        lock = self._locks.get(key)
        if lock is None:
            return []
        if lock.holder != who:  # it stopped waiting before its turn came
            lock.queue = deque(w for w in lock.queue if w != who)
            return []
        lock.holder = None
        while lock.queue:
            shard, req = lock.queue.popleft()
            if shard in self.running:
                lock.holder = (shard, req)
                return [(shard, ("reply", req, ("granted",)))]
        return []
