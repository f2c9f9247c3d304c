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


def _path_conflict(a: str, b: str) -> bool:
    if a == b:
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    prefix = short if short.endswith("/") else short + "/"
    return long_.startswith(prefix)


def conflicts(reads: Iterable[Key], changes: Iterable[Key]) -> bool:
    """True when a change to any of ``changes`` may alter something in ``reads``."""
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
            elif r == c:
                return True
    return False
