"""Manage runit services: link them into the service directory (``SVDIR``), start them
at boot or not (the ``down`` file), start, stop, restart and reload them."""

from __future__ import annotations

import posixpath
import shlex
from typing import Any

from corral.facts.files import File
from corral.facts.runit import RunitManaged, RunitStatus
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.services import SERVICES, check_service_name, control

from . import files


def _check_dir(what: str, path: str) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise OperationValueError(f"{what} must be an absolute path, not {path!r}")
    return path.rstrip("/") or "/"


def _sv(svdir: str) -> Any:
    """``env SVDIR=DIR sv ACTION SERVICE`` for one action."""
    return lambda action, service: StringCommand(
        "env", QuoteString(f"SVDIR={svdir}"), "sv", action, QuoteString(service))


def _wait(service: str, svdir: str, timeout: int) -> StringCommand:
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1:
        raise OperationValueError(f"timeout must be at least 1 second, not {timeout!r}")
    return StringCommand(
        f"( SVDIR={shlex.quote(svdir)}; export SVDIR; __i=0;",
        f"while [ $__i -lt {timeout} ]; do",
        "sv status", QuoteString(service), ">/dev/null 2>&1 && exit 0;",
        "sleep 1; __i=$((__i + 1)); done;",
        "echo", QuoteString(f"runsv for {service} did not start within {timeout}s"),
        ">&2; exit 1 )",
    )


def _changes(service: str, *_a: Any, svdir: str = "/var/service",
             sourcedir: str = "/etc/sv", **_k: Any) -> list[Key]:
    return [SERVICES, keys.path(svdir), keys.path(sourcedir)]


@operation(changes=_changes)
def service(
    service: str,
    running: bool = True,
    restarted: bool = False,
    reloaded: bool = False,
    command: str | None = None,
    enabled: bool | None = None,
    managed: bool = True,
    svdir: str = "/var/service",
    sourcedir: str = "/etc/sv",
) -> OpGenerator:
    """Manage a runit service: managed or not, started at boot or not, running or not.

    + service: the service's name (its directory in ``sourcedir``)
    + running: whether it should be running
    + restarted: restart it if it was running
    + reloaded: reload it (``sv reload``: HUP) if it was running
    + command: another ``sv`` action to run every time (``sv COMMAND SERVICE``)
    + enabled: whether it starts when runsv does (no ``down`` file in its directory);
      None keeps it as it is
    + managed: whether it is linked into ``svdir`` (runsv supervises it); with False the
      link is removed and nothing else but ``enabled`` is done
    + svdir: the service directory runsvdir watches (another for user services)
    + sourcedir: where the services' directories are

    A service linked for the first time gets its ``down`` file first (runsv would start
    it as soon as it sees the link), then the operation waits up to 10 s for its runsv
    and sets the ``down`` file as ``enabled`` asks (or as it was), all in one run.

    Example:
        runit.service(
            name="Run and enable sshd",
            service="sshd",
            running=True,
            enabled=True,
        )
    """
    check_service_name(service)
    svdir = _check_dir("svdir", svdir)
    sourcedir = _check_dir("sourcedir", sourcedir)
    was_managed = service in host.get_fact(RunitManaged, service=service, svdir=svdir)
    down = posixpath.join(sourcedir, service, "down")
    down_now = bool(host.get_fact(File, path=down))
    was_auto = not down_now

    if not was_managed and managed and was_auto:
        yield StringCommand("touch", QuoteString(down))
        down_now = True
    yield from manage._inner(service=service, managed=managed, svdir=svdir,
                             sourcedir=sourcedir)
    if not was_managed and managed:
        yield _wait(service, svdir, 10)

    want_down = not (enabled if isinstance(enabled, bool) else was_auto)
    if want_down and not down_now:
        yield StringCommand("touch", QuoteString(down))
    elif not want_down and down_now:
        yield StringCommand("rm", "-f", QuoteString(down))
    elif isinstance(enabled, bool):
        host.noop(f"service {service} {'starts' if enabled else 'does not start'} with runsv")

    if not managed:
        return
    statuses = host.get_fact(RunitStatus, service=service, svdir=svdir)
    sv = _sv(svdir)
    yield from control(service, statuses.get(service),
                       lambda action: sv(action, service),
                       running, restarted, reloaded, command)


@operation(changes=_changes)
def manage(
    service: str,
    managed: bool = True,
    svdir: str = "/var/service",
    sourcedir: str = "/etc/sv",
) -> OpGenerator:
    """Link a service into runit's service directory (runsv then supervises it), or
    remove the link.

    + service: the service's name (its directory in ``sourcedir``)
    + managed: whether the link should exist
    + svdir: the service directory runsvdir watches
    + sourcedir: where the services' directories are

    Example:
        runit.manage(
            name="Supervise sshd",
            service="sshd",
        )
    """
    check_service_name(service)
    svdir = _check_dir("svdir", svdir)
    sourcedir = _check_dir("sourcedir", sourcedir)
    yield from files.link._inner(path=posixpath.join(svdir, service),
                                 target=posixpath.join(sourcedir, service),
                                 present=managed, create_remote_dir=False)


@operation(is_idempotent=False, changes=lambda *_a, **_k: [])
def wait_runsv(service: str, svdir: str = "/var/service", timeout: int = 10) -> OpGenerator:
    """Wait until runsv supervises a service (``sv status`` answers), failing after
    ``timeout`` seconds.

    + service: the service's name
    + svdir: the service directory runsvdir watches
    + timeout: seconds to wait

    Example:
        runit.wait_runsv(
            name="Wait for sshd's runsv",
            service="sshd",
        )
    """
    check_service_name(service)
    yield _wait(service, _check_dir("svdir", svdir), timeout)


@operation(changes=_changes)
def auto(service: str, auto: bool = True, sourcedir: str = "/etc/sv") -> OpGenerator:
    """Start a service when its runsv starts, or not: removes or creates its ``down``
    file.

    + service: the service's name (its directory in ``sourcedir``)
    + auto: whether it starts by itself
    + sourcedir: where the services' directories are

    Example:
        runit.auto(
            name="Do not start sshd at boot",
            service="sshd",
            auto=False,
        )
    """
    check_service_name(service)
    sourcedir = _check_dir("sourcedir", sourcedir)
    yield from files.file._inner(path=posixpath.join(sourcedir, service, "down"),
                                 present=not auto, create_remote_dir=False)
