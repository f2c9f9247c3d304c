"""Streamed parts of a framed script: the content of a large upload travels inside the
script, as today, but is read from its source and base64-encoded only while the script is
being sent, chunk by chunk, each chunk written once the connection has taken the last one
(its drain). The controller then holds a few chunks per host, not the whole content three
times over (bytes, base64 text, encoded script).

A step's text that holds streams is a :class:`StreamedText`: ordinary shell text in which
each stream stands as a placeholder line; the framing builds the script around it as
around any text, and the session writes the script piece by piece
(:func:`script_pieces`)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: bytes read and encoded at a time: a multiple of 57, so every chunk encodes to whole
#: base64 lines of 76 characters (no padding inside the stream)
CHUNK = 57 * 1152  # 65,664 bytes, 87,552 characters of base64


@dataclass(frozen=True, eq=False)
class Stream:
    """Content of ``size`` bytes, read (``chunks(size)``: at most that many, in pieces) only
    while the script that holds it is sent, and written there base64-encoded, 76 characters
    a line. Content that ends early (a local file cut short meanwhile, a read error) just
    ends: the script checks the size it receives (``shell.upload``)."""

    size: int
    chunks: Callable[[int], Iterator[bytes]]
    placeholder: str = ""

    def __post_init__(self) -> None:
        if not self.placeholder:
            # a line the framing never writes itself, unpredictable, outside base64
            object.__setattr__(self, "placeholder", f"\x1ecorral-stream-{secrets.token_hex(8)}\n")

    def encoded(self) -> Iterator[bytes]:
        """The base64 lines of the content, a chunk at a time: whole chunks of CHUNK bytes
        (a source that returns less is read again) so no chunk but the last is padded."""
        pending = b""
        try:
            for piece in self.chunks(self.size):
                pending += piece
                while len(pending) >= CHUNK:
                    yield base64.encodebytes(pending[:CHUNK])
                    pending = pending[CHUNK:]
        except OSError:
            pass  # the content ends here; the host finds it short and the step fails
        if pending:
            yield base64.encodebytes(pending)


class StreamedText(str):
    """Shell text holding streams at their placeholders."""

    streams: tuple[Stream, ...]

    def __new__(cls, text: str, streams: tuple[Stream, ...]) -> StreamedText:
        self = super().__new__(cls, text)
        self.streams = streams
        return self


def streams_of(texts: list[str]) -> tuple[Stream, ...]:
    """Every stream held by these step texts, in order."""
    return tuple(s for t in texts if isinstance(t, StreamedText) for s in t.streams)


def script_pieces(text: str, streams: tuple[Stream, ...]) -> list[str | Stream]:
    """The script cut at its streams' placeholders: text, stream, text..."""
    pieces: list[str | Stream] = []
    rest = text
    for stream in streams:
        before, found, rest = rest.partition(stream.placeholder)
        if not found:  # not in the script (cannot happen): nothing to send for it
            rest = before
            continue
        pieces += [before, stream]
    pieces.append(rest)
    return pieces


async def write_script(write: Callable[[bytes], Any], drain: Callable[[], Awaitable[Any]] | None,
                       text: str, streams: tuple[Stream, ...]) -> None:
    """Write a script: its text as it is, each stream chunk by chunk, waiting for the
    connection to take each chunk (``drain``) before reading the next, so what is held per
    host stays bounded (a chunk and the connection's own buffer)."""
    for piece in script_pieces(text, streams) if streams else [text]:
        if isinstance(piece, str):
            if piece:
                write(piece.encode("utf-8", "surrogateescape"))
                if drain is not None:
                    await drain()
            continue
        for chunk in piece.encoded():
            write(chunk)
            if drain is not None:
                await drain()
