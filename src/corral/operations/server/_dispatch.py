"""server.packages and server.service (dispatch to the host's tools), reboot and wait.

Published as ``server.X`` and imported by :mod:`corral.operations.server`.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

from corral.facts.files import Directory, Link
from corral.facts.server import Os, Uptime, Which
from corral.model import keys
from corral.model.command import QuoteString, Reconnect, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.operation import OpGenerator, operation

#: (command on the host, corral.operations module), in the order they are tried
PACKAGE_MANAGERS = (
    ("zypper", "zypper"),
    ("apk", "apk"),
    ("apt", "apt"),
    ("brew", "brew"),
    ("dnf", "dnf"),
    ("pacman", "pacman"),
    ("xbps-install", "xbps"),
    ("yum", "yum"),
    ("pkg", "pkg"),
    ("pkg_add", "pkg"),
)

_BSD = ("FreeBSD", "OpenBSD", "NetBSD", "DragonFly")


def _operation_of(module: str, name: str, found: str) -> Any:
    """``corral.operations.<module>.<name>``, imported when first needed."""
    try:
        mod = importlib.import_module(f"corral.operations.{module}")
    except ImportError:
        mod = None
    op = getattr(mod, name, None)
    if op is None or not getattr(op, "is_corral_operation", False):
        raise OperationError(f"the host uses {found}, but corral has no {module}.{name} "
                             "operation")
    return op


def _packages_changes(*_args: Any, **_kwargs: Any) -> list[keys.Key]:
    # like apt.packages: maintainer scripts may add users and write anywhere
    return [("packages",), ("users",), ("groups",), keys.path("/")]


@operation(changes=_packages_changes)
def packages(packages: str | list[str], present: bool = True) -> OpGenerator:
    """Install or remove packages with the host's package manager.

    + packages: a package or a list of packages
    + present: whether the packages should be installed

    The first of zypper, apk, apt, brew, dnf, pacman, xbps, yum and pkg found on the host
    is used, through its own operation (``apt.packages``...).

    Example:
        server.packages(
            name="Install vim",
            packages=["vim"],
        )
    """
    found = {cmd: bool(host.get_fact(Which, command=cmd)) for cmd, _ in PACKAGE_MANAGERS}
    for cmd, module in PACKAGE_MANAGERS:
        if found[cmd]:
            op = _operation_of(module, "packages", cmd)
            yield from op._inner(packages=packages, present=present)
            return
    raise OperationError("no package manager found on the host (looked for "
                         + ", ".join(dict.fromkeys(cmd for cmd, _ in PACKAGE_MANAGERS)) + ")")


def _init_system() -> tuple[str, str]:
    """(module, what was found) of the host's init system."""
    systemd = host.get_fact(Which, command="systemctl")
    systemd_running = host.get_fact(Directory, path="/run/systemd/system")
    openrc = host.get_fact(Which, command="rc-service")
    upstart = host.get_fact(Which, command="initctl")
    runit = host.get_fact(Which, command="sv")
    kernel = host.get_fact(Os)
    rc_d = host.get_fact(Directory, path="/etc/rc.d")
    service_cmd = host.get_fact(Which, command="service")
    init_d = host.get_fact(Directory, path="/etc/init.d") or host.get_fact(
        Link, path="/etc/init.d")
    if systemd and systemd_running:
        return "systemd", "systemd"
    if openrc:
        return "openrc", "OpenRC (rc-service)"
    if upstart:
        return "upstart", "upstart (initctl)"
    if runit:
        return "runit", "runit (sv)"
    if kernel in _BSD and rc_d:
        return "bsdinit", "BSD init (/etc/rc.d)"
    if service_cmd or init_d:
        return "sysvinit", "SysV init (/etc/init.d)"
    raise OperationError("no init system found on the host (no running systemd, "
                         "rc-service, initctl, sv, /etc/rc.d or /etc/init.d)")


