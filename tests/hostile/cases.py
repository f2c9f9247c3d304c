"""The table of the hostile suite: for every operation, otherwise valid arguments, the state
that makes it yield commands, and for each text argument where the hostile string goes and
what is read back.

A :class:`Case` is one operation with its base arguments; each :class:`Arg` of it is one
text argument (or an item of a list, a key or value of a dict) given hostile strings, with
the checks that read its effect back. ``exempt`` names the text arguments that are shell
text or code by design (``server.shell``'s commands, ``extra_install_args``...), with why.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from .checks import Check
from .sandbox import Sandbox
from .strategies import CANARY, hostile_text, leading_dash, name_text

# the known open bugs, fixed in parallel elsewhere: cases failing on them are xfail(strict)

#: the hostile strings tried first for every argument (after its ``shape``), whatever
#: hypothesis draws: one per way out of a quoting
CLASSICS = [
    f"$({CANARY})",
    f"`{CANARY}`",
    f"x; {CANARY}",
    f"x' '$({CANARY})'",
    f'x"; {CANARY}; "',
    f"x\n{CANARY}",
    "a\rb",
    "-x",
    "a&b\\1/c|d#e",
    "  *  ",
    "",
]


@dataclass
class Ctx:
    """One example: a fresh directory on the sandbox and one on this machine."""

    sandbox: Sandbox
    n: int
    local: Path

    @property
    def dir(self) -> str:
        return f"/srv/hostile/{self.n}"

    def at(self, *parts: str) -> str:
        return "/".join([self.dir, *parts])


Place = Callable[[str, Ctx], dict[str, Any]]
Shape = Callable[[str], str]


@dataclass(frozen=True)
class Arg:
    """One text argument of an operation under hostile strings."""

    param: str  #: the operation's parameter this covers
    place: Place  #: the hostile string -> the arguments it sets
    checks: tuple[Check, ...] = ()
    label: str = ""  #: a variant's name (default: param)
    shape: Shape | None = None  #: applied to every string (e.g. no "/" in a file name)
    strategy: Callable[[], st.SearchStrategy[str]] = hostile_text
    extra: dict[str, Any] = field(default_factory=dict)  #: base arguments changed
    setup: Callable[[Ctx, str], None] | None = None  #: state for this argument's value
    xfail: str | None = None
    #: values that must work (a refusal or a failed command for them is a bug)
    valid: Callable[[str], bool] | None = None
    #: more strings tried first, besides the classics
    examples: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.label or self.param

    def strings(self) -> st.SearchStrategy[str]:
        base = self.strategy()
        return base.map(self.shape) if self.shape else base

    def classics(self) -> list[str]:
        shaped = [self.shape(c) if self.shape else c for c in [*CLASSICS, *self.examples]]
        return list(dict.fromkeys(shaped))


@dataclass(frozen=True)
class Case:
    """One operation: base arguments (valid), state, and its text arguments."""

    op: str
    base: Callable[[Ctx], dict[str, Any]]
    args: tuple[Arg, ...]
    setup: Callable[[Ctx], None] | None = None  #: per example, before the run
    prepare: Callable[[Sandbox], None] | None = None  #: once per sandbox (stubs)
    exempt: dict[str, str] = field(default_factory=dict)
    group: str = ""


# -- placing a hostile string ----------------------------------------------------------------


def as_is(param: str) -> Place:
    return lambda v, c: {param: v}


def in_list(param: str, *others: str) -> Place:
    return lambda v, c: {param: [*others, v]}


def under_dir(param: str, *prefix: str) -> Place:
    """``param`` is a path in the example's directory whose last part is the string."""
    return lambda v, c: {param: c.at(*prefix, v)}


def dict_key(param: str, value: str = "v") -> Place:
    return lambda v, c: {param: {v: value}}


def dict_value(param: str, key: str = "X-Hostile") -> Place:
    return lambda v, c: {param: {key: v}}


