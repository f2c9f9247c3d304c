"""Past one machine: a run's shards as tasks on Dask distributed workers
(``corral --cluster tcp://HOST:8786``, ``api.arun(..., cluster=URL)``).

The controller is the same as for local worker processes (:mod:`corral.engine.workers`):
it keeps the coordinator (:mod:`corral.engine.coordinator`) and merges events and results
into the one output. What differs is how a shard starts and how it talks:

- The deploy's files go to the workers as one archive of the project directory (the
  common directory of the deploy files, the inventory file and the group data; version
  control and virtual environments left out), scattered once through Dask and unpacked by
  each task in a directory of its own. An archive rather than ``upload_file``: a deploy
  needs more than importable modules (templates, files it uploads, ``group_data/``), and
  each run's copy is its own (a long-lived Dask worker keeps no stale module of an
  earlier run: each shard is a fresh process).
- Each task starts ``python -P -m corral.engine.worker connect HOST PORT COPY`` in its
  copy and leaves Dask's thread pool (``secede``: a shard waits on the others at the
  start gate, so every shard must run at once, whatever the workers' threads). That
  process opens a TCP link straight to the controller, which listens on the address it
  reaches the scheduler from: the frames of the local workers' links (a length, a
  pickle), the first 32 bytes a token the controller gave that task alone (nothing is
  unpickled from a link before its token matched; a token is used once, so a task Dask
  runs again on its own finds its link refused). Events go up as they happen, without a
  round trip through the scheduler per event.
- A task's process watches its standard input, a pipe from its Dask worker: when that
  worker dies (``kill -9``), the shard's process ends at once, its link with it.
- A lost shard (its link ended without its report, or its task never linked): its hosts
  that had not started (the start gate not yet passed, or never connected) run again as
  a new shard on another worker (:meth:`Coordinator.retried`); the others are reported
  failed, "worker lost", with the operations it was known to have done: they may have
  run.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from corral.model.errors import BadInput
from corral.model.inventory import Inventory
from corral.model.results import RunResult

from .coordinator import Outgoing
from .runner import RunOptions
from .shardrun import ShardSpec
from .workers import WorkerRun, _Shard

#: the largest project archive sent to the workers (compressed)
MAX_ARCHIVE = 200 * 2**20
#: not carried to the workers: version control, caches, virtual environments
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "venv", ".tox",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules"})
#: how long a task may take to link up before its shard counts as lost
START_TIMEOUT = 120.0
#: how many times a host that had not started runs again after its worker was lost
RETRIES = 2
TOKEN_BYTES = 32
CONNECT_TIMEOUT = 10.0


# -- the project directory, shipped ----------------------------------------------------
def project_root(spec: ShardSpec) -> str:
    """The directory the workers get a copy of: the common directory of the deploy
    files, the inventory file, the group data directories given, and ``group_data/`` in
    the working directory if there is one."""
    origin = spec.origin
    places = [os.path.dirname(f) for f in spec.deploy_files]
    inventory = os.path.join(origin.cwd, origin.spec)
    if os.path.isfile(inventory):
        places.append(os.path.dirname(os.path.abspath(inventory)))
    places += [os.path.abspath(os.path.join(origin.cwd, g)) for g in origin.group_data]
    if os.path.isdir(os.path.join(origin.cwd, "group_data")):
        places.append(origin.cwd)
    root = os.path.commonpath([os.path.realpath(p) for p in places or [origin.cwd]])
    if root == os.path.dirname(root):
        raise BadInput(f"--cluster: the deploy files and the inventory have no common "
                       f"directory but {root}: put them under one project directory "
                       f"(it is what the workers are sent)", file="command line")
    return root


def absolute(spec: ShardSpec) -> ShardSpec:
    """``spec`` with the inventory file and the group data as absolute real paths (the
    worker's working directory may be elsewhere in its copy)."""
    origin = spec.origin
    inventory = os.path.join(origin.cwd, origin.spec)
    if os.path.isfile(inventory):
        origin = replace(origin, spec=os.path.realpath(inventory))
    origin = replace(origin, cwd=os.path.realpath(origin.cwd), group_data=tuple(
        os.path.realpath(os.path.join(origin.cwd, g)) for g in origin.group_data))
    options = spec.options
    if options.deploy_dir is not None:
        options = replace(options, deploy_dir=os.path.realpath(options.deploy_dir))
    return replace(spec, origin=origin, options=options,
                   deploy_files=tuple(os.path.realpath(f) for f in spec.deploy_files),
                   sys_path=tuple(os.path.realpath(p) if os.path.isabs(p) else p
                                  for p in spec.sys_path))


def pack(root: str) -> bytes:
    """The project directory as a gzipped tar, in a stable order (links to files carried
    as the files; the directories in SKIP_DIRS left out)."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", dereference=True) as tar:
        for top, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for name in sorted(files):
                path = os.path.join(top, name)
                if not os.path.isfile(path) or name.endswith(".pyc"):
                    continue  # a broken link, a socket
                tar.add(path, arcname=os.path.relpath(path, root), recursive=False)
                if out.tell() > MAX_ARCHIVE:
                    raise BadInput(f"--cluster: the project directory {root} is over "
                                   f"{MAX_ARCHIVE // 2**20} MB compressed (it is what the "
                                   f"workers are sent)", file="command line")
    return out.getvalue()


def unpack(data: bytes, into: str) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(into, filter="data")  # nothing outside ``into``, no devices


# -- on a Dask worker -------------------------------------------------------------------
def run_shard(archive: bytes, host: str, port: int, token: bytes) -> int:
    """The Dask task of one shard: a copy of the project, and in it a corral worker
    process that links up to the controller; its exit code."""
    with contextlib.suppress(ImportError, ValueError):  # ValueError: not on a worker
        from distributed import secede

        secede()  # type: ignore[no-untyped-call]  # every shard runs at once
    copy = tempfile.mkdtemp(prefix="corral-shard-")
    try:
        unpack(archive, copy)
        proc = subprocess.Popen(
            [sys.executable, "-P", "-m", "corral.engine.worker", "connect", host, str(port),
             copy], cwd=copy, stdin=subprocess.PIPE, start_new_session=True)
        assert proc.stdin is not None
        # the token on its input, not its command line (which others can read); the pipe
        # stays open: its end tells the process this worker is gone
        proc.stdin.write(token.hex().encode() + b"\n")
        proc.stdin.flush()
        code = proc.wait()
        proc.stdin.close()
        return code
    finally:
        shutil.rmtree(copy, ignore_errors=True)


# -- on the controller -----------------------------------------------------------------
def scheduler_address(url: str) -> str:
    return url if "://" in url else f"tcp://{url}"


def controller_address(url: str) -> str:
    """The address of this machine the scheduler is reached from: the workers reach the
    controller there (no packet is sent to find it)."""
    parts = urlsplit(scheduler_address(url))
    if parts.hostname is None:
        raise BadInput(f"--cluster {url}: give the scheduler's address, "
                       f"tcp://HOST:PORT", file="command line")
    try:
        family, kind, proto, _, where = socket.getaddrinfo(
            parts.hostname, parts.port or 8786, type=socket.SOCK_DGRAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.connect(where)
            return str(probe.getsockname()[0])
    except OSError as exc:
        raise BadInput(f"--cluster {url}: {exc}", file="command line") from None


def _keepalive(writer: asyncio.StreamWriter) -> None:
    """A worker's machine gone (no end of stream sent): its link ends within about 30 s."""
    sock = writer.get_extra_info("socket")
    if sock is None:
        return
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 15), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, name):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


