"""runit.* facts, parsed from real output: captured from runit 2.1.2 (Debian 12's ``runit``
package) supervising five services in a scratch ``SVDIR`` (alpha running, beta down with a
``down`` file, gamma stopped by ``sv stop``, delta running with a log service, eps linked
a moment before: no runsv yet), and a service that is not there."""

from __future__ import annotations

import subprocess

from corral.facts import runit

from .._capture_load import fuzz

STATUS = """\
run: alpha: (pid 32302) 14s
down: beta: 14s
run: delta: (pid 5603) 3s; run: log: (pid 5602) 3s
warning: eps: unable to open supervise/ok: file does not exist
down: gamma: 12s, normally up
""".splitlines()

ONE_MISSING = ["fail: nope: unable to change to service directory: file does not exist"]


def test_status() -> None:
    assert runit.RunitStatus().process(STATUS) == {
        "alpha": True, "beta": False, "delta": True, "eps": None, "gamma": False}
    assert runit.RunitStatus().process(ONE_MISSING) == {"nope": None}
    assert runit.RunitStatus().process([]) == {}


def test_managed() -> None:
    assert runit.RunitManaged().process(["beta", "alpha", "gamma"]) == {"alpha", "beta", "gamma"}


def test_commands_quote_what_they_are_given() -> None:
    one = runit.RunitStatus().command(service="a b", svdir="/x y")
    assert one == "SVDIR='/x y' sv status 'a b' 2>&1 || true"
    managed = runit.RunitManaged().command(service="$(x)", svdir="/s")
    assert managed == "if [ -L /s/'$(x)' ]; then printf '%s\\n' '$(x)'; fi"


def test_commands_on_a_real_shell(tmp_path: object) -> None:
    """The listing commands run on sh: links only, and nothing for a missing directory."""
    from pathlib import Path

    d = Path(str(tmp_path)) / "service dir"
    d.mkdir()
    (d / "plain").mkdir()
    (d / "linked").symlink_to("/nonexistent")
    (d / "it's").symlink_to("/nonexistent")
    out = subprocess.run(["sh", "-c", runit.RunitManaged().command(svdir=str(d))],
                         capture_output=True, text=True, check=True).stdout
    assert runit.RunitManaged().process(out.splitlines()) == {"linked", "it's"}
    out = subprocess.run(["sh", "-c", runit.RunitManaged().command(service="it's",
                                                                    svdir=str(d))],
                         capture_output=True, text=True, check=True).stdout
    assert out == "it's\n"
    for command in (runit.RunitManaged().command(svdir=str(d / "missing")),
                    runit.RunitStatus().command(svdir=str(d / "missing"))):
        done = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
        assert (done.returncode, done.stdout) == (0, "")


def test_fuzz() -> None:
    fuzz(runit.RunitStatus, STATUS)
    fuzz(runit.RunitManaged, ["a", "b"])
