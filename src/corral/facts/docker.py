"""Facts about the Docker engine the target host's ``docker`` CLI reaches: containers,
images, networks, volumes and plugins as ``docker ... inspect`` shows them (JSON), and a few
views derived from those.

A single object's fact (``DockerContainer(object_id=...)``...) is ``[]`` when the engine has
no such object, as pyinfra's; an engine that cannot be reached fails what reads the fact
(rather than have an operation plan on "nothing there").
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any, ClassVar

from corral.model.errors import FactParseError, FactValueError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: what every docker fact reads, and what every docker operation changes: the engine's
#: objects are one piece of state (a container names an image, a network, volumes)
DOCKER_KEY: Key = ("docker",)

#: what the ``docker`` CLI says on stderr for an object it does not have (by kind: a
#: network's is "network NAME not found")
_ABSENT = re.compile(r"no such (container|image|object|volume|plugin)|network .* not found"
                     r"|is not running|plugin .* not found", re.IGNORECASE)

Inspect = list[dict[str, Any]]


def object_name(object_id: str) -> str:
    """An object's name or id as one ``docker`` argument: not empty, not an option, no
    control characters (the CLI has no use for them)."""
    if not isinstance(object_id, str) or not object_id.strip():
        raise FactValueError(f"bad docker object name {object_id!r}")
    if object_id.startswith("-") or any(ord(c) < 32 or c == "\x7f" for c in object_id):
        raise FactValueError(f"bad docker object name {object_id!r}")
    return object_id


def _json(output: list[str]) -> Any:
    text = "\n".join(output).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FactParseError(f"docker printed no JSON: {text[:200]!r}") from exc


def _objects(output: list[str]) -> Inspect:
    """``docker ... inspect`` output: a JSON list of objects."""
    value = _json(output)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FactParseError("docker inspect printed something other than a list of objects")
    return value


def _section(obj: dict[str, Any], *keys: str) -> Any:
    """``obj[k1][k2]...``, None where a level is missing or null (docker prints null for
    empty maps and lists)."""
    value: Any = obj
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


class _DockerFact(FactBase[Any]):
    abstract = True
    requires_command: ClassVar[str | None] = "docker"

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({DOCKER_KEY})

    def is_absent(self, exit_code: int, stderr: str) -> bool:
        return exit_code == 1 and _ABSENT.search(stderr) is not None


class DockerSystemInfo(_DockerFact):
    """The engine's ``docker system info`` as a dict (its JSON)."""

    @staticmethod
    def default() -> dict[str, Any] | None:
        return None

    def command(self) -> str:
        return "docker system info --format '{{json .}}'"

    def process(self, output: list[str]) -> dict[str, Any]:
        value = _json(output)
        if not isinstance(value, dict):
            raise FactParseError("docker system info printed something other than an object")
        return value


class DockerVersion(_DockerFact):
    """The ``docker`` CLI's version line (``Docker version 28.2.2, build e6534b4``)."""

    def command(self) -> str:
        return "docker --version"

    def process(self, output: list[str]) -> str:
        return "".join(output).strip()


class _DockerAll(_DockerFact):
    """``docker KIND inspect`` of every object ``docker LIST -q`` names; [] for none (an
    inspect with no names is an error), None without docker (as pyinfra's)."""

    abstract = True
    #: the ``docker`` words that list the ids, and the kind that inspects them
    list_words: ClassVar[str] = ""
    kind: ClassVar[str] = ""

    @staticmethod
    def default() -> Any:
        # pyinfra's value without docker (the views of it are {} then, as pyinfra's)
        return None

    def command(self) -> str:
        # the ids are docker's own (hex, or names without blanks): word-split on purpose
        return (f"ids=$(docker {self.list_words} -q) && if [ -z \"$ids\" ]; then echo '[]'; "
                f"else docker {self.kind} inspect $ids; fi")

    def process(self, output: list[str]) -> Any:
        return _objects(output)


class DockerContainers(_DockerAll):
    """``docker container inspect`` of every container, running or not."""

    list_words = "ps -a"
    kind = "container"


class DockerImages(_DockerAll):
    """``docker image inspect`` of every image (``docker images``)."""

    list_words = "images"
    kind = "image"


class DockerNetworks(_DockerAll):
    """``docker network inspect`` of every network."""

    list_words = "network ls"
    kind = "network"


