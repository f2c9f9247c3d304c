"""Manage launchd services (macOS): start, stop and restart them."""

from __future__ import annotations

from typing import Any

from corral.facts.launchd import LaunchdStatus
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.services import SERVICES, check_service_name, control


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [SERVICES]


@operation(changes=_changes)
def service(
    service: str,
    running: bool = True,
    restarted: bool = False,
    command: str | None = None,
) -> OpGenerator:
    """Start, stop or restart a launchd service.

    + service: the service's label
    + running: whether it should be running
    + restarted: restart it (``launchctl stop`` then ``start``) if it was running
    + command: another ``launchctl`` action to run every time (``launchctl COMMAND LABEL``)

    Example:
        launchd.service(
            name="Restart the ssh agent",
            service="com.openssh.ssh-agent",
            restarted=True,
        )
    """
    check_service_name(service)
    was_running = host.get_fact(LaunchdStatus).get(service)

    def launchctl(action: QuoteString) -> StringCommand:
        return StringCommand("launchctl", action, QuoteString(service))

    yield from control(service, was_running, launchctl, running, False, False, command)
    if restarted and was_running:
        yield launchctl(QuoteString("stop"))
        yield launchctl(QuoteString("start"))
