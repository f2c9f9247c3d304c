"""A light runtime check of operation arguments against their annotations."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .secrets import Secret

_SIMPLE = (str, int, float, bool, bytes, dict, list, tuple, set)


def type_name(hint: Any) -> str:
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")


def admits_none(hint: Any) -> bool:
    """Whether ``None`` fits ``hint``: only where the annotation says so (``Any``,
    ``object``, ``X | None``, a ``Literal`` holding it, a type variable). Forms that
    :func:`matches` does not understand (``IO[Any]``, ``os.PathLike[str]``) accept any
    other value, but not None: a hole there let ``files.put(src=None)`` reach the engine."""
    if hint is Any or hint is typing.Any or hint is object or hint is None:
        return True
    if hint is type(None) or isinstance(hint, typing.TypeVar):
        return True
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(admits_none(arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return None in typing.get_args(hint)
    return False


def matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits ``hint``. Forms this does not understand accept any value but
    None (:func:`admits_none`)."""
    if value is None:
        return admits_none(hint)
    if hint is Any or hint is typing.Any:
        return True
    if hint is None or hint is type(None):
        return False  # value is not None
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(matches(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    if hint is str:
        from .command import StringCommand

        return isinstance(value, str | Secret | StringCommand)
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is bool:
        return isinstance(value, bool)
    if origin in (list, Sequence, Iterable, tuple, set, frozenset) or hint in (list, tuple):
        if isinstance(value, str | bytes):
            return False
        container = {list: list, tuple: tuple, set: set, frozenset: frozenset}.get(origin, None)
        if container is not None and not isinstance(value, container | list | tuple):
            return False
        if not isinstance(value, Iterable):
            return False
        args = typing.get_args(hint)
        if len(args) == 1 and isinstance(value, list | tuple | set | frozenset):
            return all(matches(v, args[0]) for v in value)
        return True
    if origin in (dict, Mapping) or hint is dict:
        return isinstance(value, Mapping)
    if origin is Callable or hint is Callable:
        return callable(value)
    if isinstance(hint, type) and hint in _SIMPLE:
        return isinstance(value, hint)
    if isinstance(hint, type):
        try:
            return isinstance(value, hint)
        except TypeError:
            return True
    return True
