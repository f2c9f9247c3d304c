"""podman.* facts parsed from what a real podman printed (Debian 12's podman 4.3 with runc,
captured by tests/facts/data/capture_podman.py); tests/docker/test_podman_facts.py reads
them from the engine the connector tests start."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corral.facts import podman
from corral.model.errors import FactParseError
from corral.model.facts import registered_facts

DATA = Path(__file__).parent.parent / "data"


def load(name: str) -> Any:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    fact = registered_facts()[data["fact"]]()
    assert data["exit"] == 0 and fact.command(**data["kwargs"]) == data["command"]
    return fact.process(data["output"])


def test_commands_and_what_they_read() -> None:
    assert podman.PodmanPs().command() == "podman ps --format=json --all"
    assert podman.PodmanSystemInfo().command() == "podman system info --format=json"
    for cls in (podman.PodmanPs, podman.PodmanSystemInfo):
        assert cls.requires_command == "podman"
        assert cls.default() is None  # no podman: None, as pyinfra's
        assert cls().reads() == frozenset({podman.PODMAN_KEY})


def test_ps_lists_every_container() -> None:
    assert load("podman_ps_empty") == []
    containers = load("podman_ps")
    assert len(containers) == 2
    web, = (c for c in containers if c["Names"] == ["corral-cap-web"])
    assert web["Labels"] == {"app": "web", "tier": "front end"}
    assert web["State"] == "created" and web["Image"] == "localhost/corral-cap:1"
    assert all(len(c["Id"]) == 64 for c in containers)


def test_system_info() -> None:
    info = load("podman_systeminfo")
    assert info["host"]["ociRuntime"]["name"] == "runc"
    assert info["store"]["containerStore"]["number"] == 2
    assert info["version"]["Version"] == "4.3.1"


@pytest.mark.parametrize(("cls", "output"), [
    (podman.PodmanPs, ["Error: no such thing"]),
    (podman.PodmanPs, ['{"Id": "a"}']),
    (podman.PodmanPs, ['["a"]']),
    (podman.PodmanPs, []),
    (podman.PodmanSystemInfo, ["[]"]),
    (podman.PodmanSystemInfo, ["{" * 100000]),
])
def test_output_that_is_not_podman_s(cls: type[podman._PodmanFact], output: list[str]) -> None:
    with pytest.raises(FactParseError):
        cls().process(output)
