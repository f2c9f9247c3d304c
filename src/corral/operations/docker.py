"""Manage the Docker engine the target host's ``docker`` CLI reaches: containers, images,
networks, volumes, plugins, builds, compose stacks and registry logins (pyinfra's
``docker.*``). To run a deploy *inside* a container, use the ``@docker/`` connector.

Every name, reference and option value is one shell word (quoted); a name that docker would
read as an option (``-x``) or that holds control characters is refused before anything runs.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import Any

from corral.facts.docker import (
    DOCKER_KEY,
    DockerAuths,
    DockerContainer,
    DockerImage,
    DockerNetwork,
    DockerPlugin,
    DockerVolume,
)
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.model.secrets import Secret, reveal

#: where ``docker login`` without a server logs in (and what config.json calls it)
DOCKER_HUB_SERVER = "https://index.docker.io/v1/"

#: a container's or volume's name, as docker accepts it
_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z")
#: a word of a command given as text (``build_cmd``, ``compose_command``)
_PROGRAM_WORD = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*\Z")


def _changes(*_: Any, **__: Any) -> Iterable[Key]:
    return [DOCKER_KEY]


def _word(what: str, value: object) -> str:
    """A value given as one ``docker`` argument: text, not empty, not read as an option,
    no control characters."""
    if not isinstance(value, str) or not value.strip():
        raise OperationValueError(f"bad {what} {value!r}: give a non-empty string")
    if value.startswith("-") or any(ord(c) < 32 or c == "\x7f" for c in value):
        raise OperationValueError(f"bad {what} {value!r}")
    return value


def _name(what: str, value: object) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise OperationValueError(f"bad {what} name {value!r} (docker takes "
                                  "[a-zA-Z0-9][a-zA-Z0-9_.-]*)")
    return value


def _value(what: str, value: object) -> str:
    """An option's value (``--label a=b``...): any text without control characters (it
    follows its option, so a leading ``-`` is the value's)."""
    if not isinstance(value, str) or any(ord(c) < 32 and c != "\t" for c in value):
        raise OperationValueError(f"bad {what} {value!r}")
    return value


