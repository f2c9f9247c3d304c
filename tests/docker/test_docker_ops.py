"""docker.* operations and facts on the real engine of ``conftest`` (``docker_engine``): a
deploy on ``@local`` (its ``docker`` reaching the engine through ``DOCKER_HOST``) creates a
volume, a network, a container with no network, builds an image and runs a command in the
container; a second run changes nothing but what always runs. The facts are read with their
own commands on a real ``sh`` and parsed from what this engine printed.

Not here, for want of a registry: image pulls, ``docker.plugin`` (its install pulls) and
``docker.login``/``logout``; nor ``docker.compose`` (no compose on this machine): those are
tested as argument checks and the commands they would run (tests/operations/docker).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.facts import docker as facts
from corral.model.facts import FactBase

from .conftest import Engine
from .test_engines import corral, statuses

pytestmark = pytest.mark.integration

P = "corral-ops"
DEPLOY = f"""\
from corral.operations import docker

docker.volume(name="volume", volume="{P}-data", labels=["app=web"])
docker.network(name="network", network="{P}-net", driver="bridge", subnet="10.231.0.0/24",
               labels=["app=web"], attachable=True)
docker.build(name="build", path="context", tags=["{P}:1"], network="none",
             labels={{"app": "web"}})
docker.container(name="container", container="{P}-app", image="{P}:1", networks=["none"],
                 volumes=["{P}-data:/data"], labels=["app=web"], env_vars=["GREETING=a b"],
                 command=["sleep", "infinity"])
docker.container(name="stopped", container="{P}-idle", image="{P}:1", networks=["none"],
                 start=False)
docker.container_exec(name="exec", container="{P}-app",
                      command="cat /built > /data/copied; echo $GREETING >> /data/copied")
