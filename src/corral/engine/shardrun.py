"""A worker's side of a run split over processes: its shard of the hosts runs as one
process's run does (:class:`~corral.engine.runner.Run`), but the edges between hosts (the
start gate, run-once claims, serial locks, the stop flag, ``--fail-percent``) are the
coordinator's (:mod:`corral.engine.coordinator`), asked over the worker's link, and its
events go up the link to the controller's output.

The link is a stream of frames: a 4-byte big-endian length, then a pickle. Both ends are
the same corral on the same machine, started by the controller (nothing else writes to
the socket), so pickle carries events and results exactly, without a schema to keep.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import logging
import os
import pickle
import shutil
import socket
import struct
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from corral.model.errors import BadInput
from corral.model.events import Event, RunDone, RunStarted
from corral.model.inventory import InventoryOrigin
from corral.model.secrets import on_read

from .hostrun import HostRun
from .loader import DeployFile, error_location, load_inventory
from .runner import Run, RunOptions

_LENGTH = struct.Struct(">I")


def frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(data)) + data


async def read_frame(reader: asyncio.StreamReader) -> Any:
    """The next message; IncompleteReadError at the end of the stream."""
    (size,) = _LENGTH.unpack(await reader.readexactly(_LENGTH.size))
    return pickle.loads(await reader.readexactly(size))


@dataclass(frozen=True)
class ShardSpec:
    """What a worker needs to run its shard: where the inventory and the deploy files are
    (it loads them itself: deploy code is Python, not data), the hosts of the run and its
    own, and the run's options."""

    origin: InventoryOrigin
    run_hosts: tuple[str, ...]
    shard: tuple[str, ...]
    deploy_files: tuple[str, ...]
    options: RunOptions  # on_event is None: events go up the link
    sys_path: tuple[str, ...]
    is_cli: bool
    log_level: int | None
    #: the controller's project directory, where the paths above are (a shard on another
    #: machine is given a copy of it: :func:`relocate`); None: the same machine's files
    project_root: str | None = None


def relocate(spec: ShardSpec, copy: str, own_path: list[str]) -> ShardSpec:
    """``spec`` for a worker whose copy of the project directory is ``copy``: every path
    under the controller's project directory moved under the copy; the import path is the
    project's entries (moved) before this process's own (the controller's others, its
    virtual environment, mean nothing here)."""
    root = spec.project_root
    if root is None:
        return spec

    def inside(path: str) -> bool:
        return os.path.isabs(path) and (path == root or path.startswith(root.rstrip("/") + "/"))

    def move(path: str) -> str:
        return copy + path[len(root):] if inside(path) else path

    origin = spec.origin
    cwd = move(origin.cwd) if inside(origin.cwd) else copy
    moved_origin = replace(origin, spec=move(origin.spec), cwd=cwd,
                           group_data=tuple(move(g) for g in origin.group_data))
    options = spec.options
    if options.deploy_dir is not None:
        options = replace(options, deploy_dir=move(options.deploy_dir))
    project_path = [move(p) for p in spec.sys_path if inside(p)]
    return replace(spec, origin=moved_origin, options=options,
                   deploy_files=tuple(move(f) for f in spec.deploy_files),
                   sys_path=tuple(project_path + [p for p in own_path
                                                  if p not in project_path]),
                   project_root=None)