class DockerVolumes(_DockerAll):
    """``docker volume inspect`` of every volume."""

    list_words = "volume ls"
    kind = "volume"


class DockerPlugins(_DockerAll):
    """``docker plugin inspect`` of every plugin."""

    list_words = "plugin ls"
    kind = "plugin"


class _DockerOne(_DockerFact):
    """``docker KIND inspect NAME``: a list of the one object, [] when there is none."""

    abstract = True
    kind: ClassVar[str] = ""

    @staticmethod
    def default() -> Inspect:
        return []

    def command(self, object_id: str) -> str:
        return f"docker {self.kind} inspect {shlex.quote(object_name(object_id))}"

    def process(self, output: list[str]) -> Any:
        return _objects(output)


class DockerContainer(_DockerOne):
    """``docker container inspect`` of one container (name or id): ``[{...}]``, or []."""

    kind = "container"


class DockerImage(_DockerOne):
    """``docker image inspect`` of one image (reference or id): ``[{...}]``, or []."""

    kind = "image"


class DockerNetwork(_DockerOne):
    """``docker network inspect`` of one network (name or id): ``[{...}]``, or []."""

    kind = "network"


class DockerVolume(_DockerOne):
    """``docker volume inspect`` of one volume: ``[{...}]``, or []."""

    kind = "volume"


class DockerPlugin(_DockerOne):
    """``docker plugin inspect`` of one plugin (name, alias or id): ``[{...}]``, or []."""

    kind = "plugin"


# Views of the whole inspect output, keyed by each object's id (volumes: name).