def _list(what: str, value: object) -> list[str]:
    """A str-or-list argument as a list of option values."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple):
        raise OperationValueError(f"{what} must be a string or a list of strings")
    return [_value(what, v) for v in items]


def _options(flag: str, what: str, values: object) -> list[object]:
    bits: list[object] = []
    for v in _list(what, values):
        bits += [flag, QuoteString(v)]
    return bits


def _mapping(flag: str, what: str, values: dict[str, str] | None) -> list[object]:
    if values is None:
        return []
    if not isinstance(values, dict):
        raise OperationValueError(f"{what} must be a dict")
    return _options(flag, what, [f"{_value(what, str(k))}={_value(what, str(v))}"
                                 for k, v in values.items()])


def _program(what: str, text: str) -> list[str]:
    """A command given as text (``docker build``, ``docker-compose``): plain words only."""
    words = text.split() if isinstance(text, str) else []
    if not words or not all(_PROGRAM_WORD.match(w) for w in words):
        raise OperationValueError(f"bad {what} {text!r}: give program words such as "
                                  "'docker compose'")
    return words


def _command_words(command: str | list[str]) -> list[QuoteString]:
    """A container's command as its words, each quoted: a list as given; text split as the
    shell splits it (``sh -c 'echo hi'`` is three words), so no word of it reaches the host's
    shell unquoted (a ``$VAR`` in it is the container's to expand, not the host's)."""
    if isinstance(command, str):
        try:
            words = shlex.split(command)
        except ValueError as exc:
            raise OperationValueError(f"bad command {command!r}: {exc}") from exc
    elif isinstance(command, list | tuple) and all(isinstance(w, str) for w in command):
        words = list(command)
    else:
        raise OperationValueError("command must be text or a list of strings")
    return [QuoteString(_value("command word", w)) for w in words]


def _inspected(found: Any) -> dict[str, Any] | None:
    """The one object of a ``docker ... inspect`` fact, None for none."""
    if isinstance(found, list) and found and isinstance(found[0], dict):
        return found[0]
    return None


def _container_args(
    image: str, ports: list[str] | None, networks: list[str] | None,
    volumes: list[str] | None, env_vars: list[str] | None, env_files: list[str] | None,
    labels: list[str] | None, pull_always: bool, restart_policy: str | None,
    auto_remove: bool, mounts: list[str] | None, privileged: bool, hostname: str | None,
    entrypoint: str | None, user: str | None, cpus: float | None, memory: str | None,
    extra_args: list[str] | None, dns: list[str] | None, command: str | list[str] | None,
) -> list[object]:
    bits: list[object] = [
        *_options("--network", "network", networks), *_options("-p", "port", ports),
        *_options("-v", "volume", volumes), *_options("--mount", "mount", mounts),
        *_options("-e", "env var", env_vars), *_options("--env-file", "env file", env_files),
        *_options("--label", "label", labels),
    ]
    if pull_always:
        bits.append("--pull always")
    if restart_policy:
        bits += ["--restart", QuoteString(_value("restart policy", restart_policy))]
    if auto_remove:
        bits.append("--rm")
    if privileged:
        bits.append("--privileged")
    for flag, what, given in (("--hostname", "hostname", hostname),
                              ("--entrypoint", "entrypoint", entrypoint),
                              ("--user", "user", user), ("--memory", "memory", memory)):
        if given is not None:
            bits += [flag, QuoteString(_value(what, given))]
    if cpus is not None:
        if isinstance(cpus, bool) or not isinstance(cpus, int | float) or cpus <= 0:
            raise OperationValueError(f"bad cpus {cpus!r}: give a positive number")
        bits += ["--cpus", QuoteString(str(cpus))]
    # each extra argument is one word as given (an option or its value)
    bits += [QuoteString(v) for v in _list("extra argument", extra_args)]
    bits += _options("--dns", "dns server", dns)
    bits.append(QuoteString(_word("image", image)))
    if command:
        bits += _command_words(command)
    return bits


@operation(changes=_changes)
def container(
    container: str,
    image: str = "",
    ports: list[str] | None = None,
    networks: list[str] | None = None,
    volumes: list[str] | None = None,
    env_vars: list[str] | None = None,
    env_files: list[str] | None = None,
    labels: list[str] | None = None,
    pull_always: bool = False,
    present: bool = True,
    force: bool = False,
    start: bool = True,
    restart_policy: str | None = None,
    auto_remove: bool = False,
    mounts: list[str] | None = None,
    privileged: bool = False,
    hostname: str | None = None,
    entrypoint: str | None = None,
    user: str | None = None,
    cpus: float | None = None,
    memory: str | None = None,
    extra_args: list[str] | None = None,
    dns: list[str] | None = None,
    command: str | list[str] | None = None,
) -> OpGenerator:
    """Create, start, stop or remove a container.

    + container: the container's name
    + image: the image to create it from (``nginx:alpine``); needed to create it
    + ports, networks, volumes, env_vars, env_files, labels, mounts, dns: lists, each item
      one ``-p``/``--network``/``-v``/``-e``/``--env-file``/``--label``/``--mount``/``--dns``
    + pull_always: ``--pull always``
    + present: whether the container should exist
    + force: remove an existing container and create it again
    + start: whether it should be running (``False``: stopped)
    + restart_policy, hostname, entrypoint, user, cpus, memory: the ``docker container
      create`` options of those names
    + auto_remove: ``--rm``; privileged: ``--privileged``
    + extra_args: more ``docker container create`` arguments, each one word
    + command: the container's command: a list of words, or text split into words as the
      shell does (``sh -c 'echo hi'``)

    As pyinfra's: an existing container is not compared with the arguments (change one
    with ``force=True``). Unlike pyinfra's, ``present=False`` only removes (pyinfra's also
    tries to start the container it removed, or that is not there).

    Example:
        docker.container(name="Run the app", container="app", image="app:1.0",
                         networks=["none"], restart_policy="unless-stopped")
    """
    _name("container", container)
    existing = _inspected(host.get_fact(DockerContainer, object_id=container))
    state = existing.get("State") if existing is not None else None
    running = isinstance(state, dict) and state.get("Status") == "running"
    if not present:
        if existing is None:
            host.noop(f"container {container} does not exist")
            return
        yield StringCommand("docker container rm -f", QuoteString(container))
        return
    recreate = existing is not None and force
    create = existing is None or recreate
    create_bits = _container_args(
        image, ports, networks, volumes, env_vars, env_files, labels, pull_always,
        restart_policy, auto_remove, mounts, privileged, hostname, entrypoint, user, cpus,
        memory, extra_args, dns, command) if create else []
    if recreate:
        yield StringCommand("docker container rm -f", QuoteString(container))
    if create:
        yield StringCommand("docker container create --name", QuoteString(container),
                            *create_bits)
    if start and (create or not running):
        yield StringCommand("docker container start", QuoteString(container))
    elif not start and running and not create:
        yield StringCommand("docker container stop", QuoteString(container))
    elif not create:
        host.noop(f"container {container} is {'running' if running else 'stopped'}")


def _image_tag_and_digest(image: str) -> tuple[str | None, str | None]:
    """An image reference's tag and digest (``reg:5000/ns/app:1.0@sha256:...``): the tag
    is after the last ``:`` when no ``/`` follows it (else that ``:`` is a registry's
    port)."""
    name, _, digest = image.partition("@")
    head, sep, tag = name.rpartition(":")
    if not sep or "/" in tag or not head:
        return None, digest or None
    return tag, digest or None


@operation(changes=_changes)
def image(image: str, present: bool = True, force: bool = False) -> OpGenerator:
    """Pull or remove an image.

    + image: the image reference (``nginx:alpine``, ``reg.io:5000/app@sha256:...``)
    + present: whether the image should be there
    + force: pull it even when it is there

    As pyinfra's: an image without a tag, or tagged ``latest``, is pulled on every run (the
    tag may have moved); one with another tag or a digest only when it is missing.

    Example:
        docker.image(name="Pull nginx", image="nginx:1.27-alpine")
    """
    _word("image", image)
    if any(c.isspace() for c in image):
        raise OperationValueError(f"bad image {image!r}: no blanks in a reference")
    pull = StringCommand("docker image pull", QuoteString(image))
    if present and force:
        yield pull
        return
    existing = _inspected(host.get_fact(DockerImage, object_id=image))
    if not present:
        if existing is None:
            host.noop(f"there is no {image} image")
        else:
            yield StringCommand("docker image rm", QuoteString(image))
        return
    tag, digest = _image_tag_and_digest(image)
    if not digest and tag in (None, "latest"):
        yield pull
    elif existing is not None:
        host.noop(f"image {image} is there")
    else:
        yield pull


@operation(changes=_changes)
def build(
    path: str,
    tags: str | list[str] | None = None,
    dockerfile: str | None = None,
    build_args: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
    target: str | None = None,
    platform: str | None = None,
    network: str | None = None,
    cache_from: str | list[str] | None = None,
    cache_to: str | list[str] | None = None,
    secrets: list[str] | None = None,
    pull: bool = False,
    no_cache: bool = False,
    force: bool = False,
    builder: str | None = None,
    build_cmd: str = "docker build",
) -> OpGenerator:
    """Build an image from a build context (a directory on the target, or a URL).

    + path: the build context
    + tags: a tag or tags for the image (``-t``)
    + dockerfile: the Dockerfile (``-f``, relative to the context)
    + build_args, labels: dicts, each item one ``--build-arg``/``--label`` ``KEY=VALUE``
    + target, platform, network, builder: the options of those names
    + cache_from, cache_to: a value or values of ``--cache-from``/``--cache-to``
    + secrets: ``--secret`` specifications (``id=x,src=/run/x``)
    + pull: ``--pull``; no_cache: ``--no-cache``
    + force: build even when every tag is there
    + build_cmd: the build command (``docker build``, ``docker buildx build``)

    With tags (and without ``force``), the build is skipped when every tag is already an
    image on the target; without tags it runs every time (docker's layer cache applies).

    Example:
        docker.build(name="Build the app", path="/srv/app", tags=["app:1.0"])
    """
    _word("build context", path)
    program = _program("build_cmd", build_cmd)
    tag_list = [_word("tag", t) for t in _list("tag", tags)]
    if tag_list and not force:
        missing = [t for t in tag_list
                   if _inspected(host.get_fact(DockerImage, object_id=t)) is None]
        if not missing:
            host.noop(f"image(s) {', '.join(tag_list)} already exist")
            return
    bits: list[object] = [*program]
    if builder:
        bits += ["--builder", QuoteString(_value("builder", builder))]
    bits += _options("-t", "tag", tag_list)
    if dockerfile:
        bits += ["-f", QuoteString(_value("dockerfile", dockerfile))]
    bits += _mapping("--build-arg", "build arg", build_args)
    bits += _mapping("--label", "label", labels)
    for flag, what, given in (("--target", "target", target),
                              ("--platform", "platform", platform),
                              ("--network", "network", network)):
        if given:
            bits += [flag, QuoteString(_value(what, given))]
    bits += _options("--cache-from", "cache_from", cache_from)
    bits += _options("--cache-to", "cache_to", cache_to)
    bits += _options("--secret", "secret", secrets)
    if pull:
        bits.append("--pull")
    if no_cache:
        bits.append("--no-cache")
    bits.append(QuoteString(path))
    yield StringCommand(*bits)


@operation(changes=_changes)
def volume(
    volume: str,
    driver: str = "",
    labels: list[str] | None = None,
    options: list[str] | None = None,
    present: bool = True,
) -> OpGenerator:
    """Create or remove a volume.

    + volume: the volume's name
    + driver: its driver (``-d``)
    + labels: ``--label`` values (``key=value``)
    + options: the driver's ``--opt`` values
    + present: whether the volume should exist

    An existing volume is left as it is (as pyinfra's: not compared with the arguments).

    Example:
        docker.volume(name="Data volume", volume="app_data", labels=["app=web"])
    """
    _name("volume", volume)
    existing = _inspected(host.get_fact(DockerVolume, object_id=volume))
    if present and existing is not None:
        host.noop(f"volume {volume} already exists")
    elif present:
        yield StringCommand(
            "docker volume create", QuoteString(volume),
            *(["-d", QuoteString(_value("driver", driver))] if driver else []),
            *_options("--label", "label", labels), *_options("--opt", "option", options))
    elif existing is None:
        host.noop(f"there is no {volume} volume")
    else:
        yield StringCommand("docker volume rm", QuoteString(volume))


@operation(changes=_changes)
def network(
    network: str,
    driver: str = "",
    gateway: str = "",
    ip_range: str = "",
    ipam_driver: str = "",
    subnet: str = "",
    scope: str = "",
    aux_addresses: dict[str, str] | None = None,
    opts: list[str] | None = None,
    ipam_opts: list[str] | None = None,
    labels: list[str] | None = None,
    ingress: bool = False,
    attachable: bool = False,
    present: bool = True,
) -> OpGenerator:
    """Create or remove a network.

    + network: the network's name
    + driver, gateway, ip_range, ipam_driver, subnet, scope: the ``docker network create``
      options of those names (``-d`` for the driver)
    + aux_addresses: ``--aux-address`` values, as a dict of host name to address
    + opts, ipam_opts: ``--opt``/``--ipam-opt`` values
    + labels: ``--label`` values
    + ingress: ``--ingress``; attachable: ``--attachable``
    + present: whether the network should exist

    An existing network is left as it is (as pyinfra's: not compared with the arguments).

    Example:
        docker.network(name="Backend network", network="backend", driver="bridge",
                       subnet="10.10.0.0/24")
    """
    _word("network", network)
    existing = _inspected(host.get_fact(DockerNetwork, object_id=network))
    if not present:
        if existing is None:
            host.noop(f"network {network} does not exist")
        else:
            yield StringCommand("docker network rm", QuoteString(network))
        return
    if existing is not None:
        host.noop(f"network {network} already exists")
        return
    bits: list[object] = ["docker network create", QuoteString(network)]
    for flag, what, given in (("-d", "driver", driver), ("--gateway", "gateway", gateway),
                              ("--ip-range", "ip range", ip_range),
                              ("--ipam-driver", "ipam driver", ipam_driver),
                              ("--subnet", "subnet", subnet), ("--scope", "scope", scope)):
        if given:
            bits += [flag, QuoteString(_value(what, given))]
    if ingress:
        bits.append("--ingress")
    if attachable:
        bits.append("--attachable")
    bits += _mapping("--aux-address", "aux address", aux_addresses)
    bits += _options("--opt", "option", opts)
    bits += _options("--ipam-opt", "ipam option", ipam_opts)
    bits += _options("--label", "label", labels)
    yield StringCommand(*bits)


@operation(is_idempotent=False, changes=_changes,
           idempotent_notice="docker system prune runs every time (it removes what is unused "
                             "then)")
def prune(all: bool = False, volumes: bool = False, filter: str = "") -> OpGenerator:
    """Remove unused data (``docker system prune -f``); always runs.

    + all: remove every unused image, not only dangling ones (``-a``)
    + volumes: remove unused anonymous volumes too (``--volumes``)
    + filter: a ``--filter`` value (``until=24h``, ``label=key=value``)

    Example:
        docker.prune(name="Remove unused images older than 90 days", all=True,
                     filter="until=2160h")
    """
    bits: list[object] = ["docker system prune"]
    if all:
        bits.append("-a")
    if filter:
        bits.append(QuoteString(f"--filter={_value('filter', filter)}"))
    if volumes:
        bits.append("--volumes")
    bits.append("-f")
    yield StringCommand(*bits)


def _plugin_env(plugin: dict[str, Any]) -> dict[str, str]:
    """A plugin's settings (``Settings.Env``: ``["KEY=value", ...]``) as a dict."""
    env = (plugin.get("Settings") or {}).get("Env") or []
    return dict(str(e).partition("=")[::2] for e in env)


@operation(changes=_changes)
def plugin(
    plugin: str,
    alias: str | None = None,
    present: bool = True,
    enabled: bool = True,
    plugin_options: dict[str, str] | None = None,
) -> OpGenerator:
    """Install, configure, enable, disable or remove a plugin.

    + plugin: the plugin (``vieux/sshfs:latest``)
    + alias: the local name to install it under (``--alias``)
    + present: whether it should be installed
    + enabled: whether it should be enabled
    + plugin_options: its settings, as a dict (set with ``docker plugin set``; an enabled
      plugin is disabled for that, then enabled again)

    The plugin is found by its alias when one is given, else by its name. Settings are
    compared with the plugin's (``Settings.Env``): only those given count.

    Example:
        docker.plugin(name="sshfs volumes", plugin="vieux/sshfs:latest", alias="sshfs",
                      plugin_options={"DEBUG": "1"})
    """
    _word("plugin", plugin)
    if alias is not None:
        _word("alias", alias)
    options = plugin_options or {}
    if not isinstance(options, dict):
        raise OperationValueError("plugin_options must be a dict")
    settings = [QuoteString(f"{_value('plugin option', str(k))}={_value('plugin option', str(v))}")
                for k, v in options.items()]
    local = alias or plugin
    existing = _inspected(host.get_fact(DockerPlugin, object_id=local))
    if not present:
        if existing is None:
            host.noop(f"plugin {local} is not installed")
        else:
            yield StringCommand("docker plugin rm -f", QuoteString(local))
        return
    if existing is None:
        yield StringCommand("docker plugin install", QuoteString(plugin), "--grant-all-permissions",
                            *(["--alias", QuoteString(alias)] if alias else []),
                            "" if enabled else "--disable", *settings)
        return
    is_enabled = bool(existing.get("Enabled"))
    have = _plugin_env(existing)
    differ = any(have.get(str(k)) != str(v) for k, v in options.items())
    if differ:
        if is_enabled:
            yield StringCommand("docker plugin disable", QuoteString(local))
        yield StringCommand("docker plugin set", QuoteString(local), *settings)
        if enabled:
            yield StringCommand("docker plugin enable", QuoteString(local))
    elif is_enabled != enabled:
        yield StringCommand(f"docker plugin {'enable' if enabled else 'disable'}",
                            QuoteString(local))
    else:
        host.noop(f"plugin {local} is installed with these options and "
                  f"{'enabled' if enabled else 'disabled'}")


@operation(changes=_changes)
def login(username: str, password: str | Secret, server: str | None = None,
          force: bool = False) -> OpGenerator:
    """Log in to a registry (``docker login --password-stdin``).

    + username, password: the credentials (the password goes to docker's standard input,
      never on a command line, and is masked in output)
    + server: the registry (Docker Hub by default)
    + force: log in even when ``config.json`` already has the server

    Skipped when the server is already in ``auths`` of
    ``${DOCKER_CONFIG:-$HOME/.docker}/config.json`` (use ``force`` after changing the
    password).

    Example:
        docker.login(name="Log in to the registry", server="registry.example:5000",
                     username="ci", password=Secret("..."))
    """
    _word("username", username)
    if not isinstance(password, str | Secret) or not reveal(password):
        raise OperationValueError("docker.login requires a password")
    if "\n" in reveal(password) or "\0" in reveal(password):
        raise OperationValueError("bad password: a password is one line")
    if server is not None:
        _word("server", server)
    target = server or DOCKER_HUB_SERVER
    if not force and target in host.get_fact(DockerAuths):
        host.noop(f"already logged in to {target}")
        return
    secret = password if isinstance(password, Secret) else Secret(password)
    yield StringCommand("docker login --username", QuoteString(username), "--password-stdin",
                        QuoteString(server) if server else None, _stdin=secret)


@operation(changes=_changes)
def logout(server: str | None = None) -> OpGenerator:
    """Log out of a registry (Docker Hub by default); skipped when not logged in there.

    Example:
        docker.logout(name="Log out of the registry", server="registry.example:5000")
    """
    if server is not None:
        _word("server", server)
    target = server or DOCKER_HUB_SERVER
    if target not in host.get_fact(DockerAuths):
        host.noop(f"not logged in to {target}")
        return
    yield StringCommand("docker logout", QuoteString(server) if server else None)


@operation(is_idempotent=False, changes=_changes,
           idempotent_notice="compose runs every time; it leaves the services whose "
                             "definition has not changed as they are")
def compose(
    project_directory: str,
    files: str | list[str] | None = None,
    project_name: str | None = None,
    present: bool = True,
    pull: str | None = None,
    build: bool = False,
    force_recreate: bool = False,
    remove_orphans: bool = True,
    remove_volumes: bool = False,
    compose_command: str = "docker compose",
) -> OpGenerator:
    """Bring a Compose stack up (``up -d``) or down (``down``); always runs.

    + project_directory: the project's directory on the target (``--project-directory``)
    + files: a compose file or files (``-f``; by default compose finds ``compose.yaml``...)
    + project_name: ``--project-name``
    + present: ``up -d`` when true, ``down`` when false
    + pull: ``up --pull`` policy: None, ``always``, ``missing`` or ``never``
    + build: ``--build``; force_recreate: ``--force-recreate`` (on ``up``)
    + remove_orphans: ``--remove-orphans``; remove_volumes: ``-v`` (on ``down``)
    + compose_command: ``docker compose``, or ``docker-compose`` (compose v1)

    Example:
        docker.compose(name="Run the stack", project_directory="/srv/app",
                       project_name="app")
    """
    _word("project directory", project_directory)
    if pull is not None and pull not in ("always", "missing", "never"):
        raise OperationValueError(f"bad pull {pull!r}: give None, always, missing or never")
    bits: list[object] = [*_program("compose_command", compose_command),
                          "--project-directory", QuoteString(project_directory)]
    if project_name:
        bits += ["--project-name", QuoteString(_word("project name", project_name))]
    bits += _options("-f", "compose file", files)
    if present:
        bits.append("up -d")
        if pull:
            bits += ["--pull", pull]
        if build:
            bits.append("--build")
        if force_recreate:
            bits.append("--force-recreate")
    else:
        bits.append("down")
        if remove_volumes:
            bits.append("-v")
    if remove_orphans:
        bits.append("--remove-orphans")
    yield StringCommand(*bits)


@operation(is_idempotent=False, changes=_changes,
           idempotent_notice="the command runs every time")
def container_exec(
    container: str,
    command: str | list[str],
    user: str | None = None,
    workdir: str | None = None,
    env: dict[str, str] | None = None,
    detach: bool = False,
    privileged: bool = False,
    tty: bool = False,
) -> OpGenerator:
    """Run a command in a running container (``docker exec``); always runs.

    + container: the container's name or id
    + command: text, run by the container's ``sh -c`` (pipes and redirections work there);
      or a list, the command's words as given (no shell)
    + user, workdir: ``--user``, ``--workdir``
    + env: ``--env`` values, as a dict
    + detach: ``--detach``; privileged: ``--privileged``; tty: ``--tty``

    Example:
        docker.container_exec(name="Migrate", container="app",
                              command=["./manage.py", "migrate"], user="app")
    """
    _word("container", container)
    if not command:
        raise OperationValueError("docker.container_exec requires a command")
    bits: list[object] = ["docker exec"]
    if detach:
        bits.append("--detach")
    if privileged:
        bits.append("--privileged")
    if tty:
        bits.append("--tty")
    if user is not None:
        bits += ["--user", QuoteString(_value("user", user))]
    if workdir is not None:
        bits += ["--workdir", QuoteString(_value("workdir", workdir))]
    bits += _mapping("--env", "env", env)
    bits.append(QuoteString(container))
    if isinstance(command, str):
        # the container's shell reads the text: newlines are its own, a NUL cannot pass
        if "\0" in command:
            raise OperationValueError("bad command: it holds a NUL byte")
        bits += ["sh -c", QuoteString(command)]
    else:
        bits += _command_words(list(command))
    yield StringCommand(*bits)