class Link:
    """The worker's end of its link: messages up (written together once per turn of the
    event loop), requests answered by the coordinator, and what it says down."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self._out: list[bytes] = []
        self._requests: dict[int, asyncio.Queue[tuple[Any, ...]]] = {}
        self._next = 0

    def send(self, message: tuple[Any, ...]) -> None:
        if not self._out:
            asyncio.get_running_loop().call_soon(self._flush)
        self._out.append(frame(message))

    def _flush(self) -> None:
        out, self._out = self._out, []
        if out and not self.writer.is_closing():
            self.writer.write(b"".join(out))

    async def drain(self) -> None:
        self._flush()
        with contextlib.suppress(ConnectionError):
            await self.writer.drain()

    def request(self, message: tuple[Any, ...]) -> tuple[int, asyncio.Queue[tuple[Any, ...]]]:
        """Send ``message`` with a new request number in second place; the answers come
        in the queue."""
        self._next += 1
        req = self._next
        queue: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
        self._requests[req] = queue
        self.send((message[0], req, *message[1:]))
        return req, queue

    def answer(self, req: int, answer: tuple[Any, ...]) -> None:
        queue = self._requests.get(req)
        if queue is not None:
            queue.put_nowait(answer)

    def forget(self, req: int) -> None:
        self._requests.pop(req, None)


class ShardRun(Run):
    """One shard of a run: its hosts, the run's edges asked of the coordinator."""

    def __init__(self, inventory: Any, deploys: list[Any], options: RunOptions,
                 link: Link, deploy_files: tuple[str, ...] = ()) -> None:
        super().__init__(inventory, deploys, options)
        self.link = link
        self._deploy_files = deploy_files
        self._said_arrived = False

    def emit(self, event: Event) -> None:
        if isinstance(event, RunStarted | RunDone):  # the controller's, for the whole run
            return
        self.link.send(("event", _restored(event) if _home is not None else event))

    def _arrive(self, hr: HostRun) -> None:
        self._not_arrived.discard(id(hr))
        if not self._not_arrived and not self._said_arrived:
            self._said_arrived = True
            self.link.send(("arrived",))

    def open_gate(self) -> None:
        self._gate.set()

    def stop(self, bad_input: BadInput | None = None) -> None:
        first = bad_input is not None and self.bad_input is None
        super().stop(bad_input)
        if first and bad_input is not None:
            # said before this host arrives at the gate: the coordinator stops every
            # shard before it can open the gate
            self.link.send(("bad_input", _portable(bad_input, self._deploy_files)))

    def _check_fail_percent(self) -> None:
        """Counted by the coordinator over every shard's hosts."""

    async def claim_once(self, key: Any, hr: HostRun) -> str | None:
        req, answers = self.link.request(("claim", _shared(key), hr.host.name))
        try:
            answer = await answers.get()
            if answer[0] == "yours":
                return None
            if answer[0] == "wait":
                self._arrive(hr)  # waiting on another host: as far as this one can go
                answer = await answers.get()
            return str(answer[1])
        finally:
            self.link.forget(req)

    def finish_once(self, key: Any) -> None:
        self.link.send(("finish", _shared(key)))

    @contextlib.asynccontextmanager
    async def serial_lock(self, key: Any, hr: HostRun) -> AsyncIterator[None]:
        key = _shared(key)
        req, answers = self.link.request(("lock", key))
        try:
            answer = await answers.get()
            if answer[0] == "wait":
                self._arrive(hr)
                await answers.get()
            yield
        finally:
            # its turn is over, or it stopped waiting (cancelled): either way, let go
            self.link.forget(req)
            self.link.send(("unlock", key, req))


