"""sysvinit.* facts on output captured in the fleet image (data/capture_svc_net.py)."""

from __future__ import annotations

import pytest

from corral.facts import sysvinit
from corral.model import keys
from corral.model.errors import FactParseError

from .._capture_load import fuzz, lines_of, load


def test_initd_status() -> None:
    status = load("sysvinit_initdstatus")
    assert status["corral-demo"] is True  # started by the capture
    assert status["corral-idle"] is False  # status exit 3
    assert status["hwclock.sh"] is False  # exit 1
    assert status["ssh"] is False
    assert set(status) >= {"cron", "kmod", "procps", "rsync", "sudo"}
    assert sysvinit.InitdStatus().process(["odd=4", "", "x.sh=150"]) == {
        "odd": None, "x.sh": None}
    with pytest.raises(FactParseError):
        sysvinit.InitdStatus().process(["Usage: /etc/init.d/foo {start|stop}"])


def test_start_links() -> None:
    assert load("sysvinit_startlinks") == [f"/etc/rc{n}.d/S01corral-demo" for n in (2, 3, 4, 5)]
    assert load("sysvinit_startlinks_none") == []
    assert keys.path("/etc/rc2.d") in sysvinit.InitdStartLinks().reads(service="x")
    with pytest.raises(FactParseError):
        sysvinit.InitdStartLinks().process(["/etc/init.d/x"])


def test_fuzz() -> None:
    fuzz(sysvinit.InitdStatus, lines_of("sysvinit_"))
    fuzz(sysvinit.InitdStartLinks, lines_of("sysvinit_"))