@dataclass(eq=False)
class _TaskShard(_Shard):
    worker: str = ""
    token: bytes = b""
    future: Any = None
    link_up: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]] | None = None
    why: str | None = None


class ClusterRun(WorkerRun):
    """A run of ``inventory``'s active hosts over tasks on the Dask cluster at ``url``:
    ``count`` shards (None: as many as the workers' threads, never more than the hosts or
    the hosts run at once)."""

    def __init__(self, inventory: Inventory, deploy_files: list[Any], options: RunOptions,
                 url: str, count: int | None = None) -> None:
        super().__init__(inventory, deploy_files, options, 1)
        self.url = scheduler_address(url)
        self.requested = count
        self.client: Any = None
        self.server: asyncio.Server | None = None
        self.address = ("", 0)
        self.archive: Any = None  # the archive, scattered
        self.root = ""
        self._waiting: dict[bytes, _TaskShard] = {}
        self._lost_workers: set[str] = set()
        self._attempts: dict[str, int] = {}
        #: the workers shards are placed on, in turn (a worker as often as its threads)
        self._places: list[str] = []
        self._cancels: list[asyncio.Future[Any]] = []

    async def execute(self) -> RunResult:
        try:
            from distributed import Client
        except ImportError:
            raise BadInput("--cluster needs Dask distributed on this machine and the "
                           "workers (pip install 'corral[cluster]')",
                           file="command line") from None
        probe = self._spec(self.names)
        self.root = project_root(absolute(probe))
        archive = pack(self.root)
        here = controller_address(self.url)
        try:
            self.client = await Client(self.url, asynchronous=True,  # type: ignore[no-untyped-call]
                                       timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            raise BadInput(f"--cluster {self.url}: no Dask scheduler answers there ({exc})",
                           file="command line") from None
        try:
            workers = await self._workers()
            if not workers:
                raise BadInput(f"--cluster {self.url}: the scheduler has no workers",
                               file="command line")
            threads = sum(max(1, int(w.get("nthreads", 1))) for w in workers.values())
            parallel = self.options.parallel or self.config.PARALLEL
            count = self.requested if self.requested and self.requested > 1 else threads
            self._plan(max(1, min(count, len(self.names), parallel)))
            self.server = await asyncio.start_server(self._accept, host=here, port=0)
            self.address = self.server.sockets[0].getsockname()[:2]
            self.archive = await self.client.scatter(archive, broadcast=True, hash=False)
            self._places = [a for _ in range(max(int(w.get("nthreads", 1))
                                                for w in workers.values()))
                           for a, w in sorted(workers.items())
                           if int(w.get("nthreads", 1)) > _]
            return await super().execute()
        finally:
            if self.server is not None:
                self.server.close()
            for shard in self.shards:
                self._drop(shard)
            with contextlib.suppress(Exception):  # the scheduler may be gone: closing anyway
                await asyncio.gather(*self._cancels)
            await self.client.close()

    async def _workers(self) -> dict[str, dict[str, Any]]:
        info = await self.client.scheduler.identity(n_workers=-1)
        return {a: w for a, w in dict(info.get("workers", {})).items()
                if a not in self._lost_workers}

    # -- starting a shard ----------------------------------------------------------------
    def _spec(self, hosts: list[str]) -> ShardSpec:
        spec = absolute(super()._spec(hosts))
        return replace(spec, project_root=self.root or None)

    async def _start(self, index: int, hosts: list[str]) -> _Shard:
        return self._task(index, hosts, self._places[index % len(self._places)])

    def _task(self, index: int, hosts: list[str], worker: str) -> _TaskShard:
        token = secrets.token_bytes(TOKEN_BYTES)
        shard = _TaskShard(index, hosts, None, None, None, worker=worker, token=token,
                           link_up=asyncio.get_running_loop().create_future())
        shard.send(("start", self._spec(hosts)))
        self._waiting[token] = shard
        shard.future = self.client.submit(
            run_shard, self.archive, self.address[0], self.address[1], token,
            key=f"corral-shard-{index}-{token[:6].hex()}", workers=[worker],
            allow_other_workers=False, pure=False)
        return shard

    async def _accept(self, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        try:
            token = await asyncio.wait_for(reader.readexactly(TOKEN_BYTES), 10)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            writer.close()
            return
        shard = self._waiting.pop(token, None)
        if shard is None or shard.link_up is None or shard.link_up.done():
            writer.close()  # not a task of this run, or one run again by Dask on its own
            return
        _keepalive(writer)
        shard.link_up.set_result((reader, writer))

    async def _link(self, shard: _Shard) -> bool:
        assert isinstance(shard, _TaskShard) and shard.link_up is not None
        began = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                reader, writer = await asyncio.wait_for(asyncio.shield(shard.link_up), 1.0)
                shard.linked(reader, writer)
                return True
            if shard.future.done():
                what = shard.future.status
                if what == "error":
                    with contextlib.suppress(Exception):
                        what = f"{what}: {await shard.future.exception()!r}"
                shard.why = f"its task ended before it linked up ({what})"
            elif shard.worker not in await self._workers():
                shard.why = f"its Dask worker {shard.worker} left before the task started"
            elif time.monotonic() - began > START_TIMEOUT:
                shard.why = f"its task did not start within {START_TIMEOUT:g}s"
            elif self.cancelling:
                shard.why = "interrupted before its task started"
            if shard.why is not None:
                self._waiting.pop(shard.token, None)
                return False

    async def _end(self, shard: _Shard) -> str:
        assert isinstance(shard, _TaskShard)
        if not shard.finished:
            self._lost_workers.add(shard.worker)
            self._drop(shard)
        return "worker lost: " + (shard.why or f"the link from its Dask worker "
                                  f"{shard.worker} ended")

    def _drop(self, shard: _Shard) -> None:
        """Let go of a shard's task: its link closed (its process ends its commands and
        ends), its future released (Dask does not run it again)."""
        assert isinstance(shard, _TaskShard)
        self._waiting.pop(shard.token, None)
        if shard.writer is not None:
            shard.writer.close()
        if shard.future is not None and not shard.future.done():
            self._cancels.append(asyncio.ensure_future(self.client.cancel([shard.future])))

    def _kill(self, shard: _Shard) -> None:
        self._drop(shard)

    # -- a lost shard ----------------------------------------------------------------------
    def _lost(self, shard: _Shard, why: str) -> Outgoing:
        """Its hosts that had not started run again on another worker; the others failed
        (they may have run)."""
        left = [h for h in shard.hosts if h not in self.results]
        if self.coordinator.gate_open:
            fresh = [h for h in left if h not in self._connected and h not in self._ops]
        else:
            fresh = left
        started = [h for h in left if h not in fresh]
        self._fail(started, f"{why}; it may have run")
        again = [h for h in fresh if self._attempts.get(h, 0) < RETRIES]
        if self.cancelling or self.coordinator.stopping or not again:
            self._fail(fresh, f"{why}; it had not started")
            return self.coordinator.ended(shard.index, lost=True)
        alive = [w for w in dict.fromkeys(self._places) if w not in self._lost_workers]
        if not alive:
            self._fail(fresh, f"{why}; no other Dask worker to run it on")
            return self.coordinator.ended(shard.index, lost=True)
        self._fail([h for h in fresh if h not in again], f"{why}; run {RETRIES} times")
        for name in again:
            self._attempts[name] = self._attempts.get(name, 0) + 1
            # what it did before the gate (no change) it does again: its record is the
            # new shard's
            self._ops.pop(name, None)
            self._connected.discard(name)
        running = [s.worker for s in self.shards
                   if isinstance(s, _TaskShard) and s.index in self.coordinator.running]
        worker = min(alive, key=running.count)
        new = self._task(len(self.shards), again, worker)
        self._watch(new)
        return self.coordinator.retried(shard.index, new.index, set(again))
