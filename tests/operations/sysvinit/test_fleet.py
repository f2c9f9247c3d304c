"""sysvinit.service and sysvinit.enable on a real fleet host, with an init.d script of a
tiny daemon (a sleep loop with a pid file). systemd and OpenRC do not run on the fleet:
their operations are covered by unit tables (tests/operations/test_systemd.py...)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral.operations import sysvinit
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

SCRIPT = r"""#!/bin/sh
### BEGIN INIT INFO
# Provides:          corral-demo
# Required-Start:
# Required-Stop:
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: a sleep loop with a pid file
### END INIT INFO
PID=/run/corral-demo.pid
running() { [ -f $PID ] && kill -0 "$(cat $PID)" 2>/dev/null; }
case "$1" in
  start) running || { setsid sh -c 'while :; do sleep 60; done' </dev/null >/dev/null 2>&1 &
                      echo $! > $PID; echo start >> /var/log/corral-demo.log; } ;;
  stop) running && kill "$(cat $PID)"; rm -f $PID; echo stop >> /var/log/corral-demo.log ;;
  restart) "$0" stop; "$0" start ;;
  reload) echo reload >> /var/log/corral-demo.log ;;
  status) running && exit 0; exit 3 ;;
  *) echo "usage: $0 {start|stop|restart|reload|status}"; exit 2 ;;
esac
"""


@pytest.fixture(scope="module")
def demo(host_fleet: Fleet) -> Iterator[Fleet]:
    sh(host_fleet, f"cat > /etc/init.d/corral-demo <<'EOF'\n{SCRIPT}EOF\n"
                   "chmod 755 /etc/init.d/corral-demo; : > /var/log/corral-demo.log")
    yield host_fleet
    sh(host_fleet, "/etc/init.d/corral-demo stop; update-rc.d -f corral-demo remove; "
                   "rm -f /etc/init.d/corral-demo", check=False)


def status(fleet: Fleet) -> str:
    return sh(fleet, "/etc/init.d/corral-demo status >/dev/null; echo $?", check=False).strip()


def start_links(fleet: Fleet) -> str:
    return sh(fleet, "ls /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d | grep corral-demo || true")


def test_start_enable_stop_disable(demo: Fleet) -> None:
    converge(demo, lambda: sysvinit.service(service="corral-demo", running=True, enabled=True))
    assert status(demo) == "0"
    assert start_links(demo).split() == ["S01corral-demo"] * 4
    pid = sh(demo, "cat /run/corral-demo.pid").strip()
    assert sh(demo, f"ps -o args= -p {pid}").startswith("sh -c while")

    converge(demo, lambda: sysvinit.service(service="corral-demo", running=False,
                                            enabled=False))
    assert status(demo) == "3"
    assert start_links(demo).strip() == ""
    assert sh(demo, f"kill -0 {pid} 2>/dev/null; echo $?").strip() == "1"


def test_restart_and_reload_only_when_running(demo: Fleet) -> None:
    sh(demo, ": > /var/log/corral-demo.log")
    result = run(demo, lambda: sysvinit.service(service="corral-demo", running=False,
                                                restarted=True, reloaded=True))
    assert not result.failed and result.changed == 0  # stopped: nothing to restart
    converge(demo, lambda: sysvinit.service(service="corral-demo"))
    before = sh(demo, "cat /run/corral-demo.pid").strip()
    result = run(demo, lambda: sysvinit.service(service="corral-demo", restarted=True,
                                                reloaded=True))
    assert not result.failed and result.changed == 1
    assert sh(demo, "cat /run/corral-demo.pid").strip() != before
    assert sh(demo, "cat /var/log/corral-demo.log").split() == [
        "start", "stop", "start", "reload"]
    run(demo, lambda: sysvinit.service(service="corral-demo", running=False))


def test_enable_custom_links(demo: Fleet) -> None:
    converge(demo, lambda: sysvinit.enable(service="corral-demo", start_priority=5,
                                           start_levels=(3, 5), stop_levels=(0,)))
    links = sh(demo, "cd /etc && ls -l rc3.d/S05corral-demo rc5.d/S05corral-demo "
                     "rc0.d/K80corral-demo | awk '{print $NF}'")
    assert links.split() == ["/etc/init.d/corral-demo"] * 3
    sh(demo, "rm -f /etc/rc3.d/S05corral-demo /etc/rc5.d/S05corral-demo "
             "/etc/rc0.d/K80corral-demo")
