"""Edit FreeBSD's rc.conf variables with ``sysrc(8)``."""

from __future__ import annotations

import re
from typing import Any

from corral.facts.freebsd import RC_CONF_KEY, Sysrc
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

from ._common import jail_option

SYSRC_ADD: str = "add"
SYSRC_SUB: str = "sub"
SYSRC_SET: str = "set"
SYSRC_DEL: str = "del"

#: what sysrc writes into rc.conf is a shell variable's assignment
_VARIABLE_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SIGNS = {SYSRC_SET: "=", SYSRC_DEL: "=", SYSRC_ADD: "+=", SYSRC_SUB: "-="}


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [RC_CONF_KEY]


@operation(changes=_changes)
def sysrc(
    parameter: str,
    value: str,
    jail: str | None = None,
    command: str = SYSRC_SET,
    overwrite: bool = False,
) -> OpGenerator:
    """Set, add to, take from or delete an rc.conf variable with ``sysrc(8)``.

    + parameter: the variable (``nginx_enable``)
    + value: its value (``set``), or the word to add or take away (``add``, ``sub``)
    + jail: in this jail (``sysrc -j``)
    + command: ``set``, ``add``, ``sub`` or ``del``
    + overwrite: with ``set``, change a variable that already has a value (without it a
      set variable is left as it is)

    ``set`` (without ``overwrite``) and ``del`` change nothing when there is nothing to
    do; ``add``, ``sub`` and ``set`` with ``overwrite`` run every time.

    Example:
        sysrc.sysrc(
            "nginx_enable",
            "YES",
            command="set",
        )
    """
    if command not in _SIGNS:
        raise OperationValueError(f"command must be one of {', '.join(_SIGNS)}, "
                                  f"not {command!r}")
    if not isinstance(parameter, str) or not _VARIABLE_RE.fullmatch(parameter):
        raise OperationValueError(f"{parameter!r} is not an rc.conf variable name")
    if "\n" in value or "\0" in value:
        raise OperationValueError(f"the value of {parameter} holds a line break")
    if command == SYSRC_DEL:
        if not host.get_fact(Sysrc, parameter=parameter, jail=jail):
            host.noop(f"{parameter} is not set")
            return
    elif command == SYSRC_SET and not overwrite:
        if host.get_fact(Sysrc, parameter=parameter, jail=jail):
            host.noop(f"{parameter} is already set")
            return
    yield StringCommand("sysrc", "-i", *(["-x"] if command == SYSRC_DEL else []),
                        *jail_option(jail), "--",
                        QuoteString(f"{parameter}{_SIGNS[command]}{value}"))