class DockerContainerEnvs(DockerContainers):
    """Each container's environment (``Config.Env``) as a dict, by container id."""

    @staticmethod
    def default() -> dict[str, dict[str, str]]:
        return {}

    def process(self, output: list[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for container in _objects(output):
            env: dict[str, str] = {}
            for entry in _section(container, "Config", "Env") or []:
                key, _, value = str(entry).partition("=")
                env[key] = value
            found[container.get("Id", "")] = env
        return found


class DockerContainerLabels(DockerContainers):
    """Each container's labels (``Config.Labels``), by container id."""

    @staticmethod
    def default() -> dict[str, dict[str, str]]:
        return {}

    def process(self, output: list[str]) -> dict[str, Any]:
        return {c.get("Id", ""): _section(c, "Config", "Labels") or {}
                for c in _objects(output)}


class DockerContainerMounts(DockerContainers):
    """Each container's mounts (``Mounts``), by container id."""

    @staticmethod
    def default() -> dict[str, list[Any]]:
        return {}

    def process(self, output: list[str]) -> dict[str, Any]:
        return {c.get("Id", ""): c.get("Mounts") or [] for c in _objects(output)}


class DockerContainerNetworks(DockerContainers):
    """Each container's networks (``NetworkSettings.Networks``), by container id."""

    @staticmethod
    def default() -> dict[str, dict[str, Any]]:
        return {}

    def process(self, output: list[str]) -> dict[str, Any]:
        return {c.get("Id", ""): _section(c, "NetworkSettings", "Networks") or {}
                for c in _objects(output)}


class DockerContainerPorts(DockerContainers):
    """Each container's published ports (``NetworkSettings.Ports``), by container id."""

    @staticmethod
    def default() -> dict[str, dict[str, Any]]:
        return {}

    def process(self, output: list[str]) -> dict[str, Any]:
        return {c.get("Id", ""): _section(c, "NetworkSettings", "Ports") or {}
                for c in _objects(output)}


class DockerImageLabels(DockerImages):
    """Each image's labels (``Config.Labels``, else the older ``ContainerConfig.Labels``),
    by image id."""

    @staticmethod
    def default() -> dict[str, dict[str, str]]:
        return {}

    def process(self, output: list[str]) -> dict[str, Any]:
        return {i.get("Id", ""): (_section(i, "Config", "Labels")
                                  or _section(i, "ContainerConfig", "Labels") or {})
                for i in _objects(output)}


class DockerImageLayers(DockerImages):
    """Each image's layer digests (``RootFS.Layers``), by image id."""

    @staticmethod
    def default() -> dict[str, list[str]]:
        return {}

    def process(self, output: list[str]) -> dict[str, Any]:
        return {i.get("Id", ""): _section(i, "RootFS", "Layers") or []
                for i in _objects(output)}


class DockerNetworkLabels(DockerNetworks):
    """Each network's labels, by network id."""

    @staticmethod
    def default() -> dict[str, dict[str, str]]:
        return {}

    def process(self, output: list[str]) -> dict[str, Any]:
        return {n.get("Id", ""): n.get("Labels") or {} for n in _objects(output)}


class DockerVolumeLabels(DockerVolumes):
    """Each volume's labels, by volume name."""

    @staticmethod
    def default() -> dict[str, dict[str, str]]:
        return {}

    def process(self, output: list[str]) -> dict[str, Any]:
        return {v.get("Name", ""): v.get("Labels") or {} for v in _objects(output)}


# Facts with their own docker command.


class DockerContainerFsChanges(_DockerFact):
    """What a container changed in its file system (``docker container diff``), as
    ``[{"change": "A"|"C"|"D", "path": ...}]``; [] for no such container."""

    @staticmethod
    def default() -> list[dict[str, str]]:
        return []

    def command(self, container_id: str) -> str:
        return f"docker container diff {shlex.quote(object_name(container_id))}"

    def process(self, output: list[str]) -> list[dict[str, str]]:
        changes = []
        for line in output:
            change, sep, path = line.rstrip("\n").partition(" ")
            if not line.strip():
                continue
            if not sep or change not in ("A", "C", "D"):
                raise FactParseError(f"unexpected docker diff line {line!r}")
            changes.append({"change": change, "path": path})
        return changes


class DockerContainerProcesses(_DockerFact):
    """The processes in a running container (``docker container top``), each a dict of
    the ``ps`` columns by their header; [] for no such container or one not running."""

    @staticmethod
    def default() -> list[dict[str, str]]:
        return []

    def command(self, container_id: str) -> str:
        return f"docker container top {shlex.quote(object_name(container_id))}"

    def process(self, output: list[str]) -> list[dict[str, str]]:
        lines = [line.rstrip("\n") for line in output if line.strip()]
        if not lines:
            return []
        header = lines[0].split()
        processes = []
        for line in lines[1:]:
            # the last column (the command line) keeps its blanks
            fields = line.split(None, len(header) - 1)
            fields += [""] * (len(header) - len(fields))
            processes.append(dict(zip(header, fields, strict=True)))
        return processes


def _json_lines(output: list[str]) -> list[dict[str, Any]]:
    found = []
    for line in output:
        if line.strip():
            value = _json([line])
            if not isinstance(value, dict):
                raise FactParseError(f"unexpected docker line {line!r}")
            found.append(value)
    return found


class DockerContainerStats(_DockerFact):
    """The running containers' resource use now (``docker stats --no-stream``), one dict
    per container."""

    @staticmethod
    def default() -> list[dict[str, Any]] | None:
        return None

    def command(self) -> str:
        return "docker stats --no-stream --format '{{json .}}'"

    def process(self, output: list[str]) -> list[dict[str, Any]]:
        return _json_lines(output)


class DockerImageHistory(_DockerFact):
    """An image's layers' history (``docker image history --no-trunc``), one dict per
    layer, newest first; [] for no such image."""

    @staticmethod
    def default() -> list[dict[str, Any]]:
        return []

    def command(self, image_id: str) -> str:
        return ("docker image history --no-trunc --format '{{json .}}' "
                f"{shlex.quote(object_name(image_id))}")

    def process(self, output: list[str]) -> list[dict[str, Any]]:
        return _json_lines(output)


class DockerAuths(_DockerFact):
    """The registries the user has logged in to: the keys of ``auths`` in
    ``${DOCKER_CONFIG:-$HOME/.docker}/config.json`` ([] without the file)."""

    requires_command = None

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self) -> str:
        return ('config="${DOCKER_CONFIG:-$HOME/.docker}/config.json"; '
                'if [ -r "$config" ]; then cat "$config"; else echo "{}"; fi')

    def process(self, output: list[str]) -> list[str]:
        # a config docker cannot read either is a failure, not "logged in nowhere"
        value = _json(output)
        auths = value.get("auths") if isinstance(value, dict) else None
        if not isinstance(value, dict) or not isinstance(auths, dict | None):
            raise FactParseError("docker's config.json is not an object with an auths object")
        return list(auths or {})
