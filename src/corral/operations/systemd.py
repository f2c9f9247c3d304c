"""Manage systemd units: start, stop, restart, reload, enable, and reload the daemon."""

from __future__ import annotations

from typing import Any

from corral.facts.systemd import SystemdEnabled, SystemdStatus, systemctl_words, unit_name
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.services import SERVICES, check_service_name, control, set_enabled


def _changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return [SERVICES]


def _systemctl(user_mode: bool, machine: str | None, user_name: str | None,
               *words: object) -> StringCommand:
    return StringCommand(*systemctl_words(user_mode, machine, user_name), *words)


@operation(is_idempotent=False, changes=_changes)
def daemon_reload(
    user_mode: bool = False, machine: str | None = None, user_name: str | None = None
) -> OpGenerator:
    """Make systemd read its unit files again (``systemctl daemon-reload``).

    + user_mode: the user's systemd (``systemctl --user``)
    + machine: the machine (container) whose systemd to talk to
    + user_name: the user whose systemd to talk to (``--machine=USER@...``)

    Example:
        systemd.daemon_reload(name="Read the new unit files")
    """
    yield _systemctl(user_mode, machine, user_name, "daemon-reload")


@operation(changes=_changes)
def service(
    service: str,
    running: bool | None = True,
    restarted: bool = False,
    reloaded: bool = False,
    command: str | None = None,
    enabled: bool | None = None,
    daemon_reload: bool = False,
    user_mode: bool = False,
    machine: str | None = None,
    user_name: str | None = None,
) -> OpGenerator:
    """Start, stop, restart, reload, enable or disable a systemd unit.

    + service: the unit (``nginx`` means ``nginx.service``; other types keep their suffix)
    + running: whether it should be active (None: leave it as it is)
    + restarted: restart it if it was already running
    + reloaded: reload it if it was already running
    + command: another ``systemctl`` verb to run every time (``try-restart``...)
    + enabled: whether it should start at boot (None: leave it as it is)
    + daemon_reload: ``systemctl daemon-reload`` first
    + user_mode, machine, user_name: which systemd, as in ``systemd.daemon_reload``

    ``restarted``, ``reloaded`` and ``command`` change the host at every run.

    Example:
        systemd.service(
            name="Enable and start the logrotate timer",
            service="logrotate.timer",
            running=True,
            enabled=True,
        )
    """
    check_service_name(service)
    unit = unit_name(service)
    where = {"user_mode": user_mode, "machine": machine, "user_name": user_name}
    statuses = host.get_fact(SystemdStatus, services=[unit], **where)
    enabled_now = (
        host.get_fact(SystemdEnabled, services=[unit], **where)
        if enabled is not None else {}
    )

    if daemon_reload:
        yield _systemctl(user_mode, machine, user_name, "daemon-reload")

    yield from control(
        unit, statuses.get(unit), lambda verb: _systemctl(
            user_mode, machine, user_name, verb, QuoteString(unit)),
        running, restarted, reloaded, command,
    )

    yield from set_enabled(
        enabled, enabled_now.get(unit, False),
        [_systemctl(user_mode, machine, user_name, "enable", QuoteString(unit))],
        [_systemctl(user_mode, machine, user_name, "disable", QuoteString(unit))],
        f"unit {unit} is {'enabled' if enabled else 'disabled'}",
    )
