"""What an operation yields: shell commands, uploads, downloads, and change notes."""

from __future__ import annotations

import io
import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import IO, Any

from .errors import BadInput
from .secrets import MASK, Secret, reveal


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


#: the connector arguments a :class:`StringCommand` may carry (pyinfra's, that corral runs
#: per command); pyinfra's others (``_doas``, ``_su_shell``, ``_get_pty``...) are refused
COMMAND_ARGUMENTS = frozenset({
    "_sudo", "_sudo_user", "_use_sudo_login", "_sudo_password", "_preserve_sudo_env",
    "_su_user", "_shell_executable", "_chdir", "_env", "_success_exit_codes", "_timeout",
    "_retries", "_retry_delay", "_stdin",
})


class StringCommand:
    """A shell command made of bits: raw strings, :class:`QuoteString` and secrets.

    As pyinfra's: ``_separator`` joins the bits (a space), and connector arguments
    (``_sudo=True``, ``_stdin="text"``, ``_env={...}``...) change how this one command runs,
    over the operation's global arguments. ``_stdin`` is text, or lines (each given a
    final newline, as pyinfra writes them), or a file object whose lines are read; mark a
    secret one with :class:`~corral.model.secrets.Secret` to keep it off command lines.
    """

    __slots__ = ("bits", "connector_arguments", "separator")

    def __init__(self, *bits: object, _separator: str = " ", **connector_arguments: Any) -> None:
        self.bits = tuple(b for b in bits if b is not None and b != "")
        if not isinstance(_separator, str):
            raise BadInput(f"StringCommand: _separator must be str, not "
                           f"{type(_separator).__name__}")
        self.separator = _separator
        self.connector_arguments = _checked_arguments(connector_arguments)

    def render(self, masked: bool = False) -> str:
        return self.separator.join(_render_bit(b, masked) for b in self.bits)

    def get_raw_value(self) -> str:
        """pyinfra's name: the command with its secrets."""
        return self.render()

    def get_masked_value(self) -> str:
        """pyinfra's name: the command as shown, secrets masked."""
        return self.render(masked=True)

    def stdin(self) -> str | None:
        """The text given to the command's standard input (``_stdin``), secrets revealed."""
        given = self.connector_arguments.get("_stdin")
        if given is None:
            return None
        texts = [reveal(line) for line in given]
        return "".join(t if t.endswith("\n") else t + "\n" for t in texts)

    def has_secrets(self) -> bool:
        """Whether a bit is secret: the engine then keeps the command off command lines."""
        for bit in self.bits:
            inner = bit.obj if isinstance(bit, QuoteString) else bit
            if isinstance(inner, Secret | MaskString):
                return True
            if isinstance(inner, StringCommand) and inner.has_secrets():
                return True
        return any(isinstance(line, Secret | MaskString)
                   for line in self.connector_arguments.get("_stdin") or ())

    def __str__(self) -> str:
        return self.render(masked=True)

    def __repr__(self) -> str:
        return f"StringCommand({self.render(masked=True)!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return not self.connector_arguments and self.render() == other
        return (isinstance(other, StringCommand) and other.render() == self.render()
                and other.connector_arguments == self.connector_arguments)

    def __hash__(self) -> int:
        return hash(self.render())


def _checked_arguments(given: dict[str, Any]) -> dict[str, Any]:
    """A command's connector arguments: names corral runs per command, values as the
    operation's global arguments take them (bad input otherwise, raised while the
    operation is planned, so it names the operation's call). ``_stdin`` becomes a tuple
    of lines."""
    from .operation import global_problem

    out: dict[str, Any] = {}
    for key, value in given.items():
        if key == "separator":
            raise BadInput("StringCommand: the separator is given as _separator (pyinfra's "
                           "name)")
        if key not in COMMAND_ARGUMENTS:
            known = ", ".join(sorted(COMMAND_ARGUMENTS))
            raise BadInput(f"StringCommand: unknown or unsupported argument {key} "
                           f"(corral runs these per command: {known})")
        if key == "_stdin":
            out[key] = _stdin_lines(value)
            continue
        problem = global_problem(key, value)
        if problem is not None:
            raise BadInput(f"StringCommand: {key} {problem}")
        out[key] = value
    return out


