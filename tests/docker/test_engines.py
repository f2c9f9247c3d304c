"""``@docker/ID`` and ``@podman/ID`` on real engines (``conftest``): a deploy builds an image
from the test image and a second run on that image changes nothing; a running container is
changed in place and left running; one persistent shell (one ``ENGINE exec``) per host for
the whole deploy; failures to reach a container are one line and the connector's exit."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import Engine

pytestmark = pytest.mark.integration

DEPLOY = """\
from corral.operations import files, server

files.directory(name="dir", path="/srv/app", mode="750")
files.put(name="put", src="hello.txt", dest="/srv/app/hello.txt", mode="640")
files.template(name="template", src="app.conf.j2", dest="/srv/app/app.conf",
               port=8080, words=["a", "b"])
files.line(name="line", path="/etc/motd", line="built by corral")
server.shell(name="shell", commands=["echo ran >> /srv/app/ran"])
files.get(name="get", src="/etc/debian_version", dest="got/debian_version")
"""

#: operations that change something on every run, whatever is there
ALWAYS = {"shell", "get"}


def _project(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "deploy.py").write_text(DEPLOY)
    (directory / "hello.txt").write_text("hello from the controller\n")
    (directory / "app.conf.j2").write_text(
        "port = {{ port }}\n{% for w in words %}{{ w }}\n{% endfor %}")
    return directory


def _counting_path(engine: Engine, directory: Path) -> dict[str, str]:
    """An environment whose ``ENGINE`` is a wrapper that records each call's arguments (one
    line each) in ``directory/calls`` before running the real one."""
    real = subprocess.run(["sh", "-c", f"command -v {engine.command}"], env=engine.env,
                          capture_output=True, text=True, check=True).stdout.strip()
    bin_dir = directory / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    wrapper = bin_dir / engine.command
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {directory}/calls\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    return {**engine.env, "PATH": f"{bin_dir}:{engine.env['PATH']}"}


def corral(target: str, cwd: Path, env: dict[str, str], *args: str,
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "corral", target, "deploy.py", "-y", "--json", *args],
        cwd=cwd, env={**env, "NO_COLOR": "1", "COLUMNS": "200"}, capture_output=True,
        text=True, timeout=300)


def events(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def statuses(done: subprocess.CompletedProcess[str]) -> dict[str, str]:
    return {e["result"]["name"]: e["result"]["status"] for e in events(done)
            if e["event"] == "operation"}


def host_done(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    found = [e["result"] for e in events(done) if e["event"] == "host_done"]
    assert len(found) == 1, done.stdout + done.stderr
    result: dict[str, Any] = found[0]
    return result


def image_made(engine: Engine, done: subprocess.CompletedProcess[str]) -> str:
    found = re.findall(rf"{engine.command} build complete, image ID: ([0-9a-f]{{12}})$",
                       done.stderr, re.MULTILINE)
    assert len(found) == 1, done.stderr
    return str(found[0])


def _containers(engine: Engine) -> set[str]:
    return set(engine.run("ps", "-aq").stdout.split())


def test_an_image_is_built_and_a_second_run_changes_nothing(engine: Engine,
                                                            tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    env = _counting_path(engine, tmp_path)
    before = _containers(engine)

    first = corral(f"@{engine.command}/{engine.image}", project, env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert set(statuses(first).values()) == {"changed"}, statuses(first)
    built = image_made(engine, first)
    # the container it ran in is gone; the image holds what the deploy did
    assert _containers(engine) == before
    shown = engine.run("run", "--rm", built, "sh", "-c",
                       "cat /srv/app/hello.txt /srv/app/app.conf /srv/app/ran; "
                       "stat -c '%a %n' /srv/app /srv/app/hello.txt; tail -n1 /etc/motd")
    assert shown.stdout.splitlines() == [
        "hello from the controller", "port = 8080",
        "a", "b", "ran",
        "750 /srv/app", "640 /srv/app/hello.txt", "built by corral"]
    assert (project / "got" / "debian_version").read_text().startswith("12.")

    # one persistent shell in the container for the whole deploy (several waves)
    calls = (tmp_path / "calls").read_text().splitlines()
    execs = [c for c in calls if c.startswith("exec ")]
    assert len(execs) == 1, calls
    assert host_done(first)["invocations"] >= 2  # several scripts went through that one

    (tmp_path / "calls").unlink()
    second = corral(f"@{engine.command}/{built}", project, env)
    assert second.returncode == 0, second.stdout + second.stderr
    changed = {name for name, status in statuses(second).items() if status == "changed"}
    assert changed <= ALWAYS, statuses(second)
    assert set(statuses(second)) >= {"dir", "put", "template", "line"}
    again = image_made(engine, second)
    assert engine.run("run", "--rm", again, "cat", "/srv/app/ran").stdout == "ran\nran\n"
    assert len([c for c in (tmp_path / "calls").read_text().splitlines()
                if c.startswith("exec ")]) == 1
    for made in (built, again):
        engine.run("rmi", "-f", made, check=False)


def test_a_running_container_is_changed_in_place_and_left_running(engine: Engine,
                                                                  tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    container = engine.run("run", "-d", "--network=none", engine.image).stdout.split()[-1]
    images = engine.run("images", "-q").stdout.split()
    try:
        done = corral(f"@{engine.command}/{container}", project, engine.env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert set(statuses(done).values()) == {"changed"}
        assert f"container left running: {container}" in done.stderr
        state = engine.run("container", "inspect", "--format", "{{.State.Running}}", container)
        assert state.stdout.strip() == "true"
        assert engine.run("exec", container, "cat", "/srv/app/hello.txt").stdout == \
            "hello from the controller\n"
        assert engine.run("images", "-q").stdout.split() == images  # nothing committed

        again = corral(f"@{engine.command}/{container}", project, engine.env)
        assert again.returncode == 0, again.stdout + again.stderr
        assert {n for n, s in statuses(again).items() if s == "changed"} <= ALWAYS
    finally:
        engine.run("rm", "-f", container, check=False)


def _one_line_failure(done: subprocess.CompletedProcess[str], target: str) -> str:
    """The line the run gives for an unreachable host (exit 3, as for SSH and chroot)."""
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    unreachable = [e for e in events(done) if e["event"] == "host_unreachable"]
    assert len(unreachable) == 1 and unreachable[0]["host"] == target
    error: str = unreachable[0]["error"]
    assert "\n" not in error
    return error


def test_an_image_that_does_not_exist(engine: Engine, tmp_path: Path) -> None:
    project = _project(tmp_path)
    before = _containers(engine)
    target = f"@{engine.command}/corral-no-such-image:1"
    error = _one_line_failure(corral(target, project, engine.env), target)
    assert error.startswith(f"{engine.command} cannot start a container from "
                            "corral-no-such-image:1: ")
    assert _containers(engine) == before


def test_a_container_that_is_not_running(engine: Engine, tmp_path: Path) -> None:
    project = _project(tmp_path)
    container = engine.run("create", "--network=none", engine.image).stdout.split()[-1]
    try:
        target = f"@{engine.command}/{container}"
        error = _one_line_failure(corral(target, project, engine.env), target)
        assert error == (f"{engine.command} container {container} is not running "
                         f"(start it with: {engine.command} start {container})")
        # left as it was: not started, not removed
        state = engine.run("container", "inspect", "--format", "{{.State.Running}}",
                           container)
        assert state.stdout.strip() == "false"
    finally:
        engine.run("rm", "-f", container, check=False)


def test_an_engine_that_cannot_be_reached(docker_engine: Engine, tmp_path: Path) -> None:
    project = _project(tmp_path)
    env = {**docker_engine.env, "DOCKER_HOST": f"unix://{tmp_path}/nothing.sock"}
    target = f"@docker/{docker_engine.image}"
    error = _one_line_failure(corral(target, project, env), target)
    assert error.startswith("docker: Cannot connect to the Docker daemon at unix://")


def test_an_engine_that_is_not_installed(podman_engine: Engine, tmp_path: Path) -> None:
    project = _project(tmp_path)
    python_dir = os.path.dirname(sys.executable)
    env = {**podman_engine.env, "PATH": python_dir}
    target = f"@podman/{podman_engine.image}"
    error = _one_line_failure(corral(target, project, env), target)
    assert error == "cannot run podman: No such file or directory"


@pytest.mark.parametrize("target, message", [
    ("@docker/", "@docker needs an image or a container: @docker/ID"),
    ("@podman/", "@podman needs an image or a container: @podman/ID"),
    ("@dockerssh/127.0.0.1", "@dockerssh needs a host and an image: @dockerssh/HOST:IMAGE"),
    ("@podmanssh/:img", "@podmanssh needs a host and an image: @podmanssh/HOST:IMAGE"),
    ("@docker/--privileged", "starts with '-' (it would be read as an option)"),
])
def test_a_target_without_what_it_needs_is_bad_input(target: str, message: str,
                                                     tmp_path: Path) -> None:
    """Found before anything runs (no engine needed): exit 4, one line naming the host."""
    project = _project(tmp_path)
    done = corral(target, project, dict(os.environ))
    assert done.returncode == 4, done.stdout + done.stderr
    lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0] and target in lines[0], done.stderr
