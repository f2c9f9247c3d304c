"""State keys: what a fact reads and what an operation may change.

The engine starts a new wave when an operation's facts read a key that an earlier
operation of the same wave changes. ``ANY`` conflicts with everything.
"""

from __future__ import annotations

from collections.abc import Iterable

Key = tuple[str, ...]
ANY: Key = ("*",)


def path(p: str) -> Key:
    return ("path", p.rstrip("/") or "/")


def node(p: str) -> Key:
    """What an operation changes when it only makes or alters the entry at a path itself
    (an empty directory where there was none, a file's owner or mode): what is read at
    the path, not what is read below it. (Replacing or removing an entry is ``path``.)"""
    return ("node", p.rstrip("/") or "/")


def tree(p: str) -> Key:
    """What a fact reading a whole directory tree depends on: the path, everything below it
    (new files included) and its parents (the tree replaced or removed)."""
    return ("tree", p.rstrip("/") or "/")


def _tree_conflict(root: str, change: str) -> bool:
    if root == change:
        return True
    return change.startswith(root.rstrip("/") + "/") or root.startswith(change.rstrip("/") + "/")


def _path_conflict(read: str, change: str) -> bool:
    """A change at a path alters what is read at that path and anywhere below it (a
    directory replaced by a link...), not what is read at its parents: a new file in a
    directory leaves the directory's owner and mode as they were."""
    if read == change:
        return True
    prefix = change if change.endswith("/") else change + "/"
    return read.startswith(prefix)


def conflicts(reads: Iterable[Key], changes: Iterable[Key]) -> bool:
    """True when a change to any of ``changes`` may alter something in ``reads``.

    A fact that reads a whole tree (a directory listing) names each path it depends on,
    or ``ANY``."""
    changes = list(changes)
    if not changes:
        return False
    for r in reads:
        for c in changes:
            if r == ANY or c == ANY:
                return True
            if r[0] == "path" and c[0] == "path":
                if _path_conflict(r[1], c[1]):
                    return True
            elif r[0] == "path" and c[0] == "node":
                if r[1] == c[1]:
                    return True
            elif r[0] == "tree" and c[0] in ("path", "node"):
                if _tree_conflict(r[1], c[1]):
                    return True
            elif r == c:
                return True
    return False
