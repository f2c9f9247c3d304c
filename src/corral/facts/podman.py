"""Facts about the Podman engine the target host's ``podman`` reaches: its ``system info``
and its containers (``podman ps --all``), each as the JSON podman prints.

Both read as None where podman is not installed (as pyinfra's); a podman that cannot run
(no storage, no runtime) fails what reads them, rather than have a deploy plan on
"no containers".
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: what the podman facts read: the engine's objects are one piece of state
PODMAN_KEY: Key = ("podman",)


def _json(output: list[str]) -> Any:
    text = "\n".join(output).strip()
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise FactParseError(f"podman printed no JSON: {text[:200]!r}") from None


class _PodmanFact(FactBase[Any]):
    abstract = True
    requires_command: ClassVar[str | None] = "podman"

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({PODMAN_KEY})


class PodmanSystemInfo(_PodmanFact):
    """The engine's ``podman system info`` as a dict (its JSON: ``host``, ``store``,
    ``registries``, ``version``...)."""

    def command(self) -> str:
        return "podman system info --format=json"

    def process(self, output: list[str]) -> dict[str, Any]:
        value = _json(output)
        if not isinstance(value, dict):
            raise FactParseError("podman system info printed something other than an object")
        return value


class PodmanPs(_PodmanFact):
    """Every container of the engine, running or not, as ``podman ps --all`` lists them:
    a list of dicts (``Id``, ``Names``, ``Image``, ``State``, ``Labels``...)."""

    def command(self) -> str:
        return "podman ps --format=json --all"

    def process(self, output: list[str]) -> list[dict[str, Any]]:
        value = _json(output)
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise FactParseError("podman ps printed something other than a list of objects")
        return value
