"""docker.* facts' commands and parsers without an engine (tests/docker/test_docker_ops.py
reads every one of them from a real engine): what is "no such object" and what is a
failure, output that is not docker's, and object names that are hostile."""

from __future__ import annotations

import shlex
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corral.facts import docker
from corral.model.errors import FactParseError, FactValueError

ONE = [docker.DockerContainer, docker.DockerImage, docker.DockerNetwork, docker.DockerVolume,
       docker.DockerPlugin]


@pytest.mark.parametrize(("cls", "stderr", "absent"), [
    (docker.DockerContainer, "Error response from daemon: No such container: x", True),
    (docker.DockerImage, "Error response from daemon: No such image: x:latest", True),
    (docker.DockerNetwork, "Error response from daemon: network x not found", True),
    (docker.DockerVolume, "Error response from daemon: get x: no such volume", True),
    (docker.DockerPlugin, "Error: No such plugin: x", True),
    (docker.DockerContainerProcesses,
     "Error response from daemon: container abc is not running", True),
    # the engine not reached is a failure, not "nothing there"
    (docker.DockerContainer, "Cannot connect to the Docker daemon at unix:///x.sock. Is the "
     "docker daemon running?", False),
    (docker.DockerContainers, "permission denied while trying to connect", False),
])
def test_absent_or_failed(cls: type[docker._DockerFact], stderr: str, absent: bool) -> None:
    assert cls().is_absent(1, stderr) is absent
    assert cls().is_absent(125, stderr) is False


@pytest.mark.parametrize("output", [[""], ["not json"], ['{"Id": "a"}'], ['["a"]']])
def test_inspect_output_that_is_not_docker_s(output: list[str]) -> None:
    with pytest.raises(FactParseError):
        docker.DockerContainer().process(output)


def test_parsers() -> None:
    assert docker.DockerContainers().process(["[]"]) == []
    envs = docker.DockerContainerEnvs().process(
        ['[{"Id": "a", "Config": {"Env": ["A=1=2", "B="]}}, {"Id": "b", "Config": null}]'])
    assert envs == {"a": {"A": "1=2", "B": ""}, "b": {}}
    assert docker.DockerImageLabels().process(
        ['[{"Id": "i", "Config": {"Labels": null}, "ContainerConfig": {"Labels": {"x": "y"}}}]']
    ) == {"i": {"x": "y"}}
    assert docker.DockerContainerFsChanges().process(["A /a b", "C /etc", "D /x"]) == [
        {"change": "A", "path": "/a b"}, {"change": "C", "path": "/etc"},
        {"change": "D", "path": "/x"}]
    with pytest.raises(FactParseError):
        docker.DockerContainerFsChanges().process(["what"])
    assert docker.DockerContainerProcesses().process(
        ["UID PID CMD", "root 1 sleep infinity", "root 7"]) == [
        {"UID": "root", "PID": "1", "CMD": "sleep infinity"},
        {"UID": "root", "PID": "7", "CMD": ""}]
    with pytest.raises(FactParseError):
        docker.DockerContainerStats().process(['"text"'])
    assert docker.DockerAuths().process(["{}"]) == []
    with pytest.raises(FactParseError):
        docker.DockerAuths().process(['{"auths": []}'])


@pytest.mark.parametrize("name", ["", " ", "-f", "--format={{.}}", "a\nb"])
def test_bad_object_names(name: str) -> None:
    for cls in ONE:
        with pytest.raises(FactValueError):
            cls().command(object_id=name)


@settings(max_examples=150, deadline=None)
@given(name=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                    max_size=30))
def test_hostile_names_are_one_argument(name: str) -> None:
    """A name reaches docker as one argument, as the real sh (dash) reads the command."""
    for cls in (docker.DockerContainer, docker.DockerImageHistory):
        fact = cls()
        try:
            command = (fact.command(object_id=name) if cls is docker.DockerContainer
                       else fact.command(image_id=name))
        except FactValueError:
            assert not name.strip() or name.startswith("-") or "\x7f" in name
            return
        printed = subprocess.run(
            ["sh", "-c", f"docker() {{ printf '%s\\n' \"$@\" | tail -n 1; }}; {command}"],
            capture_output=True, text=True, check=True).stdout
        assert printed == name + "\n", shlex.quote(name)
