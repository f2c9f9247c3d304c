"""The ``find``-based ``files`` facts: FindFiles, FindLinks, FindDirectories and Tree.

Part of the ``files`` fact namespace (``corral.facts.files`` re-exports them). They read a
whole tree, so they read ``keys.tree(path)``: a change anywhere below the path (or to the
path or its parents) alters them.
"""

from __future__ import annotations

import re
import shlex
from typing import ClassVar, Literal, TypedDict

from corral.facts._util.shell import shell_path
from corral.model import keys
from corral.model.errors import BadInput, FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: printed first by Tree when the directory exists
TREE_EXISTS = "__corral_exists__"
#: printed by Tree when the path exists and is not a directory
TREE_NOT_DIR = "__corral_notdir__"
#: starts Tree's checksum section
TREE_SUMS = "__corral_sums__"
#: separates Tree's fields (an ASCII unit separator, found in no sane file name)
TREE_SEP = "\x1f"

_TYPES = {"f": "file", "d": "directory", "l": "link"}


_SIZE_RE = re.compile(r"^\s*(\d+)\s*([kmgt]?)(i?)(b?)\s*$", re.IGNORECASE)
_POWERS = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


def parse_size(size: str | int) -> int:
    """``"10"``/``10`` bytes, ``"5k"``/``"5KB"`` (x1000), ``"5KiB"`` (x1024), up to T."""
    if isinstance(size, int):
        return size
    match = _SIZE_RE.match(size)
    if not match:
        raise BadInput(f"cannot understand the size {size!r}")
    number, unit, binary, _ = match.groups()
    base = 1024 if binary else 1000
    result: int = int(number) * base ** _POWERS[unit.lower()]
    return result


class _FindBase(FactBase[list[str]]):
    """The paths ``find`` lists from a start path."""

    abstract = True
    type_flag: ClassVar[str] = "f"

    @staticmethod
    def default() -> list[str]:
        return []

    def reads(self, path: str, *args: object, **kwargs: object) -> frozenset[Key]:
        return frozenset({keys.tree(path)})

    def command(
        self,
        path: str,
        size: str | int | None = None,
        min_size: str | int | None = None,
        max_size: str | int | None = None,
        maxdepth: int | None = None,
        fname: str | None = None,
        iname: str | None = None,
        regex: str | None = None,
        path_match: str | None = None,
        args: list[str] | None = None,
        quote_path: bool = True,
    ) -> str:
        extra = list(args or [])
        bits = ["find", shell_path(path) if quote_path else path, "-type", self.type_flag]
        if maxdepth is not None and "-maxdepth" not in extra:
            # find wants -maxdepth before the tests
            bits[2:2] = ["-maxdepth", str(int(maxdepth))]
        # sizes in bytes ("c"): other units round in surprising ways
        if "-size" not in extra:
            if min_size is not None:
                bits += ["-size", f"+{parse_size(min_size)}c"]
            if max_size is not None:
                bits += ["-size", f"-{parse_size(max_size)}c"]
            if size is not None:
                bits += ["-size", f"{parse_size(size)}c"]
        for flag, value in (("-name", fname), ("-iname", iname), ("-regex", regex),
                            ("-path", path_match)):
            if value is not None and flag not in extra:
                bits += [flag, shlex.quote(value)]
        bits += [shlex.quote(arg) for arg in extra]
        return " ".join(bits) + " 2>/dev/null || true"

    def process(self, output: list[str]) -> list[str]:
        return [line for line in output if line]


class FindFiles(_FindBase):
    """The regular files under a path (recursively, with ``find``); [] if there are none."""

    type_flag = "f"


class FindLinks(_FindBase):
    """The symbolic links under a path (recursively, with ``find``); [] if there are none."""

    type_flag = "l"


class FindDirectories(_FindBase):
    """The directories under a path, itself included (with ``find``); [] if there are none."""

    type_flag = "d"


class TreeEntry(TypedDict):
    """One path in a Tree: its type, permissions, owner, and content digest or link target."""

    type: str
    mode: int
    user: str
    group: str
    sha256: str | None
    link_target: str | None


_SUM_RE = re.compile(r"^(\\?)([0-9a-f]{64}) [ *](.*)$")


def _unescape(name: str) -> str:
    """Undo sha256sum's escaping of a file name holding a backslash or a newline."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), name)


class Tree(FactBase[dict[str, TreeEntry] | Literal[False] | None]):
    """Every path under a directory, by path relative to it (``""`` is the directory itself):
    type, mode, user, group, sha256 of files and target of links.

    None if the directory is missing, False if the path is not a directory. One ``find``
    and one ``sha256sum`` run, whatever the size of the tree (GNU find).
    """

    def reads(self, path: str) -> frozenset[Key]:
        return frozenset({keys.tree(path)})

    def command(self, path: str) -> str:
        p = shell_path(path)
        fields = "\\037".join(("%y", "%m", "%u", "%g", "%l", "%P"))
        return (
            f"if [ -d {p} ]; then cd {p} && echo {TREE_EXISTS} && "
            f"{{ find . -printf '{fields}\\n' 2>/dev/null; echo {TREE_SUMS}; "
            "find . -type f -exec sha256sum {} + 2>/dev/null; true; }; "
            f"elif [ -e {p} ] || [ -L {p} ]; then echo {TREE_NOT_DIR}; fi"
        )

    def process(self, output: list[str]) -> dict[str, TreeEntry] | Literal[False] | None:
        if not output:
            return None
        if output[0] == TREE_NOT_DIR:
            return False
        if output[0] != TREE_EXISTS:
            raise FactParseError(f"expected {TREE_EXISTS!r}, got {output[0]!r}")
        tree: dict[str, TreeEntry] = {}
        lines = iter(output[1:])
        for line in lines:
            if line == TREE_SUMS:
                break
            parts = line.split(TREE_SEP)
            if len(parts) != 6 or not parts[1].isdigit() or len(parts[1]) > 5:
                raise FactParseError(f"cannot parse a tree entry: {line!r}")
            kind, mode, user, group, target, name = parts
            tree[name] = {
                "type": _TYPES.get(kind, "other"),
                "mode": int(mode),
                "user": user,
                "group": group,
                "sha256": None,
                "link_target": target if kind == "l" else None,
            }
        else:
            raise FactParseError(f"no {TREE_SUMS!r} line in the tree listing")
        for line in lines:
            match = _SUM_RE.match(line)
            if not match:
                raise FactParseError(f"cannot parse a checksum line: {line!r}")
            escaped, digest, name = match.groups()
            if escaped:
                name = _unescape(name)
            name = name[2:] if name.startswith("./") else name
            entry = tree.get(name)
            if entry is None or entry["type"] != "file":
                raise FactParseError(f"a checksum for a path not listed as a file: {name!r}")
            entry["sha256"] = digest
        return tree
