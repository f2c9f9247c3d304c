"""Run Python on the controller at an operation's place in a host's order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corral.model.command import FunctionCommand
from corral.model.errors import OperationTypeError
from corral.model.operation import OpGenerator, operation


@operation(is_idempotent=False)
def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> OpGenerator:
    """Call a Python function on the controller, when the host's operations reach this one.

    + function: the function, called as ``function(*args, **kwargs)``; a function whose
      parameters include ``state`` and ``host`` gets those first, as in pyinfra
    + args, kwargs: what it is called with

    Every operation before it on that host has run (so the function may read their
    ``changed``, ``stdout`` and ``did_succeed()``), none after it has; ``host`` is the
    host, and ``host.get_fact(...)`` reads the host as it is at that point. Operations
    the function calls run right after it, before the rest. Nothing runs on a dry run.
    An exception it raises fails the operation, and the host unless ``_ignore_errors``;
    it may change anything, so facts are read again after it.

    Example:
        def report(result):
            print(host.name, result.stdout)
        version = server.shell(commands=["nginx -v 2>&1"])
        python.call(name="Report the version", function=report, result=version)
    """
    yield FunctionCommand(function, args, kwargs)


@operation(is_idempotent=False)
def raise_exception(exception: type[Exception], *args: Any, **kwargs: Any) -> OpGenerator:
    """Fail the host, at this point of its order, with ``exception(*args, **kwargs)``.

    + exception: the exception class (a subclass of ``Exception``)
    + args, kwargs: what it is made with

    Example:
        python.raise_exception(NotImplementedError, "no package manager here",
                               _if=lambda: host.get_fact(server.Which, "apt") is None)
    """
    if not (isinstance(exception, type) and issubclass(exception, Exception)):
        raise OperationTypeError(f"exception must be an exception class, not {exception!r}")

    def raise_it(*args: Any, **kwargs: Any) -> None:
        raise exception(*args, **kwargs)

    raise_it.__name__ = getattr(exception, "__name__", "raise_exception")
    yield FunctionCommand(raise_it, args, kwargs)
