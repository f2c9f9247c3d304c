"""Init systems: systemctl, rc-service and the init scripts are recording stubs; a service
name, action, machine or runlevel reaches them as one argument or is refused."""

from __future__ import annotations

import os
from typing import Any

from .cases import Arg, Case, Ctx, as_is, short
from .checks import Argv, Custom
from .sandbox import Outcome, Sandbox


def _prepare(box: Sandbox) -> None:
    box.stub("systemctl", "rc-service", "rc-update", "rc-status", "update-rc.d", "chkconfig")
    box.stub("/etc/init.d/hsvc")


def _init_stub(c: Ctx, v: str) -> None:
    if v and "/" not in v and v not in (".", ".."):
        c.sandbox.stub(f"/etc/init.d/{v}")


def _ran_init(c: Ctx, v: str, k: dict[str, Any], o: Outcome) -> None:
    if not o.applied or o.unchanged:
        return
    calls = [x for x in c.sandbox.calls() if x.argv[0] == f"/etc/init.d/{k['service']}"]
    assert calls, f"/etc/init.d/{k['service']} did not run: {c.sandbox.calls()!r}"


def _links(c: Ctx, v: str, k: dict[str, Any], o: Outcome) -> None:
    """sysvinit.enable: the start link of runlevel 2 points at the service's script."""
    if not o.applied:
        return
    link = c.sandbox.path(f"/etc/rc2.d/S20{v}")
    assert link.is_symlink() and os.readlink(link) == f"/etc/init.d/{v}", link


SYSTEMCTL = (Argv(("systemctl",)),)

CASES: list[Case] = [
    Case(
        "systemd.service", lambda c: {"service": "hsvc"},
        (
            Arg("service", as_is("service"), SYSTEMCTL),
            Arg("command", as_is("command"), SYSTEMCTL, extra={"running": None}),
            Arg("machine", as_is("machine"), SYSTEMCTL),
            Arg("user_name", as_is("user_name"), SYSTEMCTL),
        ),
        prepare=_prepare,
    ),
    Case(
        "systemd.daemon_reload", lambda c: {},
        (Arg("machine", as_is("machine"), SYSTEMCTL),
         Arg("user_name", as_is("user_name"), SYSTEMCTL)),
    ),
    Case(
        "openrc.service", lambda c: {"service": "hsvc"},
        (
            Arg("service", as_is("service"), (Argv(("rc-service",)),)),
            Arg("command", as_is("command"), (Argv(("rc-service",)),), extra={"running": None}),
            Arg("runlevel", as_is("runlevel"), (Argv(("rc-update",)),),
                extra={"running": None, "enabled": True}),
        ),
    ),
    Case(
        "sysvinit.service", lambda c: {"service": "hsvc"},
        (
            Arg("service", as_is("service"), (Custom(_ran_init),), setup=_init_stub,
                shape=short),
            Arg("command", as_is("command"), (Argv(("hsvc",)),), extra={"running": None}),
        ),
    ),
    Case(
        "sysvinit.enable", lambda c: {"service": "hsvc"},
        (Arg("service", as_is("service"), (Custom(_links),), setup=_init_stub, shape=short),),
    ),
]
