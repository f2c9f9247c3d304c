"""Facts about paths on the target: type, owner, mode, times, hashes and content."""

from __future__ import annotations

import base64
import binascii
import re
import shlex
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal, NotRequired, TypedDict

from corral.facts._util.shell import shell_path
from corral.facts._util.shelltext import (
    Part,
    escaped_values,
    has_variables,
    here_document_text,
    split_variables,
)
from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase, FactBatch
from corral.model.keys import Key

#: first line printed when a path exists, so "exists but empty" differs from "missing"
EXISTS_MARKER = "__corral_exists__"
#: prefix of the line carrying a symbolic link's target
LINK_PREFIX = "link="

_STAT_FIELDS = "user=%U group=%G mode=%A atime=%X mtime=%Y ctime=%Z size=%s"
_BSD_STAT_FIELDS = "user=%Su group=%Sg mode=%Sp atime=%a mtime=%m ctime=%c size=%z"
_STAT_RE = re.compile(
    r"^user=(.*) group=(.*) mode=(\S{10})\S* "
    r"atime=(-?\d{1,20}) mtime=(-?\d{1,20}) ctime=(-?\d{1,20}) size=(\d{1,20})$",
    re.ASCII,
)
_LS_RE = re.compile(
    r"^(\S{10})\S*\s+\d+\s+(\S+)\s+(\S+)\s+(\d{1,20})\s+(\S+)\s+(\S+)\s+(\S+)\s+.+$",
    re.ASCII,
)
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_TYPES = {
    "-": "file",
    "d": "directory",
    "l": "link",
    "b": "block",
    "c": "character",
    "s": "socket",
    "p": "fifo",
}
# (permission bit, special bit) for each of the nine rwx positions, as octal values
_BITS = (
    (0o400, 0), (0o200, 0), (0o100, 0o4000),
    (0o040, 0), (0o020, 0), (0o010, 0o2000),
    (0o004, 0), (0o002, 0), (0o001, 0o1000),
)  # fmt: skip


def parse_mode(symbolic: str) -> int:
    """``rwxr-s--T`` -> 2754: the octal digits of the mode, read as a decimal int."""
    if len(symbolic) != 9:
        raise FactParseError(f"bad mode string {symbolic!r}")
    value = 0
    for char, (bit, special) in zip(symbolic, _BITS, strict=True):
        if char in "rwx":
            value |= bit
        elif char in "st":
            value |= bit | special
        elif char in "ST":
            value |= special
        elif char != "-":
            raise FactParseError(f"bad mode string {symbolic!r}")
    return int(f"{value:o}")


def _timestamp(value: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)
    except (OverflowError, OSError, ValueError):
        return None


