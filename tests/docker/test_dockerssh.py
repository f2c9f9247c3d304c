"""``@dockerssh/HOST:IMAGE`` and ``@podmanssh/HOST:IMAGE``: the engine commands the connector
sends over SSH to a fleet host.

A fleet host cannot run a container engine (no cgroups of its own, no storage driver in its
namespaces), and a ``docker`` there forwarding to this machine's engine would test a
wrapper, not the connector. So the host gets a fake engine command that records every
call's arguments exactly (NUL-separated) and acts just enough: ``run`` prints an id,
``commit`` an image id, ``exec -i ID CMD...`` runs CMD on the host itself (so the deploy
runs, through the connector's one persistent shell, on the host). What is tested is the
sequence of engine commands and their arguments, over a real SSH connection; what the
engine itself does is tested by ``test_engines`` with ``@docker``/``@podman``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from corral.connectors.container import SHELL
from corral.testing.fleet import Fleet
from corral.testing.fleet_host import children
from corral.testing.pytest_fleet import fleet_fixture

pytestmark = pytest.mark.integration

solo = fleet_fixture(1, scope="module")

CONTAINER = "c0ffee" * 10 + "0123"
IMAGE_ID = "feedfacecafe" + "0" * 52
CALLS = "/var/log/fake-engine.calls"

FAKE_ENGINE = f"""#!/bin/sh
# records its name and arguments: their count, then each, NUL-terminated
printf '%s\\0' "$(($# + 1))" "${{0##*/}}" "$@" >> {CALLS}
case "$1" in
    run) echo {CONTAINER} ;;
    exec) shift 3; exec "$@" ;;
    commit) echo sha256:{IMAGE_ID} ;;
    rm) echo "$3" ;;
    container) echo true ;;
    *) echo "fake engine: $1?" >&2; exit 125 ;;
esac
"""

DEPLOY = """\
from corral.operations import files, server

files.directory(name="dir", path="/srv/dockerssh", mode="750")
files.put(name="put", src="hello.txt", dest="/srv/dockerssh/hello.txt")
server.shell(name="shell", commands=["echo ran >> /srv/dockerssh/ran"])
"""


def _root(fleet: Fleet) -> Path:
    sshd = children(fleet.hosts[0].pid)
    assert sshd, "the fleet host is not running"
    return Path(f"/proc/{sshd[0]}/root")


@pytest.fixture
def host(solo: Fleet) -> Any:
    """The fleet host with fake ``docker`` and ``podman`` commands, its call log empty."""
    root = _root(solo)
    for name in ("docker", "podman"):
        path = root / "usr/local/bin" / name
        path.write_text(FAKE_ENGINE)
        path.chmod(0o755)
    (root / CALLS.lstrip("/")).unlink(missing_ok=True)
    shutil.rmtree(root / "srv/dockerssh", ignore_errors=True)  # the deploy's, from before
    yield solo.hosts[0]
    for name in ("docker", "podman"):
        (root / "usr/local/bin" / name).unlink(missing_ok=True)


def calls(fleet: Fleet) -> list[list[str]]:
    words = (_root(fleet) / CALLS.lstrip("/")).read_bytes().decode().split("\0")[:-1]
    found = []
    while words:
        count = int(words.pop(0))
        found.append(words[:count])
        del words[:count]
    return found


def run(fleet: Fleet, directory: Path, target: str, **data: Any,
        ) -> subprocess.CompletedProcess[str]:
    (directory / "deploy.py").write_text(DEPLOY)
    (directory / "hello.txt").write_text("hello\n")
    entry = {"ssh_user": "root", "ssh_key": str(fleet.key_path),
             "ssh_known_hosts_file": str(fleet.known_hosts_path), **data}
    (directory / "inventory.py").write_text(f"hosts = [({target!r}, {entry!r})]\n")
    return subprocess.run(
        [sys.executable, "-m", "corral", "inventory.py", "deploy.py", "-y", "--json"],
        cwd=directory, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "HOME": str(directory)})


def statuses(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    found = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {e["result"]["name"]: e["result"]["status"] for e in found
            if e["event"] == "operation"}


@pytest.mark.parametrize("engine", ["docker", "podman"])
def test_a_container_started_from_the_image_committed_and_removed(
        engine: str, host: Any, solo: Fleet, tmp_path: Path) -> None:
    done = run(solo, tmp_path, f"@{engine}ssh/{host.address}:corral-test:1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert statuses(done) == {"dir": "changed", "put": "changed", "shell": "changed"}
    assert calls(solo) == [
        [engine, "run", "-d", "corral-test:1", "tail", "-f", "/dev/null"],
        # one persistent shell for the whole deploy
        [engine, "exec", "-i", CONTAINER, "sh", "-c", SHELL],
        [engine, "commit", CONTAINER],
        [engine, "rm", "-f", CONTAINER],
    ]
    assert f"{engine} build complete, image ID: feedfacecafe\n" in done.stderr
    root = _root(solo)
    assert (root / "srv/dockerssh/hello.txt").read_text() == "hello\n"


def test_a_running_container_named_in_host_data_is_left_running(
        host: Any, solo: Fleet, tmp_path: Path) -> None:
    done = run(solo, tmp_path, f"@dockerssh/{host.address}:unused",
               docker_container_id="web-1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls(solo) == [
        ["docker", "container", "inspect", "--format", "{{.State.Running}}", "web-1"],
        ["docker", "exec", "-i", "web-1", "sh", "-c", SHELL],
    ]
    assert "docker build complete, container left running: web-1" in done.stderr


def test_a_hostile_image_name_reaches_the_engine_as_one_word(
        host: Any, solo: Fleet, tmp_path: Path) -> None:
    hostile = "img$(touch${IFS}/tmp/pwned);`id`'\"|&<>*?#~{a,b}\\"
    done = run(solo, tmp_path, f"@dockerssh/{host.address}:placeholder",
               docker_image=hostile, docker_platform="linux/amd64;reboot")
    assert done.returncode == 0, done.stdout + done.stderr
    assert calls(solo)[0] == ["docker", "run", "-d", "--platform", "linux/amd64;reboot",
                              hostile, "tail", "-f", "/dev/null"]
    assert not (_root(solo) / "tmp/pwned").exists()


def test_an_engine_failure_is_one_line(host: Any, solo: Fleet, tmp_path: Path) -> None:
    root = _root(solo)
    (root / "usr/local/bin/docker").write_text(
        "#!/bin/sh\necho 'Unable to find image' >&2\n"
        "echo 'docker: Error response from daemon: pull access denied.' >&2\n"
        "echo \"See 'docker run --help'.\" >&2\nexit 125\n")
    target = f"@dockerssh/{host.address}:missing"
    done = run(solo, tmp_path, target)
    assert done.returncode == 3, done.stdout + done.stderr
    found = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    errors = [e["error"] for e in found if e["event"] == "host_unreachable"]
    assert errors == ["docker cannot start a container from missing: "
                      "Error response from daemon: pull access denied"]
