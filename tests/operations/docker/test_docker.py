"""docker.* as (args, facts) -> commands, with no engine. The registry operations (image
pulls, ``docker.plugin`` installs, ``docker.login``/``logout``) and ``docker.compose`` (no
compose on this machine) are tested only here, as argument checks and the commands they
would run: there is no registry to reach. tests/docker/test_docker_ops.py converges the
others on a real engine."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corral.facts.docker import (
    DockerAuths,
    DockerContainer,
    DockerImage,
    DockerNetwork,
    DockerPlugin,
    DockerVolume,
)
from corral.model.errors import OperationValueError
from corral.model.secrets import Secret
from corral.operations import docker
from corral.testing.optest import fact, plan

RUNNING = [{"Id": "c1", "State": {"Status": "running"}}]
STOPPED = [{"Id": "c2", "State": {"Status": "exited"}}]
FACTS: dict[Any, Any] = {
    fact(DockerContainer, object_id="web"): RUNNING,
    fact(DockerContainer, object_id="old"): STOPPED,
    fact(DockerContainer, object_id="new"): [],
    fact(DockerImage, object_id="nginx:1.27"): [{"Id": "sha256:1"}],
    fact(DockerImage, object_id="nginx:1.28"): [],
    fact(DockerImage, object_id="nginx"): [{"Id": "sha256:1"}],
    fact(DockerImage, object_id="reg.io:5000/app@sha256:ab"): [{"Id": "sha256:2"}],
    fact(DockerImage, object_id="reg.io:5000/app@sha256:cd"): [],
    fact(DockerImage, object_id="app:1"): [{"Id": "sha256:3"}],
    fact(DockerImage, object_id="app:2"): [],
    fact(DockerVolume, object_id="data"): [{"Name": "data"}],
    fact(DockerVolume, object_id="fresh"): [],
    fact(DockerNetwork, object_id="back"): [{"Name": "back"}],
    fact(DockerNetwork, object_id="front"): [],
    fact(DockerPlugin, object_id="sshfs"): [
        {"Enabled": True, "Settings": {"Env": ["DEBUG=0", "MODE=a"]}}],
    fact(DockerPlugin, object_id="off"): [{"Enabled": False, "Settings": {"Env": []}}],
    fact(DockerPlugin, object_id="vieux/sshfs"): [],
    fact(DockerAuths): ["reg.io", docker.DOCKER_HUB_SERVER],
}


def shell(op: Any, **args: Any) -> list[str]:
    result = plan(op, facts=FACTS, **args)
    if not result.shell:
        assert result.notes, "a no-op says why"
    return result.shell


@pytest.mark.parametrize(("args", "expected"), [
    ({"container": "web", "image": "nginx:1.27"}, []),
    ({"container": "old", "image": "x", "start": False}, []),
    ({"container": "new", "present": False}, []),
    ({"container": "new", "image": "nginx:1.27", "networks": ["none"]},
     ["docker container create --name new --network none nginx:1.27",
      "docker container start new"]),
    ({"container": "new", "image": "i", "start": False},
     ["docker container create --name new i"]),
    ({"container": "old", "image": "i"}, ["docker container start old"]),
    ({"container": "web", "start": False}, ["docker container stop web"]),
    ({"container": "web", "present": False}, ["docker container rm -f web"]),
    ({"container": "web", "image": "i", "force": True},
     ["docker container rm -f web", "docker container create --name web i",
      "docker container start web"]),
    ({"container": "new", "image": "i", "ports": ["80:80"], "volumes": ["d:/d"],
      "env_vars": ["A=b c"], "labels": ["l=1"], "mounts": ["type=tmpfs,target=/t"],
      "env_files": ["/e"], "pull_always": True, "restart_policy": "always",
      "auto_remove": True, "privileged": True, "hostname": "h", "entrypoint": "/bin/sh",
      "user": "1000", "cpus": 1.5, "memory": "512m", "extra_args": ["--cap-add", "NET_ADMIN"],
      "dns": ["127.0.0.53"], "command": "sh -c 'echo $HOME; id'"},
     ["docker container create --name new -p 80:80 -v d:/d --mount type=tmpfs,target=/t "
      "-e 'A=b c' --env-file /e --label l=1 --pull always --restart always --rm "
      "--privileged --hostname h --entrypoint /bin/sh --user 1000 --memory 512m --cpus 1.5 "
      "--cap-add NET_ADMIN --dns 127.0.0.53 i sh -c 'echo $HOME; id'",
      "docker container start new"]),
    ({"container": "new", "image": "i", "command": ["echo", "a b"]},
     ["docker container create --name new i echo 'a b'", "docker container start new"]),
])
def test_container(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.container, **args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({"image": "nginx:1.27"}, []),
    ({"image": "reg.io:5000/app@sha256:ab"}, []),
    ({"image": "nginx:1.28", "present": False}, []),
    ({"image": "nginx:1.28"}, ["docker image pull nginx:1.28"]),
    ({"image": "reg.io:5000/app@sha256:cd"}, ["docker image pull reg.io:5000/app@sha256:cd"]),
    # no tag, or latest: the tag may have moved, pulled every run (as pyinfra)
    ({"image": "nginx"}, ["docker image pull nginx"]),
    ({"image": "nginx:1.27", "force": True}, ["docker image pull nginx:1.27"]),
    ({"image": "nginx:1.27", "present": False}, ["docker image rm nginx:1.27"]),
])
def test_image(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.image, **args) == expected


@pytest.mark.parametrize(("image", "tag", "digest"), [
    ("nginx", None, None), ("nginx:1", "1", None), ("reg:5000/a", None, None),
    ("reg:5000/a:2", "2", None), ("a@sha256:x", None, "sha256:x"),
    ("reg:5000/ns/a:3@sha256:y", "3", "sha256:y"),
])
def test_image_reference(image: str, tag: str | None, digest: str | None) -> None:
    assert docker._image_tag_and_digest(image) == (tag, digest)


@pytest.mark.parametrize(("args", "expected"), [
    ({"path": "/srv/app", "tags": ["app:1"]}, []),
    ({"path": "/srv/app", "tags": ["app:1", "app:2"]}, ["docker build -t app:1 -t app:2 /srv/app"]),
    ({"path": "/srv/app", "tags": "app:1", "force": True}, ["docker build -t app:1 /srv/app"]),
    ({"path": "/srv/my app"}, ["docker build '/srv/my app'"]),
    ({"path": ".", "tags": "app:2", "dockerfile": "D.prod", "build_args": {"V": "1 2"},
      "labels": {"a": "b"}, "target": "t", "platform": "linux/arm64", "network": "none",
      "cache_from": ["x"], "cache_to": "type=local,dest=/c", "secrets": ["id=s,src=/s"],
      "pull": True, "no_cache": True, "builder": "b", "build_cmd": "docker buildx build"},
     ["docker buildx build --builder b -t app:2 -f D.prod --build-arg 'V=1 2' --label a=b "
      "--target t --platform linux/arm64 --network none --cache-from x "
      "--cache-to type=local,dest=/c --secret id=s,src=/s --pull --no-cache ."]),
])
def test_build(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.build, **args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({"volume": "data"}, []),
    ({"volume": "fresh", "present": False}, []),
    ({"volume": "fresh", "driver": "local", "labels": ["a=b"], "options": ["type=tmpfs"]},
     ["docker volume create fresh -d local --label a=b --opt type=tmpfs"]),
    ({"volume": "data", "present": False}, ["docker volume rm data"]),
])
def test_volume(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.volume, **args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({"network": "back"}, []),
    ({"network": "front", "present": False}, []),
    ({"network": "front", "driver": "bridge", "subnet": "10.9.0.0/24", "gateway": "10.9.0.1",
      "ip_range": "10.9.0.0/25", "ipam_driver": "default", "scope": "local",
      "aux_addresses": {"h": "10.9.0.5"}, "opts": ["o=1"], "ipam_opts": ["p=2"],
      "labels": ["l=3"], "ingress": True, "attachable": True},
     ["docker network create front -d bridge --gateway 10.9.0.1 --ip-range 10.9.0.0/25 "
      "--ipam-driver default --subnet 10.9.0.0/24 --scope local --ingress --attachable "
      "--aux-address h=10.9.0.5 --opt o=1 --ipam-opt p=2 --label l=3"]),
    ({"network": "back", "present": False}, ["docker network rm back"]),
])
def test_network(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.network, **args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({}, ["docker system prune -f"]),
    ({"all": True, "volumes": True, "filter": "until=24h"},
     ["docker system prune -a --filter=until=24h --volumes -f"]),
])
def test_prune(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.prune, **args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({"plugin": "vieux/sshfs", "alias": "sshfs", "plugin_options": {"DEBUG": "0"}}, []),
    ({"plugin": "off", "enabled": False}, []),
    ({"plugin": "vieux/sshfs", "present": False}, []),
    ({"plugin": "vieux/sshfs", "plugin_options": {"DEBUG": "1"}},
     ["docker plugin install vieux/sshfs --grant-all-permissions DEBUG=1"]),
    ({"plugin": "vieux/sshfs:latest", "alias": "fresh", "enabled": False},
     ["docker plugin install vieux/sshfs:latest --grant-all-permissions --alias fresh "
      "--disable"]),
    ({"plugin": "vieux/sshfs", "alias": "sshfs", "plugin_options": {"DEBUG": "1"}},
     ["docker plugin disable sshfs", "docker plugin set sshfs DEBUG=1",
      "docker plugin enable sshfs"]),
    ({"plugin": "off"}, ["docker plugin enable off"]),
    ({"plugin": "sshfs", "enabled": False}, ["docker plugin disable sshfs"]),
    ({"plugin": "sshfs", "present": False}, ["docker plugin rm -f sshfs"]),
])
def test_plugin(args: dict[str, Any], expected: list[str]) -> None:
    facts = {**FACTS, fact(DockerPlugin, object_id="fresh"): []}
    result = plan(docker.plugin, facts=facts, **args)
    assert result.shell == expected


def test_login_keeps_the_password_off_the_command_line() -> None:
    result = plan(docker.login, facts=FACTS, username="ci", password="s3 cr'et",
                  server="other.io:5000")
    (command,) = result.commands
    assert result.shell == ["docker login --username ci --password-stdin other.io:5000"]
    assert "s3" not in str(command)
    assert command.stdin() == "s3 cr'et\n"  # docker strips the newline
    assert command.has_secrets()


@pytest.mark.parametrize(("args", "expected"), [
    ({"username": "ci", "password": "p", "server": "reg.io"}, []),
    ({"username": "ci", "password": Secret("p")}, []),
    ({"username": "ci", "password": "p", "force": True},
     ["docker login --username ci --password-stdin"]),
])
def test_login(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.login, **args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({"server": "other.io"}, []),
    ({"server": "reg.io"}, ["docker logout reg.io"]),
    ({}, ["docker logout"]),
])
def test_logout(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.logout, **args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({"project_directory": "/srv/app"},
     ["docker compose --project-directory /srv/app up -d --remove-orphans"]),
    ({"project_directory": "/srv/my app", "files": ["a.yml", "b.yml"], "project_name": "app",
      "pull": "missing", "build": True, "force_recreate": True, "remove_orphans": False,
      "compose_command": "docker-compose"},
     ["docker-compose --project-directory '/srv/my app' --project-name app -f a.yml -f b.yml "
      "up -d --pull missing --build --force-recreate"]),
    ({"project_directory": "/srv/app", "present": False, "remove_volumes": True},
     ["docker compose --project-directory /srv/app down -v --remove-orphans"]),
])
def test_compose(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.compose, **args) == expected


@pytest.mark.parametrize(("args", "expected"), [
    ({"container": "app", "command": "ls | wc -l > /tmp/n"},
     ["docker exec app sh -c 'ls | wc -l > /tmp/n'"]),
    ({"container": "app", "command": ["touch", "/srv/a b"], "user": "app", "workdir": "/srv",
      "env": {"STAGE": "prod"}, "detach": True, "privileged": True, "tty": True},
     ["docker exec --detach --privileged --tty --user app --workdir /srv --env STAGE=prod "
      "app touch '/srv/a b'"]),
])
def test_container_exec(args: dict[str, Any], expected: list[str]) -> None:
    assert shell(docker.container_exec, **args) == expected


@pytest.mark.parametrize(("op", "args"), [
    (docker.container, {"container": "-rm"}),
    (docker.container, {"container": "a b", "image": "i"}),
    (docker.container, {"container": "new"}),  # no image to create it from
    (docker.container, {"container": "new", "image": "--privileged"}),
    (docker.container, {"container": "new", "image": "i", "command": "echo 'open"}),
    (docker.container, {"container": "new", "image": "i", "cpus": "2; id"}),
    (docker.container, {"container": "new", "image": "i", "labels": ["a\nb"]}),
    (docker.image, {"image": "-a"}),
    (docker.image, {"image": "a b"}),
    (docker.image, {"image": ""}),
    (docker.build, {"path": ".", "build_cmd": "docker build; id"}),
    (docker.build, {"path": "-", "tags": "x"}),
    (docker.volume, {"volume": "$(id)"}),
    (docker.network, {"network": "--help"}),
    (docker.plugin, {"plugin": "p", "alias": "-x"}),
    (docker.login, {"username": "ci", "password": ""}),
    (docker.login, {"username": "-ci", "password": "p"}),
    (docker.login, {"username": "ci", "password": "a\nb"}),
    (docker.logout, {"server": "-x"}),
    (docker.compose, {"project_directory": "/a", "pull": "sometimes"}),
    (docker.compose, {"project_directory": "/a", "compose_command": "docker compose && id"}),
    (docker.compose, {"project_directory": ""}),
    (docker.container_exec, {"container": "app", "command": ""}),
    (docker.container_exec, {"container": "-x", "command": "id"}),
])
def test_bad_input(op: Any, args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(op, facts=FACTS, **args)


HOSTILE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\0"),
                  min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(word=HOSTILE)
def test_hostile_values_are_one_word_each(word: str) -> None:
    """Any text given as a value reaches docker as that one argument, or is refused."""
    facts = {**FACTS, fact(DockerContainer, object_id="new"): [],
             fact(DockerImage, object_id=word): []}
    try:
        result = plan(docker.container, facts=facts, container="new", image=word,
                      labels=[word], command=[word])
    except OperationValueError:
        return
    (create, _start) = result.shell
    assert shlex.split(create) == ["docker", "container", "create", "--name", "new",
                                   "--label", word, word, word]


@settings(max_examples=200, deadline=None)
@given(text=HOSTILE)
def test_hostile_exec_text_is_the_containers_to_run(text: str) -> None:
    """A command given as text reaches the container's ``sh -c`` as exactly that text."""
    result = plan(docker.container_exec, facts=FACTS, container="app", command=text)
    assert shlex.split(result.shell[0]) == ["docker", "exec", "app", "sh", "-c", text]