docker.container(name="gone", container="{P}-never", present=False)
docker.volume(name="no volume", volume="{P}-never", present=False)
"""
ALWAYS = {"exec"}


@pytest.fixture
def project(docker_engine: Engine, tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "deploy.py").write_text(DEPLOY)
    (tmp_path / "context").mkdir()
    (tmp_path / "context" / "Dockerfile").write_text(
        f"FROM {docker_engine.image}\nRUN echo built > /built\n")
    yield tmp_path
    docker_engine.run("rm", "-f", f"{P}-app", f"{P}-idle", check=False)
    docker_engine.run("volume", "rm", f"{P}-data", check=False)
    docker_engine.run("network", "rm", f"{P}-net", check=False)
    docker_engine.run("image", "rm", f"{P}:1", check=False)


def read(engine: Engine, cls: type[FactBase[Any]], **kwargs: Any) -> Any:
    """A fact's value from its own command on a real ``sh`` reaching the engine."""
    fact = cls()
    done = subprocess.run(["sh", "-c", fact.command(**kwargs)], env=engine.env,
                          capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        assert fact.is_absent(done.returncode, done.stderr), done.stderr
        return cls.default()
    return fact.process(done.stdout.splitlines())


def test_deploy_converges_and_facts_read_the_engine(docker_engine: Engine,
                                                    project: Path) -> None:
    first = corral("@local", project, docker_engine.env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert statuses(first) == {
        "volume": "changed", "network": "changed", "build": "changed", "container": "changed",
        "stopped": "changed", "exec": "changed", "gone": "ok",
        "no volume": "ok"}, statuses(first)
    copied = docker_engine.run("exec", f"{P}-app", "cat", "/data/copied").stdout
    assert copied == "built\na b\n"

    second = corral("@local", project, docker_engine.env)
    assert second.returncode == 0, second.stdout + second.stderr
    changed = {n for n, s in statuses(second).items() if s == "changed"}
    assert changed == ALWAYS, statuses(second)

    # the facts, on what the deploy made
    (app,) = read(docker_engine, facts.DockerContainer, object_id=f"{P}-app")
    assert app["State"]["Status"] == "running"
    assert app["Config"]["Cmd"] == ["sleep", "infinity"]
    (idle,) = read(docker_engine, facts.DockerContainer, object_id=f"{P}-idle")
    assert idle["State"]["Status"] == "created"
    assert read(docker_engine, facts.DockerContainer, object_id=f"{P}-never") == []
    for cls in (facts.DockerImage, facts.DockerNetwork, facts.DockerVolume, facts.DockerPlugin):
        assert read(docker_engine, cls, object_id=f"{P}-never") == [], cls
    (image,) = read(docker_engine, facts.DockerImage, object_id=f"{P}:1")
    assert image["Config"]["Labels"] == {"app": "web"}
    (net,) = read(docker_engine, facts.DockerNetwork, object_id=f"{P}-net")
    assert net["IPAM"]["Config"][0]["Subnet"] == "10.231.0.0/24"
    (vol,) = read(docker_engine, facts.DockerVolume, object_id=f"{P}-data")
    assert vol["Labels"] == {"app": "web"}

    containers = read(docker_engine, facts.DockerContainers)
    assert {c["Name"] for c in containers} >= {f"/{P}-app", f"/{P}-idle"}
    assert read(docker_engine, facts.DockerContainerEnvs)[app["Id"]]["GREETING"] == "a b"
    assert read(docker_engine, facts.DockerContainerLabels)[app["Id"]] == {"app": "web"}
    mounts = read(docker_engine, facts.DockerContainerMounts)[app["Id"]]
    assert [(m["Name"], m["Destination"]) for m in mounts] == [(f"{P}-data", "/data")]
    assert set(read(docker_engine, facts.DockerContainerNetworks)[app["Id"]]) == {"none"}
    assert read(docker_engine, facts.DockerContainerPorts)[app["Id"]] == {}
    assert image["Id"] in {i["Id"] for i in read(docker_engine, facts.DockerImages)}
    assert read(docker_engine, facts.DockerImageLabels)[image["Id"]] == {"app": "web"}
    assert read(docker_engine, facts.DockerImageLayers)[image["Id"]] == image["RootFS"]["Layers"]
    assert read(docker_engine, facts.DockerNetworkLabels)[net["Id"]] == {"app": "web"}
    assert read(docker_engine, facts.DockerVolumeLabels)[f"{P}-data"] == {"app": "web"}
    assert read(docker_engine, facts.DockerPlugins) == []
    assert f"{P}-net" in {n["Name"] for n in read(docker_engine, facts.DockerNetworks)}
    assert f"{P}-data" in {v["Name"] for v in read(docker_engine, facts.DockerVolumes)}

    changes = read(docker_engine, facts.DockerContainerFsChanges, container_id=f"{P}-app")
    assert all(c["change"] in "ACD" and c["path"].startswith("/") for c in changes)
    top = read(docker_engine, facts.DockerContainerProcesses, container_id=f"{P}-app")
    assert any(p.get("CMD") == "sleep infinity" for p in top), top
    assert read(docker_engine, facts.DockerContainerProcesses, container_id=f"{P}-idle") == []
    stats = read(docker_engine, facts.DockerContainerStats)
    assert f"{P}-app" in {s["Name"] for s in stats}
    history = read(docker_engine, facts.DockerImageHistory, image_id=f"{P}:1")
    assert any("echo built > /built" in layer["CreatedBy"] for layer in history), history
    assert read(docker_engine, facts.DockerImageHistory, image_id=f"{P}:none") == []
    info = read(docker_engine, facts.DockerSystemInfo)
    assert info["Containers"] >= 2
    assert read(docker_engine, facts.DockerVersion).startswith("Docker version ")


def test_removal_converges(docker_engine: Engine, project: Path) -> None:
    assert corral("@local", project, docker_engine.env).returncode == 0
    (project / "deploy.py").write_text(f"""\
from corral.operations import docker

docker.container(name="app", container="{P}-app", present=False)
docker.container(name="idle", container="{P}-idle", present=False)
docker.volume(name="volume", volume="{P}-data", present=False)
docker.network(name="network", network="{P}-net", present=False)
docker.image(name="image", image="{P}:1", present=False)
""")
    first = corral("@local", project, docker_engine.env)
    assert first.returncode == 0, first.stdout + first.stderr
    assert set(statuses(first).values()) == {"changed"}, statuses(first)
    second = corral("@local", project, docker_engine.env)
    assert set(statuses(second).values()) == {"ok"}, statuses(second)
    assert read(docker_engine, facts.DockerVolume, object_id=f"{P}-data") == []


def test_auths_fact_reads_the_config(docker_engine: Engine, tmp_path: Path) -> None:
    """No registry here: the fact reads a config.json written as docker login writes it."""
    env = {**docker_engine.env, "DOCKER_CONFIG": str(tmp_path)}
    fact = facts.DockerAuths()
    run = subprocess.run(["sh", "-c", fact.command()], env=env, capture_output=True,
                         text=True, check=True)
    assert fact.process(run.stdout.splitlines()) == []
    (tmp_path / "config.json").write_text(
        '{"auths": {"reg.io:5000": {"auth": "eDp5"}, "https://index.docker.io/v1/": {}}}')
    run = subprocess.run(["sh", "-c", fact.command()], env=env, capture_output=True,
                         text=True, check=True)
    assert fact.process(run.stdout.splitlines()) == ["reg.io:5000",
                                                     "https://index.docker.io/v1/"]