# -- shapes ---------------------------------------------------------------------------------


def no_slash(text: str) -> str:
    """A file name: no ``/``, at most 200 bytes (a name holds 255), never empty."""
    name = text.replace("/", "%").encode()[:200].decode("utf-8", "ignore")
    return name or "empty"


def short(text: str) -> str:
    """At most 200 bytes: what a file name can hold (e.g. a service's init script)."""
    return text.encode()[:200].decode("utf-8", "ignore")


def local_relative(text: str) -> str:
    """A local path inside the example's own directory (the run's working directory): not
    absolute, no ``..`` (a hostile "/" or ".." would send files.sync walking this machine)."""
    return text.lstrip("/").replace("..", "._") or "missing"


LOCAL: dict[str, Any] = dict(shape=local_relative)


def one_line(text: str) -> str:
    return text.replace("\n", " ")


def dashed(text: str) -> str:
    """A relative path starting with a dash."""
    return "-" + no_slash(text).lstrip("-")


def relative(param: str) -> Place:
    """A relative path (the shell's directory is /): the string, made unique to the example
    (relative paths of every example land in the same directory)."""
    return lambda v, c: {param: f"{v}~{c.n}"}


def any_name(text: str) -> bool:
    """Every file name works, but . and .. (which name directories that exist)."""
    return text not in (".", "..")


def always(text: str) -> bool:
    return True


def one_line_text(text: str) -> bool:
    """A value a line of a text file can hold (an operation may refuse line breaks)."""
    return not any(c in text for c in "\n\r")


NAME: dict[str, Any] = dict(shape=no_slash, strategy=name_text, valid=any_name)
RELATIVE: dict[str, Any] = dict(shape=dashed, strategy=lambda: leading_dash, valid=any_name)


# -- reading back ------------------------------------------------------------------------------


def passwd_entries(sandbox: Sandbox, table: str = "passwd") -> dict[str, list[str]]:
    text = sandbox.read(f"/etc/{table}") or ""
    out: dict[str, list[str]] = {}
    for line in text.split("\n"):
        if line:
            fields = line.split(":")
            out.setdefault(fields[0], fields)
    return out


#: where str.splitlines ends a line besides "\n" (see LINE_BREAKS_IN_FACTS)
LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


def safe_name(text: str) -> bool:
    """Whether a user or group entry with this name can be written to /etc/passwd (and
    leaves the sandbox's user facts readable: see LINE_BREAKS_IN_FACTS)."""
    return (bool(text) and not any(c in text for c in ":\n," + LINE_BREAKS)
            and not text.startswith(("-", "+")))


def add_user(sandbox: Sandbox, name: str, uid: int, home: str = "/nonexistent") -> None:
    """A user entry written straight into the files (no program checks the name)."""
    for table, line in (("passwd", f"{name}:x:{uid}:{uid}::{home}:/bin/sh"),
                        ("group", f"{name}:x:{uid}:"), ("shadow", f"{name}:!:19000::::::"),
                        ("gshadow", f"{name}:!::")):
        path = sandbox.path(f"/etc/{table}")
        with path.open("a", encoding="utf-8", errors="surrogateescape") as f:
            f.write(line + "\n")


def add_group(sandbox: Sandbox, name: str, gid: int) -> None:
    for table, line in (("group", f"{name}:x:{gid}:"), ("gshadow", f"{name}:!::")):
        with sandbox.path(f"/etc/{table}").open("a") as f:
            f.write(line + "\n")


def words_of(command: str) -> list[str]:
    return shlex.split(command)


def sql_forms(value: str) -> Sequence[str]:
    """The forms a value takes inside SQL: as is, as a MySQL or PostgreSQL string or name."""
    return [
        value,
        value.replace("\\", "\\\\").replace("'", "''"),
        value.replace("'", "''"),
        value.replace('"', '""'),
        value.replace("`", "``"),
    ]
