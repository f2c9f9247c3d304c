"""What an operation yields: shell commands, uploads, downloads, and change notes."""

from __future__ import annotations

import io
import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .secrets import MASK, Secret


class QuoteString:
    """A bit of a :class:`StringCommand` that is shell-quoted when rendered."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __repr__(self) -> str:
        return f"QuoteString({self.obj!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, QuoteString) and other.obj == self.obj

    def __hash__(self) -> int:
        return hash(("q", str(self.obj)))


def not_option(path: str) -> str:
    """A path as a program's argument that no option parser reads as an option: one
    starting with ``-`` gets ``./`` (the same file; ``-`` alone is not standard input)."""
    return "./" + path if path.startswith("-") else path


class MaskString(str):
    """A literal bit of a command that is shown as ``***``."""


def _render_bit(bit: object, masked: bool) -> str:
    if isinstance(bit, QuoteString):
        inner = bit.obj
        if isinstance(inner, Secret | MaskString):
            if masked:
                return MASK
            return shlex.quote(inner if isinstance(inner, str) else inner.reveal())
        if isinstance(inner, StringCommand):
            return shlex.quote(inner.render(masked))
        return shlex.quote(str(inner))
    if isinstance(bit, Secret):
        return MASK if masked else bit.reveal()
    if isinstance(bit, MaskString):
        return MASK if masked else str(bit)
    if isinstance(bit, StringCommand):
        return bit.render(masked)
    return str(bit)


class StringCommand:
    """A shell command made of bits: raw strings, :class:`QuoteString` and secrets."""

    __slots__ = ("bits", "separator")

    def __init__(self, *bits: object, separator: str = " ") -> None:
        self.bits = tuple(b for b in bits if b is not None and b != "")
        self.separator = separator

    def render(self, masked: bool = False) -> str:
        return self.separator.join(_render_bit(b, masked) for b in self.bits)

    def has_secrets(self) -> bool:
        """Whether a bit is secret: the engine then keeps the command off command lines."""
        for bit in self.bits:
            inner = bit.obj if isinstance(bit, QuoteString) else bit
            if isinstance(inner, Secret | MaskString):
                return True
            if isinstance(inner, StringCommand) and inner.has_secrets():
                return True
        return False

    def __str__(self) -> str:
        return self.render(masked=True)

    def __repr__(self) -> str:
        return f"StringCommand({self.render(masked=True)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return self.render() == other
        return isinstance(other, StringCommand) and other.render() == self.render()

    def __hash__(self) -> int:
        return hash(self.render())


@dataclass(frozen=True)
class FileUploadCommand:
    """Put ``src`` (a local path, bytes, or a file-like object) at ``dest`` on the host.

    Written atomically: a temporary file in the destination directory gets the content,
    then mode and owner, then is renamed over ``dest``.
    """

    src: str | Path | bytes | IO[bytes] | IO[str]
    dest: str
    mode: str | None = None
    user: str | None = None
    group: str | None = None
    #: ``user`` and ``group`` are those of the file being replaced (not asked for): where
    #: they are the login's own, the new file has them already and no ``chown`` runs
    owner_kept: bool = False

    def content(self) -> bytes:
        src = self.src
        if isinstance(src, bytes):
            return src
        if isinstance(src, str | Path):
            return Path(src).read_bytes()
        src.seek(0)
        data = src.read()
        return data.encode() if isinstance(data, str) else data

    def size(self) -> int | None:
        """The content's size in bytes without reading it (a local file's, bytes', a
        seekable binary file object's); None when only reading it tells (text). Raises
        OSError for a local file that cannot be read."""
        src = self.src
        if isinstance(src, bytes):
            return len(src)
        if isinstance(src, str | Path):
            with open(src, "rb") as fh:  # readable, and its size
                return os.fstat(fh.fileno()).st_size
        if isinstance(src, io.TextIOBase):
            return None
        try:
            return int(src.seek(0, os.SEEK_END))
        except (OSError, ValueError, AttributeError):
            return None

    def chunks(self, limit: int, size: int = 1 << 16) -> Iterator[bytes]:
        """The content in pieces of at most ``size`` bytes, ``limit`` bytes at most in all,
        read as they are asked for: a large upload is never held whole. A file object is
        read from where this left it each time (several hosts may read it at once)."""
        src = self.src
        if isinstance(src, bytes):
            view = memoryview(src)[:limit]
            for start in range(0, len(view), size):
                yield bytes(view[start:start + size])
            return
        if isinstance(src, str | Path):
            with open(src, "rb") as fh:
                while limit > 0:
                    piece = fh.read(min(size, limit))
                    if not piece:
                        return
                    limit -= len(piece)
                    yield piece
            return
        offset = 0
        while limit > 0:
            src.seek(offset)
            data = src.read(min(size, limit))
            if not data:
                return
            piece = data.encode() if isinstance(data, str) else bytes(data)
            offset += len(data)
            limit -= len(piece)
            yield piece

    def __str__(self) -> str:
        return f"upload {self.dest}"


@dataclass(frozen=True)
class FileDownloadCommand:
    """Copy ``src`` from the host to ``dest`` (a local path or a writable binary file object)."""

    src: str
    dest: str | Path | IO[bytes]

    def __str__(self) -> str:
        return f"download {self.src}"


@dataclass(frozen=True)
class Diff:
    """A description of a change to a file's content, for dry runs and reports."""

    path: str
    old: str | None
    new: str | None
    secret: bool = False


@dataclass(frozen=True)
class HostDiff:
    """A change to a file's content whose old side is the file as it is on the host: the
    engine reads it in the operation's own script just before the change (in a dry run,
    with the facts), so planning needs no second round trip for the old text."""

    path: str
    new: str


@dataclass(frozen=True)
class Note:
    """A reason to show at ``-v``: why an operation does or does not change anything."""

    text: str


Command = StringCommand | FileUploadCommand | FileDownloadCommand
Yielded = (str | StringCommand | FileUploadCommand | FileDownloadCommand | Diff | HostDiff
           | Note)


def to_command(item: Any) -> Command:
    """Normalise a yielded command: a plain string is a raw shell command."""
    if isinstance(item, str):
        return StringCommand(item)
    if isinstance(item, StringCommand | FileUploadCommand | FileDownloadCommand):
        return item
    raise TypeError(f"an operation yielded {type(item).__name__}, not a command")


@dataclass(frozen=True)
class CommandOutput:
    """What one command printed, and how it ended."""

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0

    @property
    def stdout_lines(self) -> list[str]:
        return self.stdout.splitlines()

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()