def _ls_mtime(first: str, second: str, year_or_time: str) -> datetime | None:
    month, day = (second, first) if first.isdigit() else (first, second)
    if month not in _MONTHS or not day.isdigit():
        return None
    try:
        if ":" in year_or_time:
            hour, minute = year_or_time.split(":", 1)
            now = datetime.now(UTC)
            return datetime(now.year, _MONTHS.index(month) + 1, int(day), int(hour), int(minute))
        return datetime(int(year_or_time), _MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None


class FileDict(TypedDict):
    """What File, Directory and Link return for a path of their type."""

    user: str
    group: str
    mode: int
    size: int
    atime: datetime | None
    mtime: datetime | None
    ctime: datetime | None
    link_target: NotRequired[str]


def _parse_stat(output: list[str]) -> tuple[str, FileDict]:
    """The type name and details from the File command's output (at least one line)."""
    head = output[0]
    match = _STAT_RE.match(head)
    if match:
        user, group, mode, atime, mtime, ctime, size = match.groups()
        info: FileDict = {
            "user": user,
            "group": group,
            "mode": parse_mode(mode[1:]),
            "size": int(size),
            "atime": _timestamp(atime),
            "mtime": _timestamp(mtime),
            "ctime": _timestamp(ctime),
        }
    else:
        ls = _LS_RE.match(head)
        if not ls:
            raise FactParseError(f"cannot parse file details: {head!r}")
        mode, user, group, size, first, second, year_or_time = ls.groups()
        info = {
            "user": user,
            "group": group,
            "mode": parse_mode(mode[1:]),
            "size": int(size),
            "atime": None,
            "mtime": _ls_mtime(first, second, year_or_time),
            "ctime": None,
        }
    kind = _TYPES.get(mode[0], "other")
    rest = output[1:]
    if rest:
        if not rest[0].startswith(LINK_PREFIX):
            raise FactParseError(f"unexpected line after file details: {rest[0]!r}")
        info["link_target"] = "\n".join(rest)[len(LINK_PREFIX) :]
    return kind, info


class File(FactBase[FileDict | Literal[False] | None]):
    """A file's details (user, group, mode, size, times); None if missing, False if not a file."""

    kind = "file"
    inline = True

    def command(self, path: str) -> str:
        p = shell_path(path)
        return (
            f"if [ -e {p} ] || [ -L {p} ]; then "
            f"{{ stat -c '{_STAT_FIELDS}' {p} 2>/dev/null"
            f" || stat -f '{_BSD_STAT_FIELDS}' {p} 2>/dev/null"
            f" || ls -ld {p}; }}"
            f" && if [ -L {p} ]; then printf '{LINK_PREFIX}%s\\n' \"$(readlink {p})\"; fi; "
            "fi"
        )

    def process(self, output: list[str]) -> FileDict | Literal[False] | None:
        if not output:
            return None
        kind, info = _parse_stat(output)
        if kind != self.kind:
            return False
        if kind != "link":
            info.pop("link_target", None)
        return info

    def reads(self, path: str) -> frozenset[Key]:
        return frozenset({keys.path(path)})

    def batch(self, path: str) -> tuple[type[FactBatch], str] | None:
        from ._batches import StatBatch

        return (StatBatch, path) if StatBatch.accepts(path) else None


class Directory(File):
    """A directory's details like File's; None if missing, False if not a directory."""

    kind = "directory"


class Link(File):
    """A symbolic link's details plus ``link_target``; None if missing, False if not a link."""

    kind = "link"


class Socket(File):
    """A Unix socket's details like File's; None if missing, False if not a socket."""

    kind = "socket"


class _HashFile(FactBase[str | None]):
    """Base of the hash facts: the hex digest of a file, or None when it does not exist."""

    abstract = True
    inline = True
    #: hex digits of the digest
    digits: ClassVar[int] = 64
    #: the programs tried in turn (GNU, then macOS, then BSD)
    tools: ClassVar[tuple[str, ...]] = ()
    #: the algorithm's name in BSD-style output: ``SHA256 (path) = digest``
    tag: ClassVar[str] = ""

    def command(self, path: str) -> str:
        p = shell_path(path)
        tried = " || ".join(f"{tool} {p} 2>/dev/null" for tool in self.tools)
        return f"if [ -e {p} ]; then {tried} || true; fi"

    def process(self, output: list[str]) -> str | None:
        if not output or not output[0].strip():
            return None
        line = output[0]
        n = self.digits
        gnu = re.match(rf"^\\?([0-9a-fA-F]{{{n}}})(?:[ \t]|$)", line)
        if gnu:
            return gnu.group(1).lower()
        bsd = re.match(rf"^{self.tag} ?\(.*\) ?= ?([0-9a-fA-F]{{{n}}})$", line)
        if bsd:
            return bsd.group(1).lower()
        raise FactParseError(f"cannot parse {self.tag} output: {line!r}")

    def reads(self, path: str) -> frozenset[Key]:
        return frozenset({keys.path(path)})

    def batch(self, path: str) -> tuple[type[FactBatch], str] | None:
        from ._batches import hash_batch

        tool = self.tools[0]
        if not tool.endswith("sum") or not FactBatch.accepts(path):
            return None
        return hash_batch(tool), path


class Sha256File(_HashFile):
    """The hex SHA-256 digest of a file, or None when it does not exist (or is unreadable)."""

    digits = 64
    tools = ("sha256sum", "shasum -a 256", "sha256")
    tag = "SHA256"


class Sha1File(_HashFile):
    """The hex SHA-1 digest of a file, or None when it does not exist (or is unreadable)."""

    digits = 40
    tools = ("sha1sum", "shasum", "sha1")
    tag = "SHA1"


class Sha384File(_HashFile):
    """The hex SHA-384 digest of a file, or None when it does not exist (or is unreadable)."""

    digits = 96
    tools = ("sha384sum", "shasum -a 384", "sha384")
    tag = "SHA384"


class Md5File(_HashFile):
    """The hex MD5 digest of a file, or None when it does not exist (or is unreadable)."""

    digits = 32
    tools = ("md5sum", "md5")
    tag = "MD5"


def _marked(output: list[str]) -> list[str] | None:
    """Lines after the exists marker; None when there is no output at all."""
    if not output:
        return None
    if output[0] != EXISTS_MARKER:
        raise FactParseError(f"expected {EXISTS_MARKER!r}, got {output[0]!r}")
    return output[1:]


class FindInFile(FactBase[list[str] | None]):
    """The lines of a file matching a grep pattern ([] if none), or None if the file is missing.

    With ``interpolate_variables`` the host's shell replaces ``$NAME`` and ``${NAME}`` in
    the pattern (outside bracket expressions, unless escaped by a backslash) with the
    variable's value, matched as text; nothing else in the pattern is expanded.
    """

    def command(
        self,
        path: str,
        pattern: str,
        interpolate_variables: bool = False,
        extended_regex: bool = False,
    ) -> str:
        p = shell_path(path)
        # the pattern reaches grep on its standard input, from a here-document (no process,
        # no command line): a pattern made of a secret never shows in ps on the host; only
        # with variables in it is the delimiter unquoted, and every other $, ` and \ is
        # escaped there, so nothing but those variables is expanded
        eof = "CORRAL_PATTERN"
        while eof in pattern:
            eof += "_"
        parts: list[Part] = (split_variables(pattern, "regex") if interpolate_variables
                             else [pattern])
        prelude = ""
        if has_variables(parts):
            special = ".[]\\*^$" + ("+?(){}|" if extended_regex else "") + "\n"
            code, values = escaped_values(parts, special, prefix="__cf_v")
            prelude, body, delimiter = code + "; ", here_document_text(parts, values), eof
        else:
            body, delimiter = pattern, f"'{eof}'"
        # -a: a line that is not text in the host's locale (Latin-1 under UTF-8, a NUL)
        # is still printed, not summed up as "binary file matches"
        grep = "grep -a -E" if extended_regex else "grep -a"
        return (
            f"if [ -f {p} ]; then echo {EXISTS_MARKER}; {prelude}"
            f"{grep} -f - {p} <<{delimiter}\n{body}\n{eof}\n[ $? -le 1 ]; fi"
        )

    def runs_inline(self, path: str, pattern: str, interpolate_variables: bool = False,
                    *args: Any, **kwargs: Any) -> bool:
        # a pattern the shell expands (interpolate_variables) could assign a variable
        return not interpolate_variables

    def process(self, output: list[str]) -> list[str] | None:
        return _marked(output)

    def equivalent_outputs(self, output: str, *args: Any, **kwargs: Any) -> list[str]:
        # a missing file may have been created, without the pattern (lines appended)
        return [f"{EXISTS_MARKER}\n"] if output == "" else []

    def reads(
        self,
        path: str,
        pattern: str,
        interpolate_variables: bool = False,
        extended_regex: bool = False,
    ) -> frozenset[Key]:
        return frozenset({keys.path(path)})


class FileContents(FactBase[list[str] | None]):
    """A file's content as a list of lines, or None if it is missing or not a regular file."""

    def command(self, path: str) -> str:
        p = shell_path(path)
        return f"if [ -f {p} ]; then echo {EXISTS_MARKER} && cat {p}; fi"

    def process(self, output: list[str]) -> list[str] | None:
        return _marked(output)

    def reads(self, path: str) -> frozenset[Key]:
        return frozenset({keys.path(path)})


class FileBytes(FactBase[bytes | None]):
    """A regular file's exact bytes, or None if it is missing or not a regular file (a
    corral fact).

    The content travels base64-encoded: command output is read as lines of UTF-8 text, in
    which a Latin-1 byte, a carriage return or a form feed would not survive. An edit that
    rewrites a file (``files.block``, ``files.ini``) starts from these bytes, so it keeps
    every byte it does not own."""

    def command(self, path: str) -> str:
        p = shell_path(path)
        return f"if [ -f {p} ]; then echo {EXISTS_MARKER} && base64 < {p}; fi"

    def process(self, output: list[str]) -> bytes | None:
        lines = _marked(output)
        if lines is None:
            return None
        text = "".join(line.strip() for line in lines)
        try:
            return base64.b64decode(text.encode("ascii"), validate=True)
        except (ValueError, binascii.Error):
            raise FactParseError("the file's content is not valid base64") from None

    def reads(self, path: str) -> frozenset[Key]:
        return frozenset({keys.path(path)})


class SecondsSinceModified(FactBase[int | None]):
    """Seconds since a path was last modified, by the host's clock; None if it is missing."""

    def command(self, path: str) -> str:
        p = shell_path(path)
        return (
            f"if [ -e {p} ] || [ -L {p} ]; then "
            f"m=$(stat -c %Y {p} 2>/dev/null || stat -f %m {p}) && "
            'echo $(( $(date +%s) - m )); fi'
        )

    def process(self, output: list[str]) -> int | None:
        if not output:
            return None
        text = output[0].strip()
        if not re.fullmatch(r"-?\d{1,20}", text):
            raise FactParseError(f"expected a number of seconds, got {text!r}")
        return int(text)

    def reads(self, path: str) -> frozenset[Key]:
        return frozenset({keys.path(path)})


_FLAG_RE = re.compile(r"^[a-z0-9]+$")


class Flags(FactBase[list[str]]):
    """The BSD file flags (``chflags``) set on a path, e.g. ``["uchg", "hidden"]``.

    [] when the path is missing, has no flags, or the system has no ``chflags``.
    """

    requires_command = "chflags"

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self, path: str) -> str:
        p = shell_path(path)
        return f"if [ -e {p} ] || [ -L {p} ]; then stat -f %Sf {p}; fi"

    def process(self, output: list[str]) -> list[str]:
        if not output or output[0].strip() in ("", "-"):
            return []
        flags = [flag.strip() for flag in output[0].split(",") if flag.strip()]
        for flag in flags:
            if not _FLAG_RE.match(flag):
                raise FactParseError(f"unexpected file flag {flag!r}")
        return flags

    def reads(self, path: str) -> frozenset[Key]:
        return frozenset({keys.path(path)})


