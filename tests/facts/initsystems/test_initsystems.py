"""upstart, bsdinit and launchd facts.

Neither upstart (Ubuntu 14.04's init), BSD rc.d nor launchd (macOS) runs here or on the
fleet: the parsers are tested on output written after the documented formats of
``initctl list`` (``JOB [(INSTANCE)] GOAL/STATE[, process PID]``, upstart's cookbook),
the rc.d loop's ``NAME=EXITCODE`` lines (rc.subr's status: 0 running, 1 not running) and
``launchctl list`` (``PID<TAB>Status<TAB>Label``, ``-`` for no pid; launchctl(1)). The
rc.d loop itself runs on sh over a scratch directory of scripts."""

from __future__ import annotations

import subprocess
from pathlib import Path

from corral.facts import bsdinit, launchd, upstart

from .._capture_load import fuzz

INITCTL = """\
mountnfs-bootclean.sh start/running
rsyslog start/running, process 629
tty4 start/running, process 1039
network-interface (lo) start/running
network-interface (eth0) start/running
ssh stop/waiting
plymouth-stop stop/waiting
""".splitlines()

LAUNCHCTL = """\
PID\tStatus\tLabel
321\t0\tcom.apple.Finder
-\t0\tcom.openssh.ssh-agent
-\t78\tcom.example.broken
""".splitlines()


def test_upstart() -> None:
    assert upstart.UpstartStatus().process(INITCTL) == {
        "mountnfs-bootclean.sh": True, "rsyslog": True, "tty4": True,
        "network-interface": True, "ssh": False, "plymouth-stop": False}


def test_launchd() -> None:
    assert launchd.LaunchdStatus().process(LAUNCHCTL) == {
        "com.apple.Finder": True, "com.openssh.ssh-agent": False, "com.example.broken": False}


def test_rcd_status_on_a_real_shell(tmp_path: Path) -> None:
    """The loop, with /etc/rc.d pointed at a scratch directory: status, else check."""
    rc = tmp_path / "rc.d"
    rc.mkdir()
    for name, body in (("running", "exit 0"), ("stopped", "exit 1"),
                       ("checkonly", '[ "$1" = check ] && exit 0; exit 1')):
        (rc / name).write_text(f"#!/bin/sh\n{body}\n")
        (rc / name).chmod(0o755)
    command = bsdinit.RcdStatus().command().replace("/etc/rc.d", str(rc))
    out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True)
    assert bsdinit.RcdStatus().process(out.stdout.splitlines()) == {
        "running": True, "stopped": False, "checkonly": True}


def test_fuzz() -> None:
    fuzz(upstart.UpstartStatus, INITCTL)
    fuzz(launchd.LaunchdStatus, LAUNCHCTL)
    fuzz(bsdinit.RcdStatus, ["sshd=0", "ntpd=1"])


def test_rcd_status_never_splits_a_script_name(tmp_path: Path) -> None:
    """A script named ``x; touch FILE`` is run as itself (a recording stub), never as
    the words of its name; a name with a line break is left out."""
    rc = tmp_path / "rc.d"
    rc.mkdir()
    marker = tmp_path / "ran"
    for name in ("x; touch ran", "a\nb", "plain name"):
        (rc / name).write_text("#!/bin/sh\nexit 1\n")
        (rc / name).chmod(0o755)
    command = bsdinit.RcdStatus().command().replace("/etc/rc.d", str(rc))
    out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True,
                         cwd=tmp_path)
    assert not marker.exists()
    assert bsdinit.RcdStatus().process(out.stdout.splitlines()) == {
        "x; touch ran": False, "plain name": False}
