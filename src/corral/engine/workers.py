"""One controller, every core: a run's hosts split over worker processes.

Each worker process runs its shard as one process's run does (its own event loop and
connections: :mod:`corral.engine.shardrun`); this process is the coordinator
(:mod:`corral.engine.coordinator`: the start gate, run-once claims, serial locks, the stop
flag, ``--fail-percent`` over every host) and merges the shards' events into the one
stream, and their hosts' results into the one :class:`RunResult`, a single-process run
gives (hosts in inventory order; events in the order they arrive).

Why processes started with ``python -m`` speaking over a socket pair, not
``multiprocessing``: the controller's event loop reads every link as a stream (no thread
per pipe, no blocking ``recv``); a worker that dies is an end of stream, seen at once; the
worker starts clean (nothing forked from a process holding connections and threads), in a
session of its own (the terminal's Ctrl-C reaches the controller only, which tells each
worker to end its commands as one process's run does, and waits for their reports).

How a worker gets the deploy: it loads the inventory again from where the controller
loaded it (:class:`~corral.model.inventory.InventoryOrigin`) and the deploy files from
their paths (deploy code is Python: it cannot be sent); the config (after ``config.py``
and the flags) is sent as it is. Deploy functions given as Python callables, and
inventories built in Python, run in this process only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from typing import Any

from corral.model.config import Config
from corral.model.errors import BadInput
from corral.model.events import (
    Event,
    HostConnected,
    HostDone,
    OperationDone,
    RunDone,
    RunStarted,
)
from corral.model.inventory import Inventory
from corral.model.results import HostResult, HostStatus, OpResult, RunResult
from corral.model.secrets import key_read

from .coordinator import EVERY, Coordinator, Outgoing
from .runner import RunOptions
from .shardrun import ShardSpec, frame, read_frame

#: a run of fewer hosts per worker than this runs in one process when the number of
#: workers is not given: starting a worker costs about 0.22 s of CPU and 44 MB (importing
#: corral and its SSH library), what about 65 hosts' read-only run costs (docs/scale.md)
MIN_HOSTS_PER_WORKER = 100
#: how long an interrupted run waits for its workers to end their commands and report
CANCEL_GRACE = 30.0


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def why_in_process(inventory: Inventory, deploys: list[Any], config: Config | None) -> str | None:
    """Why this run cannot be split over worker processes (None: it can)."""
    if any(not isinstance(d, str) for d in deploys):
        return ("deploy functions given as Python callables run in this process only "
                "(give deploy files, or one worker)")
    if inventory.origin is None:
        return ("the inventory was built in Python, not loaded: a worker process cannot "
                "load it again (load it from a file or list, or use one worker)")
    try:
        pickle.dumps((inventory.origin, config))
    except Exception as exc:
        return f"the inventory's data or the config cannot be sent to a worker: {exc}"
    return None


def worker_count(requested: int | None, hosts: int, parallel: int, why_not: str | None) -> int:
    """How many worker processes to run: ``requested`` (None: as many as the cores, but
    one per MIN_HOSTS_PER_WORKER hosts at most), never more than the hosts or the hosts
    run at once; 1 is this process alone. Asked for more than one where the run cannot be
    split: bad input, saying why."""
    if requested is not None and requested < 1:
        raise BadInput(f"--workers {requested}: give 1 or more", file="command line")
    if requested == 1:
        return 1
    if requested is None:
        if why_not is not None:
            return 1
        return max(1, min(cores(), hosts // MIN_HOSTS_PER_WORKER, parallel))
    if why_not is not None:
        raise BadInput(f"--workers {requested}: {why_not}", file="command line")
    return max(1, min(requested, hosts, parallel))


def split(names: list[str], count: int) -> list[list[str]]:
    """Hosts dealt in turn over ``count`` shards: each gets as many (within one), and
    the first hosts, which connect first, are spread over every worker."""
    return [names[i::count] for i in range(count)]


@dataclass
class _Shard:
    index: int
    hosts: list[str]
    #: the worker process (None: a task elsewhere, :mod:`corral.engine.cluster`)
    process: asyncio.subprocess.Process | None
    reader: asyncio.StreamReader | None
    writer: asyncio.StreamWriter | None
    finished: bool = False
    interrupted: bool = False
    reported: list[HostResult] = field(default_factory=list)
    #: said before its link was up: sent when it is
    early: list[tuple[Any, ...]] = field(default_factory=list)

    def send(self, message: tuple[Any, ...]) -> None:
        if self.writer is None:
            self.early.append(message)
        elif not self.writer.is_closing():
            self.writer.write(frame(message))

    def linked(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        early, self.early = self.early, []
        for message in early:
            self.send(message)


class WorkerRun:
    """A run of ``inventory``'s active hosts over ``count`` worker processes."""

    def __init__(self, inventory: Inventory, deploy_files: list[Any], options: RunOptions,
                 count: int) -> None:
        self.inventory = inventory
        self.files = [os.path.abspath(str(f)) for f in deploy_files]
        self.options = options
        self.config = options.config or Config()
        self.names = [h.name for h in inventory.get_active_hosts()]
        self._plan(count)
        self.shards: list[_Shard] = []
        self.results: dict[str, HostResult] = {}
        #: operations reported for hosts not ended yet: a lost worker's hosts' records
        self._ops: dict[str, list[OpResult]] = {}
        #: hosts a worker said it connected to (a lost worker's others had sent nothing)
        self._connected: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self.cancelling = False

    def _plan(self, count: int) -> None:
        """The hosts dealt over ``count`` shards, and their coordinator."""
        self.groups = split(self.names, count)
        limit = self.options.fail_percent
        if limit is None:
            limit = self.config.FAIL_PERCENT
        self.coordinator = Coordinator(list(range(count)), len(self.names), limit)

    def emit(self, event: Event) -> None:
        if self.options.on_event is not None:
            self.options.on_event(event)

    # -- starting the workers -----------------------------------------------------------
    def _spec(self, hosts: list[str]) -> ShardSpec:
        parallel = self.options.parallel or self.config.PARALLEL
        at_once = max(1, self.config.CONNECT_CONCURRENCY)
        total = len(self.names)
        share = len(hosts) / total
        options = replace(
            self.options, on_event=None, fail_percent=None, config=self.config,
            shard=frozenset(hosts),
            slots=max(1, round(parallel * share)), connecting=max(1, round(at_once * share)))
        # corral's own names (the package above this layer): read, not imported
        top = sys.modules["corral"]
        logger = logging.getLogger("corral")
        level = logger.level if logger.handlers else None
        return ShardSpec(
            origin=self.inventory.origin,  # type: ignore[arg-type]  # checked: why_in_process
            run_hosts=tuple(self.names), shard=tuple(hosts), deploy_files=tuple(self.files),
            options=options, sys_path=tuple(sys.path), is_cli=bool(getattr(top, "is_cli", False)),
            log_level=level)

    async def _start(self, index: int, hosts: list[str]) -> _Shard:
        ours, theirs = socket.socketpair()
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-P", "-m", "corral.engine.worker", str(theirs.fileno()),
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL,
                start_new_session=True)
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        shard = _Shard(index, hosts, process, reader, writer)
        shard.send(("start", self._spec(hosts)))
        return shard

    # -- what the workers say ---------------------------------------------------------
    def _send(self, out: Outgoing) -> None:
        for index, message in out:
            targets = self.shards if index == EVERY else [self.shards[index]]
            for shard in targets:
                if index == EVERY and shard.index not in self.coordinator.running:
                    continue
                shard.send(message)

    def _event(self, event: Event) -> None:
        if isinstance(event, HostConnected):
            self._connected.add(event.host)
        elif isinstance(event, OperationDone):
            self._ops.setdefault(event.result.host, []).append(event.result)
        elif isinstance(event, HostDone):
            self.results[event.result.host] = event.result
            self._ops.pop(event.result.host, None)
            self._send(self.coordinator.host_done(event.result))
        self.emit(event)

    async def _listen(self, shard: _Shard) -> None:
        if await self._link(shard):
            await self._read(shard)
        why = await self._end(shard)
        for result in shard.reported:  # hosts interrupted before they ended
            self.results.setdefault(result.host, result)
        if shard.finished:
            self._send(self.coordinator.ended(shard.index))
        else:
            self._send(self._lost(shard, why))

    def _watch(self, shard: _Shard) -> None:
        self.shards.append(shard)
        self._tasks.append(asyncio.create_task(self._listen(shard)))

    async def _link(self, shard: _Shard) -> bool:
        """Wait for the shard's link (a local worker's is up from its start)."""
        return True

    async def _end(self, shard: _Shard) -> str:
        """Wait for the shard's worker to end: why it ended, if it did not report."""
        assert shard.process is not None
        code = await shard.process.wait()
        why = f"signal {-code}" if code < 0 else f"exit code {code}"
        return f"worker lost: its process ended ({why})"

    async def _read(self, shard: _Shard) -> None:
        assert shard.reader is not None and shard.writer is not None
        try:
            while True:
                message = await read_frame(shard.reader)
                kind = message[0]
                if kind == "event":
                    self._event(message[1])
                elif kind == "vault_read":  # a key the shard read: this process audits it
                    key_read(message[1])
                elif kind == "done":
                    shard.finished = True
                    shard.reported = list(message[1])
                    shard.interrupted = bool(message[2])
                    break
                else:
                    self._send(self.coordinator.handle(shard.index, message))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        shard.writer.close()

    def _lost(self, shard: _Shard, why: str) -> Outgoing:
        """A worker ended without its report (killed, or crashed): each of its hosts that
        had not ended failed, with the operations it was known to have done."""
        self._fail(shard.hosts, why)
        return self.coordinator.ended(shard.index, lost=True)

    def _fail(self, hosts: list[str], why: str) -> None:
        for name in hosts:
            if name in self.results:
                continue
            ops = tuple(self._ops.pop(name, ()))
            if self.cancelling:
                status, error = HostStatus.INTERRUPTED, "interrupted"
            else:
                status, error = HostStatus.FAILED, why
            self._event(HostDone(HostResult(host=name, status=status, operations=ops,
                                            error=error)))

    # -- the run --------------------------------------------------------------------------
    async def execute(self) -> RunResult:
        started = time.monotonic()
        self.emit(RunStarted(tuple(self.names), self.options.dry))
        interrupted = False
        try:
            await self._start_all()
            await self._wait()
        except asyncio.CancelledError:
            interrupted = True
            await self._cancel()
        finally:
            await self._close()
        interrupted = interrupted or any(s.interrupted for s in self.shards)
        if self.coordinator.bad_input is not None:
            raise self.coordinator.bad_input
        hosts = tuple(self.results.get(n) or HostResult(n, HostStatus.INTERRUPTED,
                                                        error="interrupted")
                      for n in self.names)
        result = RunResult(hosts=hosts, dry=self.options.dry, interrupted=interrupted,
                           duration=time.monotonic() - started)
        self.emit(RunDone(result))
        return result

    async def _start_all(self) -> None:
        for shard in await asyncio.gather(
                *(self._start(i, hosts) for i, hosts in enumerate(self.groups))):
            self._watch(shard)

    async def _wait(self) -> None:
        """Until every shard has ended (a lost shard's hosts may run again as a new one)."""
        while pending := [t for t in self._tasks if not t.done()]:
            await asyncio.wait(pending)

    async def _close(self) -> None:
        """What the transport holds once the run is over (nothing, for local workers)."""

    def _kill(self, shard: _Shard) -> None:
        if shard.process is not None:
            with contextlib.suppress(ProcessLookupError):
                shard.process.send_signal(signal.SIGKILL)

    async def _cancel(self) -> None:
        """Interrupted: every worker ends the commands it is running and reports (as one
        process's run does); one that has not within CANCEL_GRACE is killed."""
        self.cancelling = True
        for shard in self.shards:
            shard.send(("cancel",))
        deadline = time.monotonic() + CANCEL_GRACE
        while True:
            left = deadline - time.monotonic()
            pending = [t for t in self._tasks if not t.done()]
            if not pending:
                return
            if left <= 0:
                for shard in self.shards:
                    self._kill(shard)
                with contextlib.suppress(asyncio.CancelledError):
                    await self._wait()
                return
            with contextlib.suppress(asyncio.CancelledError):
                # a second interrupt does not cut the workers' ending short
                await asyncio.wait(pending, timeout=left)