#: pyinfra's default block marker, kept so blocks written by pyinfra are recognised
BLOCK_MARKER = "# {mark} PYINFRA BLOCK"
BLOCK_BEGIN = "BEGIN"
BLOCK_END = "END"
#: printed by the Block fact's command when the begin marker is found
BLOCK_FOUND = "__corral_block__"


def block_markers(marker: str | None, begin: str | None, end: str | None) -> tuple[str, str]:
    """The begin and end marker lines of a managed block."""
    template = marker or BLOCK_MARKER
    first = template.replace("{mark}", begin or BLOCK_BEGIN)
    last = template.replace("{mark}", end or BLOCK_END)
    return first, last


class Block(FactBase[list[str] | None]):
    """The lines between a managed block's markers; [] if the markers are not found, None if
    the file is missing.

    Markers are whole lines: ``marker`` with ``{mark}`` replaced by ``begin`` (``BEGIN``) or
    ``end`` (``END``); the default marker is ``# {mark} PYINFRA BLOCK``.
    """

    def command(
        self,
        path: str,
        marker: str | None = None,
        begin: str | None = None,
        end: str | None = None,
    ) -> str:
        p = shell_path(path)
        first, last = block_markers(marker, begin, end)
        # the markers reach awk through the environment: no escape processing, any text
        program = (
            'BEGIN { b = ENVIRON["CORRAL_BEGIN"]; e = ENVIRON["CORRAL_END"] } '
            f'!f && $0 == b {{ f = 1; print "{BLOCK_FOUND}"; next }} '
            "f && $0 == e { exit } f { print }"
        )
        return (
            f"if [ -f {p} ]; then echo {EXISTS_MARKER} && "
            f"CORRAL_BEGIN={shlex.quote(first)} CORRAL_END={shlex.quote(last)} "
            f"awk {shlex.quote(program)} {p}; fi"
        )

    def process(self, output: list[str]) -> list[str] | None:
        lines = _marked(output)
        if lines is None:
            return None
        if not lines:
            return []
        if lines[0] != BLOCK_FOUND:
            raise FactParseError(f"expected {BLOCK_FOUND!r}, got {lines[0]!r}")
        return lines[1:]

    def reads(
        self,
        path: str,
        marker: str | None = None,
        begin: str | None = None,
        end: str | None = None,
    ) -> frozenset[Key]:
        return frozenset({keys.path(path)})


# the find-based facts live in their own module; importing them here registers them
# under this module's name (files.FindFiles...)
from ._find import FindDirectories as FindDirectories  # noqa: E402
from ._find import FindFiles as FindFiles  # noqa: E402
from ._find import FindLinks as FindLinks  # noqa: E402
from ._find import Tree as Tree  # noqa: E402
from ._find import TreeEntry as TreeEntry  # noqa: E402