def _stdin_lines(value: Any) -> tuple[Any, ...] | None:
    if value is None:
        return None
    if hasattr(value, "readlines") and not isinstance(value, str | bytes):
        value = value.readlines()
    if isinstance(value, str | Secret):
        lines: tuple[Any, ...] = (value,)
    elif isinstance(value, list | tuple):
        lines = tuple(value)
    else:
        raise BadInput("StringCommand: _stdin must be text, a list of lines or a text file "
                       f"object, not {type(value).__name__}")
    for line in lines:
        if not isinstance(line, str | Secret):
            raise BadInput(f"StringCommand: a line of _stdin must be str, not "
                           f"{type(line).__name__}")
        if "\0" in reveal(line):
            raise BadInput("StringCommand: _stdin holds a NUL byte")
    return lines


def make_formatted_string_command(string: str, *args: Any, **kwargs: Any) -> StringCommand:
    """A :class:`StringCommand` from a command written as a format string: each ``{...}``
    field is filled from the arguments, kept as an object (a :class:`QuoteString` is
    quoted, a secret masked), and the text around the fields stays shell text as written::

        make_formatted_string_command("curl -sSLf {0} -o {1}", QuoteString(url),
                                      QuoteString(dest))

    (pyinfra splits the text into words with ``shlex`` first, which drops the quotes the
    text holds: ``'a b'`` becomes two words. Here it is the one word the text says.)
    """
    formatter = Formatter()
    bits: list[object] = []
    automatic = 0  # "{}" fields take the positional arguments in turn
    for literal, field_name, spec, conversion in formatter.parse(string):
        if literal:
            bits.append(literal)
        if field_name is not None:
            if field_name == "":
                field_name, automatic = str(automatic), automatic + 1
            value = formatter.get_field(field_name, args, kwargs)[0]
            if conversion:
                value = formatter.convert_field(value, conversion)
            if spec:
                value = formatter.format_field(value, spec)
            bits.append(value)
    return StringCommand(*bits, _separator="")


class FunctionCommand:
    """A Python function run on the controller, at its operation's place in the host's
    order (``python.call``): ``function(*args, **func_kwargs)``, with ``host`` bound to the
    host. Its exception fails the operation."""

    __slots__ = ("args", "connector_arguments", "function", "kwargs")

    def __init__(self, function: Any, args: Any = (), func_kwargs: Any = None,
                 **connector_arguments: Any) -> None:
        if not callable(function):
            raise BadInput(f"FunctionCommand: {function!r} is not callable")
        self.function = function
        self.args = tuple(args)
        self.kwargs = dict(func_kwargs or {})
        self.connector_arguments = connector_arguments

    def __str__(self) -> str:
        return f"call {getattr(self.function, '__name__', repr(self.function))}"

    def __repr__(self) -> str:
        return (f"FunctionCommand({getattr(self.function, '__name__', self.function)}, "
                f"{self.args!r}, {self.kwargs!r})")


def io_size(src: IO[Any]) -> int | None:
    """A binary file object's size, when it can seek (None for text or a pipe)."""
    if isinstance(src, io.TextIOBase):
        return None
    try:
        return int(src.seek(0, os.SEEK_END))
    except (OSError, ValueError, AttributeError):
        return None


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
        return io_size(src)

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


@dataclass(frozen=True)
class Reconnect:
    """Yielded after a command that restarts the host (``server.reboot``): the engine
    closes the host's connection after the operation's script, waits ``delay`` seconds,
    then tries to connect every ``interval`` seconds until it answers or ``timeout``
    seconds have passed (the host is then unreachable). The facts read before are read
    again; the host's next operations run on the new connection."""

    delay: float
    interval: float
    timeout: float

    def __str__(self) -> str:
        return (f"reconnect after {self.delay:g}s, every {self.interval:g}s, "
                f"for up to {self.timeout:g}s")


Command = StringCommand | FileUploadCommand | FileDownloadCommand | FunctionCommand | Reconnect
Yielded = (str | StringCommand | FileUploadCommand | FileDownloadCommand | FunctionCommand
           | Reconnect | Diff | HostDiff | Note)


def to_command(item: Any) -> Command:
    """Normalise a yielded command: a plain string is a raw shell command."""
    if isinstance(item, str):
        return StringCommand(item)
    if isinstance(item, StringCommand | FileUploadCommand | FileDownloadCommand
                  | FunctionCommand | Reconnect):
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
