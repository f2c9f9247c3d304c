"""Manage SysV init services: the scripts in ``/etc/init.d`` and their runlevel links."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from corral.facts.server import LinuxDistribution
from corral.facts.sysvinit import RUNLEVEL_DIRS, InitdStartLinks, InitdStatus
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.services import SERVICES, check_service_name, control, set_enabled

from . import files

_REDHAT = ("CentOS", "Fedora", "Red Hat Enterprise Linux", "Rocky Linux", "AlmaLinux")


def _service_changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return [SERVICES, *(keys.path(d) for d in RUNLEVEL_DIRS)]


@operation(changes=_service_changes)
def service(
    service: str,
    running: bool | None = True,
    restarted: bool = False,
    reloaded: bool = False,
    enabled: bool | None = None,
    command: str | None = None,
) -> OpGenerator:
    """Start, stop, restart, reload, enable or disable an ``/etc/init.d`` service.

    + service: the script's name in ``/etc/init.d``
    + running: whether it should be running (None: leave it as it is)
    + restarted: restart it if it was already running
    + reloaded: reload it if it was already running
    + enabled: whether it should start at boot (None: leave it as it is)
    + command: another action of the script to run every time (``/etc/init.d/NAME ACTION``)

    Whether it runs is the script's ``status`` answer (LSB exit codes). Enabling uses
    ``update-rc.d NAME defaults`` on Debian and Ubuntu, ``chkconfig`` on the Red Hat family
    and ``rc-update`` on Gentoo; disabling removes its ``/etc/rcN.d/S..NAME`` links. See
    ``sysvinit.enable`` for links of one's own choosing.

    Example:
        sysvinit.service(
            name="Restart and enable rsyslog",
            service="rsyslog",
            restarted=True,
            enabled=True,
        )
    """
    check_service_name(service)
    statuses = host.get_fact(InitdStatus)
    links: list[str] = []
    distro = ""
    if enabled is not None:
        links = host.get_fact(InitdStartLinks, service=service)
        if enabled and not links:
            distro = str(host.get_fact(LinuxDistribution).get("name") or "")

    yield from control(
        service, statuses.get(service),
        lambda action: StringCommand(QuoteString(f"/etc/init.d/{service}"), action),
        running, restarted, reloaded, command,
    )

    yield from set_enabled(
        enabled, bool(links), _enable_commands(service, distro),
        [StringCommand("rm", "-f", *(QuoteString(link) for link in links))],
        f"service {service} is {'enabled' if enabled else 'disabled'}",
    )


def _enable_commands(service: str, distro: str) -> Iterator[StringCommand]:
    """The commands adding an init script's start links, the distribution's way (refused
    when it is iterated on a distribution corral does not know)."""
    name = QuoteString(service)
    if distro in ("Debian", "Ubuntu"):
        yield StringCommand("update-rc.d", name, "defaults")
    elif distro in _REDHAT:
        yield StringCommand("chkconfig", "--add", name)
        yield StringCommand("chkconfig", name, "on")
    elif distro == "Gentoo":
        yield StringCommand("rc-update", "add", name, "default")
    else:
        raise OperationValueError(
            f"cannot enable init scripts on {distro or 'this system'}: "
            "use sysvinit.enable"
        )


def _enable_changes(service: str, *_args: Any, start_levels: Any = (2, 3, 4, 5),
                    stop_levels: Any = (0, 1, 6), **_kwargs: Any) -> list[Key]:
    return [keys.path(f"/etc/rc{level}.d") for level in (*start_levels, *stop_levels)]


@operation(changes=_enable_changes)
def enable(
    service: str,
    start_priority: int = 20,
    stop_priority: int = 80,
    start_levels: tuple[int, ...] | list[int] = (2, 3, 4, 5),
    stop_levels: tuple[int, ...] | list[int] = (0, 1, 6),
) -> OpGenerator:
    """Enable an init script with runlevel links of one's own choosing.

    + service: the script's name in ``/etc/init.d``
    + start_priority: the start links' number (``S20NAME``)
    + stop_priority: the stop links' number (``K80NAME``)
    + start_levels: the runlevels it runs in
    + stop_levels: the runlevels it is stopped in

    Links are added, never removed.

    Example:
        sysvinit.enable(
            name="Run rsyslog in runlevels 3 to 5 only",
            service="rsyslog",
            start_levels=(3, 4, 5),
            stop_levels=(0, 1, 2, 6),
        )
    """
    check_service_name(service)
    for priority in (start_priority, stop_priority):
        if not 0 <= priority <= 99:
            raise OperationValueError(f"priority must be 0 to 99, not {priority}")
    target = f"/etc/init.d/{service}"
    wanted = [(level, f"S{start_priority:02d}") for level in start_levels]
    wanted += [(level, f"K{stop_priority:02d}") for level in stop_levels]
    for level, prefix in wanted:
        yield from files.link._inner(path=f"/etc/rc{level}.d/{prefix}{service}", target=target)
