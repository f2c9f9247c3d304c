"""Manage OpenRC services: start, stop, restart, reload, and add them to runlevels."""

from __future__ import annotations

from typing import Any

from corral.facts.openrc import OpenrcEnabled, OpenrcStatus
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.services import SERVICES, check_service_name, control, set_enabled


def _changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return [SERVICES, keys.path("/etc/runlevels")]


@operation(changes=_changes)
def service(
    service: str,
    running: bool | None = True,
    restarted: bool = False,
    reloaded: bool = False,
    command: str | None = None,
    enabled: bool | None = None,
    runlevel: str = "default",
) -> OpGenerator:
    """Start, stop, restart, reload an OpenRC service, or add it to a runlevel.

    + service: the service's name
    + running: whether it should be started (None: leave it as it is)
    + restarted: restart it if it was already started
    + reloaded: reload it if it was already started
    + command: another action to run every time (``rc-service NAME ACTION``)
    + enabled: whether it should be in ``runlevel`` (None: leave it as it is)
    + runlevel: the runlevel for ``enabled`` and for reading the service's state

    Example:
        openrc.service(
            name="Start and enable sshd",
            service="sshd",
            running=True,
            enabled=True,
        )
    """
    check_service_name(service)
    if not runlevel or runlevel.startswith("-") or not runlevel.isprintable() or any(
            c.isspace() for c in runlevel):
        raise OperationValueError(f"bad runlevel {runlevel!r}")
    statuses = host.get_fact(OpenrcStatus, runlevel=runlevel)
    in_runlevel = (
        host.get_fact(OpenrcEnabled, runlevel=runlevel).get(service, False)
        if enabled is not None else False
    )

    yield from control(
        service, statuses.get(service),
        lambda action: StringCommand("rc-service", QuoteString(service), action),
        running, restarted, reloaded, command,
    )

    yield from set_enabled(
        enabled, in_runlevel,
        [StringCommand("rc-update", "add", QuoteString(service), QuoteString(runlevel))],
        [StringCommand("rc-update", "del", QuoteString(service), QuoteString(runlevel))],
        f"service {service} is {'in' if enabled else 'not in'} runlevel {runlevel}",
    )
