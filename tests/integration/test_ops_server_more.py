"""server.etc_hosts, server.script_template and server.kill applied for real in a chroot
over the test image (tests/ssh/test_ops_system.py runs them again on test fleet hosts)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from corral.api import HostStatus
from corral.operations import server

from ._helpers import Target, converge, describe, ops, run, single

pytestmark = pytest.mark.integration

HOSTS = "127.0.0.1\tlocalhost\n# keep me\n10.0.0.1 old # comment\n::1 localhost ip6-localhost\n"


def test_etc_hosts(target: Target) -> None:
    t = target
    path = t.at("hosts")
    t.path(path).parent.mkdir(parents=True, exist_ok=True)
    t.path(path).write_text(HOSTS)

    def deploy() -> None:
        server.etc_hosts(name="add", ip="192.168.1.10", hostnames=["db.internal", "db"],
                         path=path)
        server.etc_hosts(name="change", ip="10.0.0.1", hostnames="new new.internal", path=path)
        server.etc_hosts(name="drop-name", ip="::1", hostnames="ip6-localhost", present=False,
                         path=path)
        server.etc_hosts(name="already", ip="127.0.0.1", hostnames="localhost", path=path)

    first = ops(converge(t, deploy))
    assert [first[n].changed for n in ("add", "change", "drop-name", "already")] == [
        True, True, True, False]
    assert t.read(path) == ("127.0.0.1\tlocalhost\n# keep me\n10.0.0.1 new new.internal\n"
                            "::1 localhost\n192.168.1.10 db.internal db\n")

    def remove() -> None:
        server.etc_hosts(name="remove", ip="192.168.1.10", present=False, path=path)

    converge(t, remove)
    assert "192.168.1.10" not in t.read(path)


def test_script_template(target: Target, tmp_path: Path) -> None:
    t = target
    log = t.at("script-template.log")
    template = tmp_path / "record.sh.j2"
    template.write_text('#!/bin/sh\nprintf "%s|" {{ word }} "$@" >> ' + log
                        + '\necho >> ' + log + '\necho rendered\n')

    def deploy() -> None:
        server.script_template(name="record", src=str(template), args=["a b", "$HOME"],
                               word=shlex.quote("it's"))

    first = ops(converge(t, deploy, always_changed={"record"}))
    assert first["record"].stdout.endswith("rendered\n")
    # rendered with the variable, each argument one word; ran twice (the dry run ran none)
    assert t.read(log) == "it's|a b|$HOME|\n" * 2
    assert not [p for p in t.path("/tmp").iterdir() if p.name.startswith("corral-script-")]


def test_kill(target: Target) -> None:
    t = target
    pidfile = t.at("kill.pid")

    def start() -> None:
        server.shell(name="start", commands=[
            f"mkdir -p {t.at()}",
            f"( sleep 300 </dev/null >/dev/null 2>&1 & echo $! > {pidfile} )"])

    single(run(t, start))
    pid = int(t.read(pidfile))

    def deploy() -> None:
        server.kill(name="kill", pid=pid, signal="KILL")

    host = single(run(t, deploy))
    assert ops(host)["kill"].changed, describe(host)

    # gone (or a zombie waiting for its parent), as read on the host
    def check() -> None:
        server.shell(name="gone", commands=[
            f"for i in $(seq 50); do s=$(cut -d' ' -f3 /proc/{pid}/stat 2>/dev/null); "
            '[ -z "$s" ] || [ "$s" = Z ] && exit 0; sleep 0.1; done; exit 1'])

    gone = single(run(t, check))
    assert gone.status is not HostStatus.FAILED, describe(gone)

    # no such process: the operation fails, as kill does (above any pid_max)
    def missing() -> None:
        server.kill(name="kill-missing", pid=99_999_999)

    failed = single(run(t, missing))
    assert failed.status is HostStatus.FAILED, describe(failed)
    assert ops(failed)["kill-missing"].error is not None
