"""Helpers shared by the server operation modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corral.model.command import QuoteString, StringCommand
from corral.model.operation import OpGenerator
from corral.model.operation import operation as _untyped_operation

#: operations defined in the private ``_server_*`` modules are published as ``server.X``
SERVER_MODULE = "corral.operations.server"


def server_operation(**options: Any) -> Callable[[Callable[..., OpGenerator]], Any]:
    """``@operation(...)`` for an operation of the server module defined in a private
    module: its name is ``server.<function>`` and the catalog lists it under server."""
    decorate: Callable[[Callable[..., OpGenerator]], Any] = _untyped_operation(**options)

    def publish(fn: Callable[..., OpGenerator]) -> Any:
        fn.__module__ = SERVER_MODULE
        return decorate(fn)

    return publish


def joined(words: list[str], separator: str = " ") -> StringCommand:
    """Words as one shell word each, joined by ``separator`` (e.g. ``a,b`` for -G)."""
    parts: list[object] = []
    for word in words:
        if parts:
            parts.append(separator)
        parts.append(QuoteString(word))
    return StringCommand(*parts, _separator="")
