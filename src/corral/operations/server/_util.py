"""Helpers shared by the server operation modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corral.model.command import QuoteString, StringCommand
from corral.model.operation import OpGenerator
from corral.model.operation import operation as _untyped_operation


def server_operation(**options: Any) -> Callable[[Callable[..., OpGenerator]], Any]:
    """``@operation(...)`` with a type mypy --strict accepts. An operation defined in a
    private module of the ``server`` package is named ``server.<function>`` (its namespace)."""
    decorate: Callable[[Callable[..., OpGenerator]], Any] = _untyped_operation(**options)
    return decorate


def joined(words: list[str], separator: str = " ") -> StringCommand:
    """Words as one shell word each, joined by ``separator`` (e.g. ``a,b`` for -G)."""
    parts: list[object] = []
    for word in words:
        if parts:
            parts.append(separator)
        parts.append(QuoteString(word))
    return StringCommand(*parts, _separator="")
