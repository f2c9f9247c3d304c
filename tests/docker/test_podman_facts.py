"""podman.* facts read from the real podman of ``conftest`` (``podman_engine``): each fact's
own command on a real ``sh`` reaching the engine (its configuration through
``CONTAINERS_CONF``/``CONTAINERS_STORAGE_CONF``), parsed from what the engine printed."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from corral.facts import podman
from corral.model.facts import FactBase

from .conftest import Engine

pytestmark = pytest.mark.integration

NAME = "corral-podman-facts"


def read(engine: Engine, cls: type[FactBase[Any]]) -> Any:
    fact = cls()
    done = subprocess.run(["sh", "-c", fact.command()], env=engine.env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return fact.process(done.stdout.splitlines())


@pytest.fixture
def containers(podman_engine: Engine) -> Iterator[Engine]:
    podman_engine.run("run", "-d", "--name", NAME, "--label", "role=facts", "--network=none",
                      podman_engine.image)
    podman_engine.run("create", "--name", f"{NAME}-idle", podman_engine.image)
    yield podman_engine
    podman_engine.run("rm", "-f", "-t", "0", NAME, f"{NAME}-idle", check=False)


def test_ps_lists_running_and_created_containers(containers: Engine) -> None:
    found = {c["Names"][0]: c for c in read(containers, podman.PodmanPs)}
    assert found[NAME]["State"] == "running"
    assert found[NAME]["Labels"] == {"role": "facts"}
    assert found[f"{NAME}-idle"]["State"] == "created"
    listed = containers.run("ps", "-aq", "--no-trunc").stdout.split()
    assert sorted(c["Id"] for c in found.values()) == sorted(listed)


def test_system_info_is_the_engine_s(containers: Engine) -> None:
    info = read(containers, podman.PodmanSystemInfo)
    assert info["host"]["ociRuntime"]["name"] == "runc"
    assert info["store"]["graphRoot"] == str(containers.directory / "root")
    assert info["store"]["containerStore"]["running"] >= 1
