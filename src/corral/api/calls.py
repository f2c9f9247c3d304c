"""Checking a call of an operation, deploy or plain function before anything runs.

Front ends that build a call from text (the command line's ``corral INVENTORY
server.user bob home=/home/bob``) read each word by the argument's annotation
(:func:`argument_hints`), then check the whole call (:func:`check_call`): an unknown,
missing or mistyped argument is :class:`~corral.model.errors.BadInput` before any host is
contacted, as it would be in deploy code.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Any

from corral.model.errors import BadInput
from corral.model.operation import (
    OperationSpec,
    bind_arguments,
    check_argument_text,
    check_text,
    global_problem,
    validate_globals,
)
from corral.model.typecheck import matches as value_matches

from .arguments import all_global_arguments


def _operation_spec(func: Callable[..., Any]) -> OperationSpec | None:
    """What ``@operation`` recorded of ``func`` (None for any other callable)."""
    spec = getattr(func, "_spec", None)
    return spec if isinstance(spec, OperationSpec) else None


def argument_hints(func: Callable[..., Any]) -> tuple[dict[str, Any], list[str], bool]:
    """``(annotations by argument name, the names of the positional arguments in order,
    whether these are an operation's checked annotations)``. The global arguments
    (``_sudo``, ``_retries``...) are typed as everywhere, unless ``func`` annotates an
    argument of that name itself; a function whose annotations do not evaluate has none."""
    spec = _operation_spec(func)
    if spec is not None:
        hints = dict(spec.hints)
        params = spec.signature.parameters
        typed = True
    else:
        try:
            params = inspect.signature(func).parameters
        except (TypeError, ValueError):
            return {}, [], False
        try:
            hints = typing.get_type_hints(func)
        except Exception:  # an annotation that does not evaluate: read values untyped
            hints = {}
        hints.pop("return", None)
        typed = False
    for name, hint in all_global_arguments():
        if hint is not Any:
            hints.setdefault(name, hint)
    names = [n for n, p in params.items()
             if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return hints, names, typed


def check_call(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
               where: str = "command line") -> None:
    """Unknown, missing or mistyped arguments of ``func(*args, **kwargs)``: bad input
    located at ``where``, before any host is contacted. An operation's arguments are
    checked as its decorator checks them in deploy code (NUL bytes included); a
    ``@deploy`` function's global arguments as a deploy's; any other function against
    its signature."""
    location = (where, 0)
    spec = _operation_spec(func)
    given = {k: v for k, v in kwargs.items() if k.startswith("_") or k == "name"}
    if spec is not None:
        plain = {k: v for k, v in kwargs.items() if k not in given}
        validate_globals(given, location, spec.name)
        bind_arguments(spec, args, plain, location)
        check_argument_text(spec, args, plain, given, location)
        return
    label = getattr(func, "__qualname__", repr(func))
    if getattr(func, "is_corral_deploy", False):
        given = {k: v for k, v in kwargs.items() if k.startswith("_")}
        validate_globals(given, location, label)
        check_text(given, location, label, "global argument")
        kwargs = {k: v for k, v in kwargs.items() if k not in given}
    try:
        inspect.signature(func).bind(*args, **kwargs)
    except TypeError as exc:
        raise BadInput(f"{label}: {exc}", file=where) from None
    except ValueError:  # no signature to check against (a builtin)
        pass


__all__ = ["argument_hints", "check_call", "global_problem", "value_matches"]
