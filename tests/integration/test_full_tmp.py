"""The host's /tmp full (a small tmpfs mounted on the chroot's /tmp), several operations in
one wave, so one buffered script: every command that ran is reported with its real exit
code, none runs unreported, and where output was lost the host fails saying why."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.api import HostStatus, OpStatus
from corral.operations import files, server
from corral.testing import image as test_image

from ._helpers import Target, describe, ops, run, single, write_hosts

pytestmark = pytest.mark.integration


@pytest.fixture
def target(image: Path) -> Iterator[Target]:
    """A fresh overlay root with a 64 KiB tmpfs on its /tmp."""
    with test_image.overlay_root(image) as root:
        write_hosts(root)
        tmp = root / "tmp"
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=1777", "tmpfs", str(tmp)],
                       check=True)
        try:
            yield Target.chroot(root)
        finally:
            subprocess.run(["umount", "-l", str(tmp)], check=False)


def fill(t: Target, leave: int = 0) -> None:
    """Fill the chroot's /tmp but ``leave`` bytes."""
    path = t.path("/tmp/filler")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    if leave:
        os.truncate(path, max(0, path.stat().st_size - leave))


def deploy(big: bool) -> None:
    server.shell(name="one", commands=["mkdir -p /srv/full", "echo one >> /srv/full/log"])
    server.shell(name="two", commands=[
        "echo two >> /srv/full/log",
        # more output than /tmp can hold (tr's write error ignored: exit code 0)
        "head -c 200000 /dev/zero | tr '\\0' x; true" if big else "echo out two"])
    server.shell(name="three", commands=["echo three >> /srv/full/log", "echo out three"])
    files.file(name="four", path="/srv/full/four")


def test_a_full_tmp_falls_back_to_unbuffered_output(target: Target) -> None:
    t = target
    fill(t)
    h = single(run(t, lambda: deploy(big=False)))
    assert h.status is HostStatus.CHANGED, describe(h)
    found = ops(h)
    assert [found[n].status for n in ("one", "two", "three", "four")] == [OpStatus.CHANGED] * 4
    assert found["two"].stdout == "out two\n" and found["three"].stdout == "out three\n"
    assert t.read("/srv/full/log") == "one\ntwo\nthree\n"
    assert h.invocations == 2  # the facts, then the one wave


def test_output_lost_on_a_full_tmp_fails_the_host_and_reports_what_ran(target: Target) -> None:
    t = target
    fill(t, leave=16384)
    result = run(t, lambda: deploy(big=True))
    h = single(result)
    assert result.exit_code == 1 and h.status is HostStatus.FAILED, describe(h)
    assert h.error is not None and "no space left in /tmp on the host" in h.error
    found = ops(h)
    # one ran; two ran (its exit code is real) but its output could not be kept
    assert found["one"].status is OpStatus.CHANGED
    assert found["two"].status is OpStatus.CHANGED
    assert any("output was lost" in n for n in found["two"].notes)
    # the script stopped there: three and four did not run, and say so
    assert found["three"].status is OpStatus.SKIPPED
    assert found["four"].status is OpStatus.SKIPPED
    assert t.read("/srv/full/log") == "one\ntwo\n"
    assert not t.path("/srv/full/four").exists()