def _restored(value: Any) -> Any:
    """``value`` (an event, results) with this worker's copy of the project directory
    named as the controller's (an operation's location, a message): the output reads as
    a run on the controller's files."""
    assert _home is not None
    copy, root = _home
    if isinstance(value, str):
        return value.replace(copy, root) if copy in value else value
    if isinstance(value, tuple):
        return tuple(_restored(v) for v in value)
    if isinstance(value, list):
        return [_restored(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if f.init:
                old = getattr(value, f.name)
                new = _restored(old)
                if new is not old:
                    changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _shared(key: Any) -> Any:
    """An operation's key (its file, line and count) as every shard names it: on a Dask
    worker, the file in the controller's project directory, not this worker's copy."""
    if _home is not None and isinstance(key, tuple) and key and isinstance(key[0], str):
        copy, root = _home
        if key[0].startswith(copy + "/"):
            return (root + key[0][len(copy):], *key[1:])
    return key


def _portable(exc: BadInput, deploy_files: tuple[str, ...]) -> BadInput:
    """Bad input as the controller can show it: its fields (its traceback, which the
    command line reads for a location, stays here: the location is found now)."""
    found = BadInput(exc.message, file=exc.file, line=exc.line, host=exc.host,
                     operation=exc.operation)
    if exc.file is None and exc.__traceback__ is not None:
        for deploy in deploy_files:
            file, line = error_location(exc, deploy)
            if line is not None and Path(file).resolve() == Path(deploy).resolve():
                found.with_context(file=file, line=line)
                break
    if _home is not None:  # a shard on a Dask worker: the controller's paths, not the copy's
        copy, root = _home
        found = BadInput(found.message.replace(copy, root),
                         file=found.file.replace(copy, root, 1) if found.file else None,
                         line=found.line, host=found.host, operation=found.operation)
    return found


#: (this worker's copy of the project directory, the controller's) for a shard on a Dask
#: worker: one shard per process
_home: tuple[str, str] | None = None


async def serve(sock: socket.socket) -> None:
    """Run the shard the controller sends, over the link ``sock``; at the end of the
    stream from the controller (it died), interrupt the shard and end."""
    reader, writer = await asyncio.open_unix_connection(sock=sock)
    await serve_link(reader, writer)


async def serve_link(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                     copy: str | None = None) -> None:
    """Run the shard the controller sends over the link (``copy``: this worker's copy of
    the project directory, for a shard on another machine)."""
    link = Link(writer)
    forget = on_read(_told_once(link))
    try:
        await _serve(reader, writer, link, copy)
    finally:
        forget()


def _told_once(link: Link) -> Callable[[str], None]:
    """The controller is told the name of each vault key this shard's inventory or deploy
    reads, once (its history audits them; values never leave the process)."""
    told: set[str] = set()

    def tell(name: str) -> None:
        if name not in told:
            told.add(name)
            link.send(("vault_read", name))

    return tell


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link,
                 copy: str | None) -> None:
    kind, spec = await read_frame(reader)
    assert kind == "start"
    if copy is not None and spec.project_root is not None:
        global _home
        _home = (copy, spec.project_root)
        spec = relocate(spec, copy, sys.path)
        if os.path.isdir(spec.origin.cwd):
            os.chdir(spec.origin.cwd)  # as the controller's: relative paths in a deploy
    _prepare(spec)
    try:
        run = _shard_run(spec, link)
    except BadInput as exc:
        link.send(("bad_input", _portable(exc, spec.deploy_files)))
        link.send(("arrived",))
        link.send(("done", (), False))
        await link.drain()
        return
    task = asyncio.create_task(run.execute())

    async def listen() -> None:
        try:
            while True:
                message = await read_frame(reader)
                kind = message[0]
                if kind == "reply":
                    link.answer(message[1], message[2])
                elif kind == "gate":
                    run.open_gate()
                elif kind == "stop":
                    run.stop()
                elif kind == "cancel":
                    task.cancel()
        except (asyncio.IncompleteReadError, ConnectionError):
            task.cancel()  # the controller is gone: end the commands running, and end

    listener = asyncio.create_task(listen())
    hosts: tuple[Any, ...] = ()
    interrupted = False
    try:
        result = await task
        hosts, interrupted = result.hosts, result.interrupted
    except BadInput:
        pass  # said already (ShardRun.stop); each host's end was an event
    except asyncio.CancelledError:  # cancelled before the run started its hosts
        interrupted = True
    link.send(("done", _restored(hosts) if _home is not None else hosts, interrupted))
    await link.drain()
    listener.cancel()
    writer.close()


def _prepare(spec: ShardSpec) -> None:
    """The process as the controller's: its import path (deploy code imports the
    project's modules), ``corral.is_cli``, the level of ``corral.logger``."""
    sys.path[:] = list(spec.sys_path)
    top: Any = sys.modules["corral"]  # the package above this layer: not imported
    top.is_cli = spec.is_cli
    if spec.log_level is not None:
        logger = logging.getLogger("corral")
        logger.addHandler(logging.StreamHandler(sys.stderr))
        logger.propagate = False
        logger.setLevel(spec.log_level)
    # as the command line's: thousands of connections keep many objects alive
    gc.set_threshold(100_000, 50, 1000)


def _shard_run(spec: ShardSpec, link: Link) -> ShardRun:
    origin = spec.origin
    inventory = load_inventory(origin.spec, Path(origin.cwd),
                               override_data=dict(origin.override_data),
                               group_data=list(origin.group_data))
    missing = [n for n in spec.run_hosts if n not in inventory]
    if missing:
        raise BadInput("a worker process loaded the inventory again and it has no host of "
                       "this name (an inventory must load the same hosts every time to "
                       "run with --workers)", host=missing[0])
    inventory = inventory.limited(list(spec.run_hosts))
    deploys = [DeployFile(Path(p)).runner() for p in spec.deploy_files]
    return ShardRun(inventory, deploys, spec.options, link, spec.deploy_files)


class _Parent(asyncio.Protocol):
    """The pipe from the Dask worker that started this process: its end is that worker's
    end, and this shard's with it (as a local worker's when it is killed): its copy of
    the project removed, the process ended at once (its link to the controller ends, and
    the controller reports its hosts)."""

    def __init__(self, copy: str) -> None:
        self.copy = copy

    def connection_lost(self, exc: Exception | None) -> None:
        shutil.rmtree(self.copy, ignore_errors=True)
        os._exit(70)


async def serve_remote(host: str, port: int, token: bytes, copy: str) -> None:
    """A shard on a Dask worker: link up to the controller at ``host:port`` (the token
    first), with ``copy``, this worker's copy of the project directory."""
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: _Parent(copy), sys.stdin.buffer)
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(token)
    await serve_link(reader, writer, copy)


def _token() -> bytes:
    """The line on standard input (read unbuffered: the pipe is watched afterwards)."""
    line = b""
    while not line.endswith(b"\n"):
        part = os.read(0, 1)
        if not part:
            raise SystemExit("corral worker: no token on standard input")
        line += part
    return bytes.fromhex(line.decode().strip())


def main(argv: list[str]) -> None:
    if argv[:1] == ["connect"]:
        host, port, copy = argv[1], int(argv[2]), argv[3]
        asyncio.run(serve_remote(host, port, _token(), copy))
        return
    sock = socket.socket(fileno=int(argv[0]))
    asyncio.run(serve(sock))
