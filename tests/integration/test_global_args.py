"""Global arguments (``_sudo``, ``_env``, ``_timeout``...) and failure handling on a real
target: a chroot over the test image (whose user ``corral`` has passwordless sudo)."""

from __future__ import annotations

import time

import pytest

from corral.api import HostStatus, OpStatus
from corral.operations import files, server

from ._helpers import Target, converge, describe, ops, run, single

pytestmark = pytest.mark.integration


def test_sudo_user(chroot: Target) -> None:
    t = chroot

    def deploy() -> None:
        server.shell(name="whoami", commands=["id -un", "echo $HOME"], _sudo=True,
                     _sudo_user="corral")
        server.shell(name="root", commands="id -un", _sudo=True)
        files.file(name="owned", path="/tmp/sudo-made", _sudo=True, _sudo_user="corral")

    host = single(run(t.name, deploy))
    assert host.status is HostStatus.CHANGED, describe(host)
    result = ops(host)
    assert result["whoami"].stdout.splitlines()[0] == "corral"
    assert result["root"].stdout == "root\n"
    assert t.owner("/tmp/sudo-made") == ("corral", "corral")  # the command ran as corral


def test_su_user(chroot: Target) -> None:
    t = chroot

    def deploy() -> None:
        server.shell(name="whoami", commands="id -un", _su_user="corral")

    host = single(run(t.name, deploy))
    assert host.status is HostStatus.CHANGED, describe(host)
    assert ops(host)["whoami"].stdout == "corral\n"


def test_env_chdir_and_shell(chroot: Target) -> None:
    t = chroot

    def deploy() -> None:
        server.shell(name="env", commands='echo "$GREETING|$OTHER"',
                     _env={"GREETING": "hello world", "OTHER": "$(id)"})
        server.shell(name="chdir", commands="pwd", _chdir="/usr/share")
        server.shell(name="bash", commands='[[ -n "$BASH_VERSION" ]] && echo bash',
                     _shell_executable="bash")
        server.shell(name="sh", commands='echo "${BASH_VERSION:-not bash}"')

    host = single(run(t.name, deploy))
    assert host.status is HostStatus.CHANGED, describe(host)
    result = ops(host)
    assert result["env"].stdout == "hello world|$(id)\n"  # values are not expanded
    assert result["chdir"].stdout == "/usr/share\n"
    assert result["bash"].stdout == "bash\n"
    assert result["sh"].stdout == "not bash\n"


def test_global_arguments_do_not_break_idempotence(chroot: Target) -> None:
    t = chroot
    path = "/srv/global/made-by-corral"

    def deploy() -> None:
        files.directory(name="dir", path="/srv/global", user="corral", _sudo=True)
        files.file(name="file", path=path, mode="600", _sudo=True, _sudo_user="corral",
                   _env={"X": "1"}, _chdir="/tmp", _timeout=30, _retries=1,
                   _shell_executable="bash")

    converge(t.name, deploy)
    assert t.owner(path) == ("corral", "corral")
    assert t.mode(path) == 0o600


def test_timeout(chroot: Target) -> None:
    t = chroot

    def deploy() -> None:
        server.shell(name="slow", commands="sleep 30", _timeout=1)
        files.file(name="after", path="/tmp/after-timeout")

    started = time.monotonic()
    host = single(run(t.name, deploy))
    elapsed = time.monotonic() - started
    assert elapsed < 10, f"a 1 s timeout took {elapsed:.1f}s"
    assert host.status is HostStatus.FAILED, describe(host)
    slow = ops(host)["slow"]
    assert slow.status is OpStatus.FAILED
    assert slow.error is not None and "timed out" in slow.error, slow.error
    assert not t.path("/tmp/after-timeout").exists()
    sleeping = t.sh("pgrep", "-x", "sleep", check=False)
    assert sleeping.stdout == "", "the timed-out command is still running"


def test_retries(chroot: Target) -> None:
    t = chroot
    counter = "/tmp/retry-counter"
    # fails on the first try, succeeds on the second
    flaky = (
        f"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; "
        '[ "$n" -ge 2 ]'
    )

    def deploy() -> None:
        server.shell(name="flaky", commands=flaky, _retries=2, _retry_delay=0)

    host = single(run(t.name, deploy))
    assert host.status is HostStatus.CHANGED, describe(host)
    assert ops(host)["flaky"].status is OpStatus.CHANGED
    assert t.read(counter) == "2\n"

    t.path(counter).unlink()

    def no_retries() -> None:
        server.shell(name="flaky", commands=flaky)

    host = single(run(t.name, no_retries))
    assert host.status is HostStatus.FAILED, describe(host)
    assert t.read(counter) == "1\n"


def test_ignore_errors(chroot: Target) -> None:
    t = chroot
    marker = "/tmp/after-ignored"

    def deploy() -> None:
        server.shell(name="fails", commands="exit 3", _ignore_errors=True)
        files.file(name="after", path=marker)

    host = single(run(t.name, deploy))
    assert host.status is not HostStatus.FAILED, describe(host)
    result = ops(host)
    assert result["fails"].status is OpStatus.FAILED
    assert result["fails"].error is not None and "exit code 3" in result["fails"].error
    assert result["after"].status is OpStatus.CHANGED
    assert t.path(marker).is_file()


def test_failure_stops_the_host(chroot: Target) -> None:
    t = chroot
    before, after = "/tmp/before-failure", "/tmp/after-failure"

    def deploy() -> None:
        files.file(name="before", path=before)
        server.shell(name="fails", commands=["true", "exit 42"])
        files.file(name="after", path=after)
        server.shell(name="after shell", commands=f"touch {after}.2")

    host = single(run(t.name, deploy))
    assert host.status is HostStatus.FAILED, describe(host)
    assert host.error is not None and "fails" in host.error
    result = ops(host)
    assert result["before"].status is OpStatus.CHANGED
    assert result["fails"].status is OpStatus.FAILED
    assert result["fails"].error is not None and "exit code 42" in result["fails"].error
    for name in ("after", "after shell"):
        assert result[name].status is OpStatus.SKIPPED
        assert result[name].commands == ()
    assert t.path(before).is_file()
    assert not t.path(after).exists()
    assert not t.path(f"{after}.2").exists()
