"""Run synchronous deploy code as a coroutine.

Deploy code is plain, synchronous Python. Each host's deploy code runs in its own greenlet;
when it needs the network (a fact, an operation's result) it hands an awaitable to the
host's asyncio task and is resumed with the answer. One event loop, no threads.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from greenlet import getcurrent, greenlet

T = TypeVar("T")


class _Driven(greenlet):  # type: ignore[misc]
    """A greenlet whose parent is waiting in ``run_sync`` to serve its awaits."""

    driven = True


def in_driven() -> bool:
    """Whether this is code run by :func:`run_sync` (which may :func:`await_only`)."""
    return bool(getattr(getcurrent(), "driven", False))


def await_only(awaitable: Awaitable[T]) -> T:
    """From synchronous code run by :func:`run_sync`, wait for ``awaitable``."""
    current = getcurrent()
    if not getattr(current, "driven", False):
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()
        raise RuntimeError("await_only called outside deploy code run by corral")
    result: T = current.parent.switch(awaitable)
    return result


async def run_sync(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn(*args)`` in a greenlet, serving every awaitable it hands over."""
    context = contextvars.copy_context()
    child = _Driven(fn, getcurrent())
    child.gr_context = context
    value: Any = child.switch(*args)
    while not child.dead:
        try:
            answer = await value
        except BaseException:
            value = child.throw(*sys.exc_info())
        else:
            value = child.switch(answer)
    return value  # type: ignore[no-any-return]
