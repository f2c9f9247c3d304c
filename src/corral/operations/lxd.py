"""Manage LXD containers."""

from __future__ import annotations

import re
from typing import Any

from corral.facts.lxd import LXD_KEY, LxdContainers
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

# LXD's instance names: letters, digits and "-", starting with a letter, not ending with
# "-", at most 63 characters (they are host names)
_NAME_RE = re.compile(r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def get_container_named(name: str, containers: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The container of that name in ``LxdContainers``' list, or None."""
    return next((c for c in containers if c.get("name") == name), None)


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [LXD_KEY]


@operation(changes=_changes)
def container(id: str, present: bool = True, image: str = "ubuntu:16.04") -> OpGenerator:
    """Launch an LXD container from an image, or stop and delete it.

    + id: the container's name
    + present: whether it should exist
    + image: the image it is launched from (``remote:alias``); an existing container is
      not compared with it

    Example:
        lxd.container(
            name="An Ubuntu container",
            id="ubuntu19",
            image="ubuntu:19.10",
        )
    """
    if not isinstance(id, str) or not _NAME_RE.fullmatch(id):
        raise OperationValueError(f"{id!r} is not an LXD container name")
    if not image or image.startswith("-") or any(c.isspace() for c in image):
        raise OperationValueError(f"{image!r} is not an image")
    current = get_container_named(id, host.get_fact(LxdContainers))
    if present and current is None:
        yield StringCommand("lxc", "launch", QuoteString(image), id, "</dev/null")
    elif present:
        host.noop(f"container {id} exists")
    elif current is not None:
        if current.get("status") == "Running":
            yield StringCommand("lxc", "stop", id)
        yield StringCommand("lxc", "delete", id)
    else:
        host.noop(f"container {id} does not exist")
