"""Manage BSD init services (``/etc/rc.d``, ``/usr/local/etc/rc.d``): start, stop,
restart, reload them, and enable them in ``/etc/rc.conf.local``."""

from __future__ import annotations

import re
from typing import Any

from corral.facts.bsdinit import RcdStatus
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.services import SERVICES, check_service_name, control

from . import files

RC_CONF_LOCAL = "/etc/rc.conf.local"
#: an rc.conf variable is NAME_enable: NAME must be a shell variable name's part
_VARIABLE_RE = re.compile(r"[A-Za-z0-9_]+")


def _script(service: str, action: QuoteString) -> StringCommand:
    """The service's script in /etc/rc.d, else the one in /usr/local/etc/rc.d."""
    base, local = QuoteString(f"/etc/rc.d/{service}"), QuoteString(f"/usr/local/etc/rc.d/{service}")
    return StringCommand("if [ -e", base, "]; then", base, action, "; else", local, action,
                         "; fi")


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [SERVICES, keys.path(RC_CONF_LOCAL)]


@operation(changes=_changes)
def service(
    service: str,
    running: bool = True,
    restarted: bool = False,
    reloaded: bool = False,
    command: str | None = None,
    enabled: bool | None = None,
) -> OpGenerator:
    """Start, stop, restart or reload a BSD init service, and enable it or not.

    + service: the service's name (its script in ``/etc/rc.d`` or ``/usr/local/etc/rc.d``)
    + running: whether it should be running
    + restarted: restart it if it was running
    + reloaded: reload it if it was running
    + command: another action of the script to run every time (``/etc/rc.d/NAME COMMAND``)
    + enabled: whether ``/etc/rc.conf.local`` has ``NAME_enable="YES"`` (True) or no
      such line (False); None leaves it as it is. The name must then be letters, digits
      and ``_`` (it is part of a shell variable's name).

    Example:
        bsdinit.service(
            name="Run and enable nginx",
            service="nginx",
            enabled=True,
        )
    """
    check_service_name(service)
    if enabled is not None and not _VARIABLE_RE.fullmatch(service):
        raise OperationValueError(
            f"{service!r} cannot be part of the rc.conf variable {service}_enable")
    statuses = host.get_fact(RcdStatus)
    yield from control(service, statuses.get(service),
                       lambda action: _script(service, action),
                       running, restarted, reloaded, command)
    if enabled is not None:
        yield from files.line._inner(path=RC_CONF_LOCAL, line=f"^{service}_enable=",
                                     replace=f'{service}_enable="YES"', present=enabled)
