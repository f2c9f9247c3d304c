"""Manage upstart jobs: start, stop, restart, reload them, and start them at boot or not."""

from __future__ import annotations

import io
from typing import Any

from corral.facts.upstart import UpstartStatus
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.services import SERVICES, check_service_name, control

from . import files


def _changes(service: str, *_a: Any, **_k: Any) -> list[Key]:
    return [SERVICES, keys.path("/etc/init")]


@operation(changes=_changes)
def service(
    service: str,
    running: bool = True,
    restarted: bool = False,
    reloaded: bool = False,
    command: str | None = None,
    enabled: bool | None = None,
) -> OpGenerator:
    """Start, stop, restart or reload an upstart job, and start it at boot or not.

    + service: the job's name
    + running: whether it should be running
    + restarted: restart it if it was running
    + reloaded: reload it if it was running
    + command: another ``initctl`` action to run every time (``initctl COMMAND JOB``)
    + enabled: whether it starts at boot; None leaves it as it is

    Upstart jobs name their runlevels in their own configuration, so ``enabled=False``
    writes ``/etc/init/JOB.override`` holding ``manual`` and ``enabled=True`` removes it.

    Example:
        upstart.service(
            name="Run and enable ssh",
            service="ssh",
            enabled=True,
        )
    """
    check_service_name(service)
    statuses = host.get_fact(UpstartStatus)
    yield from control(service, statuses.get(service),
                       lambda action: StringCommand("initctl", action, QuoteString(service)),
                       running, restarted, reloaded, command)
    override = f"/etc/init/{service}.override"
    if enabled is True:
        yield from files.file._inner(path=override, present=False)
    elif enabled is False:
        yield from files.put._inner(src=io.BytesIO(b"manual\n"), dest=override)
