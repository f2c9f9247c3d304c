"""A run: one asyncio task per host, a semaphore for parallelism, one place for deadlines,
cancellation and failure accounting."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from corral.connectors.base import Connector, connector_class
from corral.connectors.early import EarlySockets
from corral.model.config import Config
from corral.model.context import current_run
from corral.model.errors import BadInput, ConnectError, CorralError
from corral.model.events import (
    Event,
    HostConnected,
    HostDone,
    HostUnreachable,
    OperationDone,
    RunDone,
    RunStarted,
)
from corral.model.host import Host
from corral.model.inventory import Inventory
from corral.model.results import HostResult, OperationMeta, RunResult
from corral.model.state import State

from .batching import StepCache
from .greenlets import run_sync
from .hostrun import HostAborted, HostRun
from .limits import raise_open_files

Deploy = Callable[[], None]


@dataclass
class RunOptions:
    dry: bool = False
    parallel: int | None = None
    fail_percent: int | None = None
    wave_timeout: float | None = None
    connect_timeout: float | None = None
    on_event: Callable[[Event], None] | None = None
    config: Config | None = None
    deploy_dir: str | None = None
    #: run only these of the inventory's active hosts (a shard of a run split over worker
    #: processes); deploy code still sees the run's every host. None: all of them
    shard: frozenset[str] | None = None
    #: hosts at once and handshakes at once in this process, when not the config's (a
    #: shard's share of the run's PARALLEL and CONNECT_CONCURRENCY)
    slots: int | None = None
    connecting: int | None = None


class Run:
    """Runs deploy code on every host of an inventory."""

    def __init__(self, inventory: Inventory, deploys: list[Deploy], options: RunOptions) -> None:
        self.inventory = inventory
        self.deploys = deploys
        self.options = options
        config = options.config or Config()
        if options.parallel and options.parallel != config.PARALLEL:
            # deploy code reads the run's parallelism as ``config.PARALLEL``; the caller's
            # config is its own and stays as it was given
            config = config.copy()
            config.PARALLEL = options.parallel
        self.config = config
        #: what deploy code reads as ``state`` (the working directory as the run starts)
        self.state = State(inventory, self.config)
        self.dry = options.dry
        self.wave_timeout = options.wave_timeout or self.config.WAVE_TIMEOUT
        self.stopping = False
        #: the steps reading facts, made once for all this run's hosts
        self.steps = StepCache()
        self.bad_input: BadInput | None = None
        active = inventory.get_active_hosts()
        #: every host of the run, this process's or another shard's (``other.get_fact``)
        self._run_hosts = {id(h) for h in active}
        shard = options.shard
        self.hosts = [HostRun(self, h) for h in active if shard is None or h.name in shard]
        self._not_arrived = {id(h) for h in self.hosts}
        self._gate = asyncio.Event()
        self._parallel = options.slots or self.config.PARALLEL
        self._slots = asyncio.Semaphore(self._parallel)
        self._holding: set[int] = set()
        self._connect_at_once = max(1, options.connecting or self.config.CONNECT_CONCURRENCY)
        self._connecting = asyncio.Semaphore(self._connect_at_once)
        self._once: dict[Any, asyncio.Future[str]] = {}
        self._once_owner: dict[Any, str] = {}
        self._locks: dict[Any, asyncio.Lock] = {}
        #: TCP connections opened as the run starts, for the hosts that connect at once
        self._early = EarlySockets()
        if options.deploy_dir:
            for h in inventory:
                h.data.set_default("_deploy_dir", options.deploy_dir)

    # -- events ----------------------------------------------------------------------
    def emit(self, event: Event) -> None:
        if self.options.on_event is not None:
            self.options.on_event(event)

    def op_done(self, meta: OperationMeta) -> None:
        if meta.result is not None:
            self.emit(OperationDone(meta.result))

    # -- the start gate: no host changes anything before every host has gone as far as it
    #    can without changing anything (its deploy code has ended, or it is about to run
    #    commands, or it waits on another host or for a slot), so bad input found on any
    #    host stops the run untouched.
    def _arrive(self, hr: HostRun) -> None:
        self._not_arrived.discard(id(hr))
        if not self._not_arrived:
            self._gate.set()

    async def before_change(self, hr: HostRun) -> None:
        self._arrive(hr)
        await self._gate.wait()
        if self.bad_input is not None or self.stopping:
            raise HostAborted()

    async def connect(self, hr: HostRun) -> Connector:
        if self.bad_input is not None or self.stopping:
            raise HostAborted()
        if id(hr) not in self._holding:
            if self._slots.locked():
                self._arrive(hr)  # waiting for a slot: as far as this host can go for now
            await self._slots.acquire()
            self._holding.add(id(hr))
        host = hr.host
        conn = connector_class(host.connector)(host)
        early = self._early.take(host)
        if early is not None:
            conn.adopt(early)
        # the host's own config: its deploy code may have set CONNECT_TIMEOUT (the
        # connection is made once its code needs the host)
        timeout = self.options.connect_timeout or getattr(
            hr.config, "CONNECT_TIMEOUT", self.config.CONNECT_TIMEOUT)
        try:
            async with self._connecting:
                await asyncio.wait_for(conn.connect(), timeout)
        except TimeoutError:
            raise ConnectError(f"connecting timed out after {timeout:g}s") from None
        self.emit(HostConnected(host.name))
        return conn

    async def connect_to(self, host: Host) -> Connector:
        """A connection of its own to ``host``, for another host's deploy code reading its
        facts (``other.get_fact``): outside the run's slots (it changes nothing); the
        handshakes under way at once are bounded as every host's are."""
        conn = connector_class(host.connector)(host)
        timeout = self.options.connect_timeout or self.config.CONNECT_TIMEOUT
        try:
            async with self._connecting:
                await asyncio.wait_for(conn.connect(), timeout)
        except TimeoutError:
            raise ConnectError(f"connecting timed out after {timeout:g}s") from None
        return conn

    def has_host(self, host: Host) -> bool:
        return id(host) in self._run_hosts

    # -- cross-host edges ------------------------------------------------------------
    async def claim_once(self, key: Any, hr: HostRun) -> str | None:
        """None if this host runs the operation; else, once it has run, where it ran."""
        fut = self._once.get(key)
        if fut is None:
            self._once[key] = asyncio.get_running_loop().create_future()
            self._once_owner[key] = hr.host.name
            return None
        self._arrive(hr)  # waiting on another host: this one is as far as it can go
        return await asyncio.shield(fut)

    def finish_once(self, key: Any) -> None:
        fut = self._once.get(key)
        if fut is not None and not fut.done():
            fut.set_result(self._once_owner[key])

    @contextlib.asynccontextmanager
    async def serial_lock(self, key: Any, hr: HostRun) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        if lock.locked():
            self._arrive(hr)
        async with lock:
            yield

    # -- hosts -------------------------------------------------------------------------
    async def _connect_early(self, hr: HostRun) -> None:
        """Start connecting while the deploy code plans, if a slot is free now (taking it
        does not wait): the handshake's round trips and the host's side of it overlap the
        planning. A host that must wait for a slot connects when its code needs it."""
        if self._slots.locked() or self.bad_input is not None or self.stopping:
            return
        await self._slots.acquire()  # free: returns at once
        self._holding.add(id(hr))
        hr.connect_early(asyncio.ensure_future(self.connect(hr)))

    async def _host_task(self, hr: HostRun) -> HostResult:
        try:
            await self._connect_early(hr)
            for deploy in self.deploys:
                await run_sync(hr.run_deploy, deploy)
            hr.code_done = True
            await hr.flush()
        except HostAborted:
            pass
        except BadInput as exc:
            self.stop(exc.with_context(host=hr.host.name))
        except ConnectError as exc:
            hr.unreachable = str(exc)
            self.emit(HostUnreachable(hr.host.name, str(exc)))
        except CorralError as exc:
            hr.failed = str(exc)
        except Exception as exc:  # a bug somewhere below: this host fails, the run goes on
            hr.failed = f"internal error: {type(exc).__name__}: {exc}"
        finally:
            self._arrive(hr)
            await self._release(hr)
        hr.done = True
        result = hr.result()
        self._check_fail_percent()
        self.emit(HostDone(result))
        return result

    async def _release(self, hr: HostRun) -> None:
        await hr.close(_finish)
        if id(hr) in self._holding:
            self._holding.discard(id(hr))
            self._slots.release()

    def stop(self, bad_input: BadInput | None = None) -> None:
        """Stop the run: no host starts anything more; with bad input (the first is
        kept), the run raises it once every host has ended."""
        if bad_input is not None and self.bad_input is None:
            self.bad_input = bad_input
        self.stopping = True

    def _check_fail_percent(self) -> None:
        limit = self.options.fail_percent
        if limit is None:
            limit = self.config.FAIL_PERCENT
        if limit is None:
            return
        bad = sum(1 for h in self.hosts if h.failed or h.unreachable)
        if bad and 100 * bad / len(self.hosts) > limit:
            self.stop()

    async def execute(self) -> RunResult:
        started = time.monotonic()
        token = current_run.set(self)
        self.emit(RunStarted(tuple(h.host.name for h in self.hosts), self.dry))
        raise_open_files(min(self._parallel, len(self.hosts)))
        at_once = min(self._parallel, self._connect_at_once)
        self._early.open([hr.host for hr in self.hosts[:at_once]])
        tasks = [asyncio.create_task(self._host_task(hr)) for hr in self.hosts]
        interrupted = False
        try:
            results = await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            interrupted = True
            self.stopping = True
            # the first host task that ended cancelled ended the gather: the others may
            # be closing their connections already (ending their remote commands), and a
            # second cancel must not cut that short
            for t in tasks:
                if not t.done() and not t.cancelling():
                    t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            results = [hr.result() for hr in self.hosts]
        finally:
            self._early.close()
            current_run.reset(token)
        if self.bad_input is not None:
            raise self.bad_input
        result = RunResult(hosts=tuple(results), dry=self.dry, interrupted=interrupted,
                           duration=time.monotonic() - started)
        self.emit(RunDone(result))
        return result


async def _finish(cleanup: Coroutine[Any, Any, None]) -> None:
    """Run a cleanup to its end even if the task awaiting it is cancelled meanwhile (an
    interrupted run ends the remote commands while it closes the connections); a cleanup
    bounds its own time (connectors' close() waits at most a few seconds). Its errors are
    dropped: the host's result is already known."""
    task = asyncio.ensure_future(cleanup)
    while True:
        try:
            await asyncio.shield(task)
            return
        except asyncio.CancelledError:
            if task.done():
                return
        except Exception:
            return
