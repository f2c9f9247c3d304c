"""The engine commands of the container connectors, without an engine: names checked,
words quoted for a remote shell (run by a real ``sh``), the engine's output read (outputs
captured from docker 20.10 and podman 4.3 on this machine)."""

from __future__ import annotations

import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corral.connectors.container import (
    check_name,
    command_line,
    error_line,
    image_id,
    parse_pid,
    run_argv,
)
from corral.model.errors import BadInput, ConnectError

_NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1)


@given(_NAMES)
def test_an_accepted_name_reaches_the_engine_as_one_word(name: str) -> None:
    try:
        check_name(name, "image")
    except BadInput:
        assert name.startswith("-") or any(c.isspace() or not c.isprintable() for c in name)
        return
    argv = run_argv("docker", name, {"docker_platform": name})
    script = "printf '%s\\0' " + command_line(argv[1:])
    out = subprocess.run(["sh", "-c", script], capture_output=True, check=True).stdout
    assert out.decode().split("\0")[:-1] == argv[1:]


@pytest.mark.parametrize("bad", ["", "-it", "--privileged", "a b", "a\nb", "a\x00b", "a\tb"])
def test_a_name_the_engine_would_misread_is_refused(bad: str) -> None:
    with pytest.raises(BadInput):
        check_name(bad, "image")
    with pytest.raises(BadInput):
        run_argv("docker", "debian", {"docker_architecture": bad or None} if bad else
                 {"docker_platform": 3})


def test_the_image_id_of_a_commit() -> None:
    docker = "sha256:65c9ec7293489b0e4e2bf9bc1a7c2ba61ab7b7b8a84f9cdb5d2a4b6b6d0f1e22\n"
    podman = ("e9cbbce7b66cd8518780288e8b198ba435a68e9bf69495f2a4805dab283b5ce8\n")
    assert image_id(docker) == "65c9ec729348"
    assert image_id(podman) == "e9cbbce7b66c"
    with pytest.raises(ConnectError):
        image_id("Error: no such container\n")
    with pytest.raises(ConnectError):
        image_id("")


def test_one_line_of_an_engine_error() -> None:
    pull = ("Unable to find image 'nosuch:latest' locally\n"
            "docker: Error response from daemon: Get \"https://registry-1.docker.io/v2/\": "
            "proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused.\n"
            "See 'docker run --help'.\n")
    assert error_line(pull, "?") == (
        "Error response from daemon: Get \"https://registry-1.docker.io/v2/\": "
        "proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused")
    assert error_line("Cannot connect to the Docker daemon at unix:///x.sock. Is the "
                      "docker daemon running?\n", "?").startswith("Cannot connect")
    assert error_line("Error: inspecting object: no such container nosuch\n", "?") == \
        "Error: inspecting object: no such container nosuch"
    assert error_line("something odd\n", "?") == "something odd"
    assert error_line("", "exit status 1") == "exit status 1"


def test_the_shell_pid() -> None:
    assert parse_pid(b"CORRAL_PID=6\n") == 6
    for bad in (b"", b"CORRAL_PID=\n", b"OTHER=6\n", b"CORRAL_PID=6; rm\n"):
        with pytest.raises(ValueError):
            parse_pid(bad)


def test_the_targets_data_and_groups_as_pyinfra_has_them() -> None:
    from corral.engine.loader import connector_data, parse_target

    assert parse_target("@docker/registry:5000/team/app:1") == (
        "docker", "registry:5000/team/app:1")
    assert connector_data("@docker/debian:12") == (
        {"docker_identifier": "debian:12"}, "@docker")
    assert connector_data("@podman/2beb8c15a1b1") == (
        {"docker_identifier": "2beb8c15a1b1"}, "@podman")
    assert connector_data("@dockerssh/127.0.0.2:debian:12") == (
        {"ssh_hostname": "127.0.0.2", "docker_image": "debian:12"}, "@dockerssh")
    assert connector_data("@podmanssh/web:alpine") == (
        {"ssh_hostname": "web", "docker_image": "alpine"}, "@podmanssh")
