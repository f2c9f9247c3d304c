"""Helpers deploys and extensions import from ``pyinfra.api.util``."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from corral.model.state import get_file_path

F = TypeVar("F", bound=Callable[..., Any])


def sha1_hash(string: str) -> str:
    """The SHA-1 of text, as hex."""
    return hashlib.sha1(string.encode(), usedforsecurity=False).hexdigest()


def _hash_text(obj: Any) -> str:
    """The text :func:`make_hash` hashes for one value: nested lists, tuples and sets by
    their items' hashes, dicts by each key and its value's hash, an int (True and False
    too) as written, None (and what equals True or False) as a constant, a str as
    itself, anything else by its ``__name__``, its ``name`` or its repr."""
    if isinstance(obj, set | tuple | list):
        return "".join(make_hash(item) for item in obj)
    if isinstance(obj, dict):
        return "".join(f"{key}{make_hash(value)}" for key, value in obj.items())
    if isinstance(obj, int):
        return f"{obj}"
    if _is_constant(obj):
        return "_PYINFRA_CONSTANT"
    if isinstance(obj, str):
        return obj
    for attr in ("__name__", "name"):
        if hasattr(obj, attr):
            return str(getattr(obj, attr))
    return repr(obj)


def _is_constant(obj: Any) -> bool:
    """None, or a value equal to True or False that is no int (``1.0``, ``0.0``): all
    hashed alike, as pyinfra does."""
    try:
        return bool(obj in (True, False, None))
    except Exception:  # a value whose comparison fails (an array)
        return False


def make_hash(obj: Any) -> str:
    """A stable identifier (SHA-1 hex) of a value made of dicts, lists, tuples, sets,
    strings and numbers: the same value as pyinfra's ``make_hash`` gives, so a name built
    from it (a file on the host) is the same under both."""
    return sha1_hash(_hash_text(obj))


def _file_digest(filename_or_io: str | Path | IO[Any], digest: str) -> str:
    hasher = hashlib.new(digest)
    if isinstance(filename_or_io, str | Path):
        with open(filename_or_io, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 16), b""):
                hasher.update(block)
        return hasher.hexdigest()
    filename_or_io.seek(0)
    while block := filename_or_io.read(1 << 16):
        hasher.update(block.encode() if isinstance(block, str) else block)
    return hasher.hexdigest()


def get_file_sha1(filename_or_io: str | Path | IO[Any]) -> str:
    return _file_digest(filename_or_io, "sha1")


def get_file_md5(filename_or_io: str | Path | IO[Any]) -> str:
    return _file_digest(filename_or_io, "md5")


def get_file_sha256(filename_or_io: str | Path | IO[Any]) -> str:
    return _file_digest(filename_or_io, "sha256")


def try_int(value: Any) -> Any:
    """``int(value)``, or the value itself if it is no integer."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def memoize(func: F) -> F:
    """Cache a function's results by its arguments (which must be hashable)."""
    return functools.cache(func)  # type: ignore[return-value]


def get_kwargs_str(kwargs: dict[Any, Any]) -> str:
    """``key=value, ...`` sorted by key, without ``self``, ``state`` and ``host``."""
    return ", ".join(f"{key}={value}" for key, value in sorted(kwargs.items())
                     if key not in ("self", "state", "host"))


__all__ = [
    "get_file_md5",
    "get_file_path",
    "get_file_sha1",
    "get_file_sha256",
    "get_kwargs_str",
    "make_hash",
    "memoize",
    "sha1_hash",
    "try_int",
]