@operation()
def service(
    service: str,
    running: bool = True,
    restarted: bool = False,
    reloaded: bool = False,
    command: str | None = None,
    enabled: bool | None = None,
) -> OpGenerator:
    """Start, stop, restart, reload or enable a service with the host's init system.

    + service: the service's name
    + running: whether it should be running
    + restarted: restart it
    + reloaded: reload it
    + command: run this init command (e.g. ``"rotate"``) on it
    + enabled: whether it should start at boot

    The init system is the first found of: a running systemd, OpenRC, upstart, runit,
    BSD init, SysV init (``/etc/init.d``); its own operation (``systemd.service``...) does
    the work. A host with systemd installed but not running (a container) counts as SysV.

    Example:
        server.service(
            name="Keep cron running",
            service="cron",
            running=True,
            enabled=True,
        )
    """
    module, found = _init_system()
    op = _operation_of(module, "service", found)
    yield from op._inner(service=service, running=running, restarted=restarted,
                         reloaded=reloaded, command=command, enabled=enabled)


@operation(is_idempotent=False)
def reboot(delay: int = 10, interval: int = 1, reboot_timeout: int = 300) -> OpGenerator:
    """Reboot the host, wait for it to come back and reconnect to it.

    + delay: seconds to wait before trying to reconnect (the time the host takes to go
      down)
    + interval: seconds between reconnection attempts
    + reboot_timeout: seconds of attempts after ``delay`` after which the host counts as
      lost (unreachable)

    The reboot is started in the background a second later, so the command returns
    before the connection drops. The engine then closes the connection, waits ``delay``
    seconds and connects again every ``interval`` seconds; the operations after this one
    run on the new connection, on facts read afresh.

    Example:
        server.reboot(
            name="Reboot into the new kernel",
            delay=30,
            reboot_timeout=600,
        )
    """
    for what, value in (("delay", delay), ("interval", interval),
                        ("reboot_timeout", reboot_timeout)):
        if value < 0 or (what == "interval" and value == 0):
            raise OperationValueError(f"{what} must be positive, not {value}")
    host.get_fact(Uptime)  # read before the reboot, to tell a rebooted host from the old
    yield "( sleep 1 && reboot ) </dev/null >/dev/null 2>&1 &"
    yield Reconnect(delay=delay, interval=interval, timeout=reboot_timeout)


def _wait_loop(check: StringCommand, what: str, timeout: int, interval: int) -> StringCommand:
    """Run ``check`` every ``interval`` seconds until it succeeds; fail after ``timeout``."""
    return StringCommand(
        "start=$(date +%s);", "until", check, ";", "do",
        f'if [ $(( $(date +%s) - start )) -ge {timeout} ]; then',
        "echo", QuoteString(f"{what} after {timeout}s"), ">&2;", "exit 1;", "fi;",
        f"sleep {interval};", "done",
    )


@operation(is_idempotent=False, changes=lambda *_a, **_k: [])
def wait(port: int | None = None, command: str | None = None, timeout: int = 300,
         interval: int = 1) -> OpGenerator:
    """Wait until a TCP port listens on the host, or until a command succeeds there.

    + port: a TCP port that should be listening (checked with ``ss``, else ``netstat``)
    + command: instead of a port, a shell command that should succeed
    + timeout: seconds after which the operation fails
    + interval: seconds between checks

    Example:
        server.wait(
            name="Wait for the web server",
            port=80,
            timeout=60,
        )
    """
    if (port is None) == (command is None):
        raise OperationValueError("give either port or command")
    if timeout < 1 or interval < 1:
        raise OperationValueError("timeout and interval must be at least 1 second")
    if port is not None:
        if not 0 < port < 65536:
            raise OperationValueError(f"bad port {port}")
        check = StringCommand(
            "{ ss -Hltn 2>/dev/null || netstat -ltn 2>/dev/null; }",
            f"| awk '{{print $4}}' | grep -q -E '[:.]{port}$'",
        )
        what = f"port {port} is not listening"
    else:
        assert command is not None
        if not command.strip() or not re.search(r"\S", command):
            raise OperationValueError("empty command")
        check = StringCommand("(", command, ") >/dev/null 2>&1")
        what = "the command did not succeed"
    yield _wait_loop(check, what, timeout, interval)
