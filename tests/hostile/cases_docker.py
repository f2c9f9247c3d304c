"""docker.* under hostile strings: ``docker`` is a recording stub printing ``[]`` (every
object absent, so each operation creates or runs), so a name, reference, option value or
command reaches docker as one argument (or inside one: ``KEY=VALUE``, ``--filter=VALUE``),
or is refused."""

from __future__ import annotations

import json
from typing import Any

from .cases import Arg, Case, Ctx, as_is, dict_key, dict_value, in_list
from .checks import Argv
from .sandbox import Sandbox

DOCKER = (Argv(("docker",)),)
#: what follows the image (the container's command) or is an option by design
#: (extra_args): docker reads no option there, or it is meant to be one
WORDS = (Argv(("docker",), dash=False),)


def _prepare(box: Sandbox) -> None:
    box.stub("docker", out="[]\n")


def _case(op: str, base: dict[str, Any], args: tuple[Arg, ...], **extra: Any) -> Case:
    return Case(op, lambda c: dict(base), args, prepare=_prepare, group="docker", **extra)


def _logged_in(c: Ctx, server: str) -> None:
    """config.json as docker login leaves it, with the server (so logout has work)."""
    c.sandbox.write("/root/.docker/config.json", json.dumps({"auths": {server: {}}}))


def _listed(*params: str) -> tuple[Arg, ...]:
    return tuple(Arg(p, in_list(p), DOCKER) for p in params)


def _valued(*params: str) -> tuple[Arg, ...]:
    return tuple(Arg(p, as_is(p), DOCKER) for p in params)


CONTAINER = {"container": "hostile", "image": "img:1"}
CASES: list[Case] = [
    _case("docker.container", CONTAINER, (
        Arg("container", as_is("container"), DOCKER),
        Arg("image", as_is("image"), DOCKER),
        *_listed("ports", "networks", "volumes", "env_vars", "env_files", "labels", "mounts",
                 "dns"),
        *_valued("restart_policy", "hostname", "entrypoint", "user", "memory"),
        Arg("extra_args", in_list("extra_args"), WORDS),
        Arg("command", in_list("command", "echo"), WORDS),
        # text: split into words as sh splits it, each quoted; the canary must not run
        Arg("command", as_is("command"), (), label="command-text"),
    )),
    _case("docker.image", {"image": "img:1"}, (Arg("image", as_is("image"), DOCKER),)),
    _case("docker.build", {"path": "/srv/ctx", "tags": ["app:1"]}, (
        Arg("path", as_is("path"), DOCKER),
        Arg("tags", in_list("tags"), DOCKER),
        Arg("tags", as_is("tags"), DOCKER, label="tags-str"),
        *_valued("dockerfile", "target", "platform", "network", "builder"),
        Arg("build_args", dict_key("build_args"), DOCKER, label="build_args-key"),
        Arg("build_args", dict_value("build_args"), DOCKER),
        Arg("labels", dict_key("labels"), DOCKER, label="labels-key"),
        Arg("labels", dict_value("labels"), DOCKER),
        *_listed("cache_from", "cache_to", "secrets"),
        # program words only (docker build, docker buildx build): refused otherwise
        Arg("build_cmd", as_is("build_cmd"), ()),
    )),
    _case("docker.volume", {"volume": "hostile"}, (
        Arg("volume", as_is("volume"), DOCKER),
        *_valued("driver"),
        *_listed("labels", "options"),
    )),
    _case("docker.network", {"network": "hostile"}, (
        Arg("network", as_is("network"), DOCKER),
        *_valued("driver", "gateway", "ip_range", "ipam_driver", "subnet", "scope"),
        Arg("aux_addresses", dict_key("aux_addresses"), DOCKER, label="aux_addresses-key"),
        Arg("aux_addresses", dict_value("aux_addresses"), DOCKER),
        *_listed("opts", "ipam_opts", "labels"),
    )),
    _case("docker.prune", {}, (Arg("filter", as_is("filter"), DOCKER),)),
    _case("docker.plugin", {"plugin": "vieux/sshfs"}, (
        Arg("plugin", as_is("plugin"), DOCKER),
        Arg("alias", as_is("alias"), DOCKER),
        Arg("plugin_options", dict_key("plugin_options"), DOCKER,
            label="plugin_options-key"),
        Arg("plugin_options", dict_value("plugin_options"), DOCKER),
    )),
    _case("docker.login", {"username": "ci", "password": "pw"}, (
        Arg("username", as_is("username"), DOCKER),
        Arg("password", as_is("password"), DOCKER),  # on docker's standard input
        Arg("server", as_is("server"), DOCKER),
    )),
    _case("docker.logout", {}, (
        Arg("server", as_is("server"), DOCKER, setup=_logged_in),
    )),
    _case("docker.compose", {"project_directory": "/srv/app"}, (
        Arg("project_directory", as_is("project_directory"), DOCKER),
        Arg("files", in_list("files"), DOCKER),
        Arg("files", as_is("files"), DOCKER, label="files-str"),
        Arg("project_name", as_is("project_name"), DOCKER),
        # one of always/missing/never, and program words: refused otherwise
        Arg("pull", as_is("pull"), ()),
        Arg("compose_command", as_is("compose_command"), ()),
    )),
    _case("docker.container_exec", {"container": "hostile", "command": "true"}, (
        Arg("container", as_is("container"), DOCKER),
        Arg("command", as_is("command"), DOCKER, label="command-text"),
        Arg("command", in_list("command", "echo"), WORDS),
        *_valued("user", "workdir"),
        Arg("env", dict_key("env"), DOCKER, label="env-key"),
        Arg("env", dict_value("env"), DOCKER),
    )),
]
