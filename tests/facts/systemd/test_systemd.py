"""systemd.* facts.

No systemd runs on this machine or the fleet (``systemctl show`` needs a running manager;
``systemctl --root`` does not offer ``show``), so the parser is tested on output written
after systemctl(1)'s documented ``show`` format: ``KEY=VALUE`` lines, a blank line
between units.
"""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

from corral.facts import systemd
from corral.model.errors import FactParseError

from .._capture_load import fuzz

SHOW_STATUS = """\
Id=ssh.service
SubState=running

Id=apt-daily.timer
SubState=waiting

Id=nginx.service
SubState=dead

Id=systemd-journald.socket
SubState=listening

Id=missing.service
SubState=dead

Id=dev-sda1.device
SubState=plugged
""".splitlines()

SHOW_ENABLED = """\
Id=ssh.service
UnitFileState=enabled

Id=nginx.service
UnitFileState=disabled

Id=systemd-journald.socket
UnitFileState=static

Id=missing.service
UnitFileState=
""".splitlines()


def test_status() -> None:
    assert systemd.SystemdStatus().process(SHOW_STATUS) == {
        "ssh.service": True, "apt-daily.timer": True, "nginx.service": False,
        "systemd-journald.socket": True, "missing.service": False, "dev-sda1.device": True,
    }
    with pytest.raises(FactParseError):
        systemd.SystemdStatus().process(["Failed to connect to bus"])


def test_enabled() -> None:
    assert systemd.SystemdEnabled().process(SHOW_ENABLED) == {
        "ssh.service": True, "nginx.service": False, "systemd-journald.socket": True,
        "missing.service": False,
    }


def test_commands() -> None:
    cmd = systemd.SystemdStatus().command(services=["nginx.service"])
    assert cmd == "systemctl show --all --property Id --property SubState nginx.service"
    assert systemd.SystemdEnabled().command() == (
        "systemctl show --all --property Id --property UnitFileState '*'")
    user = systemd.SystemdStatus().command(user_mode=True, user_name="app", services="x.timer")
    assert user == ("( systemctl --user --machine=app@.host show --all --property Id "
                    "--property SubState x.timer 2>/dev/null || true )")
    assert "--machine=app@box" in systemd.SystemdEnabled().command(machine="box",
                                                                    user_name="app")
    assert systemd.unit_name("nginx") == "nginx.service"
    assert systemd.unit_name("logrotate.timer") == "logrotate.timer"


def test_fuzz() -> None:
    fuzz(systemd.SystemdStatus, SHOW_STATUS)
    fuzz(systemd.SystemdEnabled, SHOW_ENABLED)


def test_systemd_not_running_reads_as_no_units_and_other_failures_do_not() -> None:
    fact = systemd.SystemdStatus()
    assert fact.is_absent(1, "System has not been booted with systemd as init system (PID 1). "
                             "Can't operate.\nFailed to connect to bus: Host is down\n")
    assert fact.is_absent(1, "Failed to connect to bus: No such file or directory\n")
    assert not fact.is_absent(1, "Failed to get properties: Access denied\n")


@pytest.mark.skipif(shutil.which("systemctl") is None or os.path.isdir("/run/systemd/system"),
                    reason="needs systemctl without a running systemd")
def test_systemctl_where_systemd_is_not_running_reads_empty() -> None:
    from corral import api

    result, values = asyncio.run(api.afacts("@local", "systemd.SystemdStatus"))
    assert result.exit_code == 0 and values == {"@local": {}}
