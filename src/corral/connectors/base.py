"""The connector protocol, and the persistent-shell session every connector reuses."""

from __future__ import annotations

import asyncio
import socket
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from corral.model.command import CommandOutput
from corral.model.errors import BadInput, CommandTimeout, ConnectionLost
from corral.model.host import Host

from .framing import FramedScript, Step, build_script, parse_output, strip_done
from .streams import Stream, streams_of, write_script

_REGISTRY: dict[str, type[Connector]] = {}


class ByteWriter(Protocol):
    def write(self, data: bytes) -> Any: ...


class ByteReader(Protocol):
    async def read(self, n: int = -1) -> bytes: ...


class Connector(ABC):
    """How corral reaches one host. ``connect`` once, ``run`` framed scripts, ``close``.

    ``invocations`` counts remote invocations (one per script sent), the statistic that
    ``-v`` and the JSON output report.
    """

    #: the connector's name in targets: ``@local``, ``@chroot/PATH``
    name: ClassVar[str] = ""

    def __init__(self, host: Host) -> None:
        self.host = host
        self.invocations = 0
        #: the sudo passwords the host's commands were given (the engine keeps them up):
        #: what ends root's commands when a run is interrupted needs them too
        self.sudo_passwords: set[str] = set()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.name:
            _REGISTRY[cls.name] = cls

    @abstractmethod
    async def connect(self) -> None: ...

    def adopt(self, sock: socket.socket) -> None:
        """A TCP connection to the host opened when the run started (``connectors.early``),
        for ``connect`` to use. A connector that has no use for one closes it."""
        sock.close()

    @abstractmethod
    async def _send(self, script: FramedScript, timeout: float | None) -> tuple[bytes, bytes]:
        """Send one framed script and return its raw stdout and stderr."""

    @abstractmethod
    async def close(self) -> None: ...

    async def run(self, steps: list[Step], timeout: float | None = None,
                  prelude: str = "") -> list[CommandOutput | None]:
        """Run steps as one framed script: one remote invocation. The content of large
        uploads (their steps' streams) is read while the script is sent."""
        script = build_script(steps, prelude)
        streams = streams_of([s.text for s in steps])
        if streams:
            script = StreamedScript(script.token, script.text, script.steps, streams)
        self.invocations += 1
        stdout, stderr = await self._send(script, timeout)
        return parse_output(script, stdout, stderr)


def connector_class(name: str) -> type[Connector]:
    """The connector class registered as ``name``, its module imported if need be: bad
    input for an unknown name, :class:`~corral.connectors.ConnectorImportError` for a
    connector whose module fails to import."""
    if name not in _REGISTRY:
        from . import import_connector

        import_connector(name)
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise BadInput(f"unknown connector @{name} (known: {known})") from None


def known_connectors() -> list[str]:
    return sorted(_REGISTRY)


async def _read_until(reader: ByteReader, marker: bytes) -> bytes:
    """What a script wrote to one stream: from its first marker through its end marker.

    The end marker is found wherever it is in what was read, not only at the end: a
    background job a step started may keep writing to the same stream. What follows the
    end marker, and what comes before the script's first marker (its token: the end
    marker's first word), is that job's and belongs to no script: it is dropped (and
    not kept in memory while the script runs)."""
    start = marker.split(b" ", 1)[0]
    buf = bytearray()
    begun = False
    while True:
        chunk = await reader.read(1 << 16)
        if not chunk:
            raise ConnectionLost("the remote shell closed its output")
        scan = max(0, len(buf) - len(marker) + 1)
        buf += chunk
        if not begun:
            at = buf.find(start)
            if at < 0:
                del buf[: max(0, len(buf) - len(start) + 1)]
                continue
            del buf[:at]
            begun, scan = True, 0
        end = buf.find(marker, scan)
        if end >= 0:
            return bytes(buf[: end + len(marker)])


def _retrieve(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()


class ShellSession:
    """A persistent shell reached through a writer and two readers (stdout, stderr)."""

    def __init__(self, stdin: ByteWriter, stdout: ByteReader, stderr: ByteReader,
                 drain: Any = None) -> None:
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self._drain = drain
        self._lock = asyncio.Lock()

    async def send(self, script: FramedScript, timeout: float | None) -> tuple[bytes, bytes]:
        """Write the script (its streams chunk by chunk, each once the connection has taken
        the last: ``streams.write_script``) and read both streams up to its end. The
        deadline covers the writing too: a connection that stops taking data mid-upload
        ends in the wave's time, not the keepalive's."""
        async with self._lock:
            try:
                out, err = await asyncio.wait_for(self._exchange(script), timeout)
            except TimeoutError:
                raise CommandTimeout(f"the remote script did not finish in {timeout:g}s") from None
            return strip_done(script, out), strip_done(script, err)

    async def _exchange(self, script: FramedScript) -> tuple[bytes, bytes]:
        streams = script.streams if isinstance(script, StreamedScript) else ()
        # text that is not UTF-8 (a file name from os.fsdecode: surrogate escapes) goes to
        # the host as the bytes it stands for
        await write_script(self.stdin.write, self._drain, script.text, streams)
        reading = asyncio.gather(
            _read_until(self.stdout, script.done_marker),
            _read_until(self.stderr, script.done_marker),
        )
        # an interrupted run abandons the readers: their end is expected, not an error
        reading.add_done_callback(_retrieve)
        out, err = await reading
        return out, err


@dataclass(frozen=True)
class StreamedScript(FramedScript):
    """A framed script whose text holds streams (large uploads) at their placeholders."""

    streams: tuple[Stream, ...] = ()
