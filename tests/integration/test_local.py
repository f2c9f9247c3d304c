"""``@local``: operations and global arguments that leave this machine as it was (commands
that only print, files in a temporary directory). The files.* operations run on @local in
test_ops_files; users, groups, packages and the example deploy would change this machine,
so they only run in chroots."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from corral.api import HostStatus, OpStatus
from corral.operations import files, server

from ._helpers import Target, converge, describe, ops, run, single

pytestmark = pytest.mark.integration


def test_shell_and_global_arguments(tmp_path: Path) -> None:
    def deploy() -> None:
        server.shell(name="env", commands='echo "$GREETING"', _env={"GREETING": "hi there"})
        server.shell(name="chdir", commands="pwd", _chdir=str(tmp_path))
        server.shell(name="bash", commands='[[ -n "$BASH_VERSION" ]] && echo bash',
                     _shell_executable="bash")

    result = ops(converge("@local", deploy, always_changed={"env", "chdir", "bash"}))
    assert result["env"].stdout == "hi there\n"
    assert result["chdir"].stdout == f"{tmp_path}\n"
    assert result["bash"].stdout == "bash\n"


def test_timeout_retries_and_failure(tmp_path: Path) -> None:
    counter = tmp_path / "counter"
    flaky = (
        f"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; "
        '[ "$n" -ge 2 ]'
    )

    def deploy() -> None:
        server.shell(name="flaky", commands=flaky, _retries=1, _retry_delay=0)
        server.shell(name="ignored", commands="exit 9", _ignore_errors=True)
        server.shell(name="slow", commands="sleep 30", _timeout=1)
        files.file(name="never", path=str(tmp_path / "never"))

    started = time.monotonic()
    host = single(run("@local", deploy))
    assert time.monotonic() - started < 10
    assert host.status is HostStatus.FAILED, describe(host)
    result = ops(host)
    assert result["flaky"].status is OpStatus.CHANGED
    assert counter.read_text() == "2\n"
    assert result["ignored"].status is OpStatus.FAILED
    assert result["slow"].status is OpStatus.FAILED
    assert result["never"].status is OpStatus.SKIPPED
    assert not (tmp_path / "never").exists()


def test_dry_run_changes_nothing(tmp_path: Path) -> None:
    t = Target.local(tmp_path)
    path = t.at("made", "file")

    def deploy() -> None:
        files.directory(name="dir", path=t.at("made"), mode="700")
        files.file(name="file", path=path)
        files.line(name="line", path=t.at("made", "lines"), line="x=1")

    dry = single(run(t.name, deploy, dry=True))
    assert dry.status is HostStatus.CHANGED, describe(dry)
    assert all(op.status is OpStatus.PLANNED and op.changed for op in dry.operations)
    assert list(tmp_path.iterdir()) == []

    converge(t.name, deploy)
    assert t.mode(t.at("made")) == 0o700
    assert t.read(t.at("made", "lines")) == "x=1\n"
