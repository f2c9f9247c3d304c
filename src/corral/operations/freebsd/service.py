"""Control FreeBSD's rc(8) services with ``service(8)``."""

from __future__ import annotations

import re
from typing import Any

from corral.facts.freebsd import ServiceScript, ServiceStatus
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.services import SERVICES, check_service_name

from ._common import jail_option

SRV_STARTED: str = "started"
SRV_STOPPED: str = "stopped"
SRV_RESTARTED: str = "restarted"
SRV_RELOADED: str = "reloaded"
SRV_CUSTOM: str = "custom"

_STATES = (SRV_STARTED, SRV_STOPPED, SRV_RESTARTED, SRV_RELOADED, SRV_CUSTOM)
#: service -E NAME=VALUE: the name an environment variable's
_ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=.*", re.DOTALL)


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [SERVICES]


@operation(changes=_changes)
def service(
    srvname: str,
    jail: str | None = None,
    srvstate: str = SRV_STARTED,
    command: str | list[str] | None = None,
    environment: list[str] | None = None,
    verbose: bool = False,
) -> OpGenerator:
    """Start, stop, restart or reload an rc(8) service, or run another of its script's
    commands; nothing when the host (or jail) has no such script.

    + srvname: the service (its rc(8) script's name)
    + jail: in this jail (``service -j``)
    + srvstate: ``started``, ``stopped``, ``restarted``, ``reloaded``, or ``custom``
      (run ``command``)
    + command: with ``custom``, the script's command and its arguments (each one word)
    + environment: ``NAME=value`` settings for the script (``service -E``)
    + verbose: ``service -v``

    ``started`` and ``stopped`` change nothing when the service already is; the others
    run every time.

    Example:
        service.service(
            "sopel",
            srvstate="custom",
            command="configure",
        )
    """
    check_service_name(srvname)
    if srvstate not in _STATES:
        raise OperationValueError(f"srvstate must be one of {', '.join(_STATES)}, "
                                  f"not {srvstate!r}")
    for setting in environment or []:
        if not _ENV_RE.fullmatch(setting):
            raise OperationValueError(f"environment setting {setting!r} is not NAME=value")
    if not host.get_fact(ServiceScript, srvname=srvname, jail=jail):
        host.noop(f"there is no rc(8) script {srvname}")
        return
    if srvstate in (SRV_STARTED, SRV_STOPPED):
        running = bool(host.get_fact(ServiceStatus, srvname=srvname, jail=jail))
        if running == (srvstate == SRV_STARTED):
            host.noop(f"service {srvname} is already {srvstate}")
            return
    actions: list[Any] = {SRV_STARTED: ["start"], SRV_STOPPED: ["stop"],
                          SRV_RESTARTED: ["restart"], SRV_RELOADED: ["reload"]}.get(srvstate, [])
    if srvstate == SRV_CUSTOM and command is not None:
        actions = [QuoteString(c) for c in ([command] if isinstance(command, str) else command)]
    env = [w for setting in environment or [] for w in ("-E", QuoteString(setting))]
    yield StringCommand("service", *(["-v"] if verbose else []), *jail_option(jail), *env,
                        QuoteString(srvname), *actions)
