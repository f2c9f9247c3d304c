"""Real container engines for the Docker and Podman connector tests, started once per session
under the session's temporary directory (nothing of the machine's own engines is used):

- ``docker_engine``: a ``dockerd`` of its own (``--iptables=false --bridge=none``, its own
  data root, exec root, pid file and socket; the ``docker`` CLI reaches it through
  ``DOCKER_HOST``);
- ``podman_engine``: ``podman`` with a configuration of its own (``CONTAINERS_CONF``,
  ``CONTAINERS_STORAGE_CONF``): runc (crun fails on this machine's hybrid cgroups), explicit
  ulimits, no network, its own storage.

There is no registry: each engine gets the test image by importing the cached Debian test
image's root file system (``ENGINE import``, with ``sleep infinity`` as its command). The
engines' proxy is a closed loopback port, so a pull (of an image that does not exist
here) fails at once without leaving the machine.

Without root, or without the engine's programs, the tests are skipped with the reason; in
CI (``CORRAL_CI``) an engine that cannot start is a failure, not a skip.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from corral.testing import image as test_image

#: a loopback port nothing listens on: the engines' HTTP(S) proxy
_NO_PROXY_HERE = "http://127.0.0.1:9"
#: what of the test image the engines do not need (the local package repository, docs)
_LEFT_OUT = ("./var/local/corral-repo", "./usr/share/doc", "./usr/share/man",
             "./usr/share/locale")
IMAGE = "corral-test:connectors"


@dataclass
class Engine:
    """A started engine: its command, the environment that reaches it, the test image."""

    command: str
    env: dict[str, str]
    image: str = IMAGE
    directory: Path = field(default_factory=Path)
    #: seconds spent starting it and importing the image
    setup_seconds: float = 0.0

    def run(self, *args: str, check: bool = True, timeout: float = 120,
            ) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.command, *args], env=self.env, capture_output=True,
                              text=True, check=check, timeout=timeout)


def _unavailable(reason: str) -> None:
    if os.environ.get("CORRAL_CI"):
        pytest.fail(f"CI needs this engine: {reason}")
    pytest.skip(reason)


def _needs(*programs: str) -> None:
    if os.geteuid() != 0:
        _unavailable("the container engines need root")
    missing = [p for p in programs if shutil.which(p) is None]
    if missing:
        _unavailable(f"{', '.join(missing)} not installed (apt-get install docker.io podman)")


def _rootfs_tar(directory: Path) -> Path:
    """The test image's root file system as a tar (built once per engine: a pipe from
    tar into the engine would be as long, and this one is readable after a failure)."""
    path = directory / "rootfs.tar"
    root = test_image.build(quiet=True)
    excludes = [f"--exclude={p}" for p in _LEFT_OUT]
    subprocess.run(["tar", "-C", str(root), *excludes, "-cf", str(path), "."], check=True)
    assert tarfile.is_tarfile(path)
    return path


def _import(engine: Engine) -> None:
    tar = _rootfs_tar(engine.directory)
    try:
        engine.run("import", "--change", 'CMD ["sleep", "infinity"]', str(tar), engine.image,
                   timeout=300)
    finally:
        tar.unlink()


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.lower() not in (
        "http_proxy", "https_proxy", "no_proxy", "docker_host", "container_host")}
    return {**env, "HTTP_PROXY": _NO_PROXY_HERE, "HTTPS_PROXY": _NO_PROXY_HERE,
            "NO_PROXY": ""}


@pytest.fixture(scope="session")
def docker_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    _needs("dockerd", "docker")
    began = time.monotonic()
    top = tmp_path_factory.mktemp("dockerd")
    sock = top / "docker.sock"
    env = {**_base_env(), "DOCKER_HOST": f"unix://{sock}"}
    log = (top / "dockerd.log").open("w")
    daemon = subprocess.Popen(
        ["dockerd", "--iptables=false", "--ip6tables=false", "--bridge=none",
         "--data-root", str(top / "data"), "--exec-root", str(top / "exec"),
         "--pidfile", str(top / "dockerd.pid"), "-H", f"unix://{sock}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    engine = Engine("docker", env, directory=top)
    try:
        deadline = time.monotonic() + 60
        while engine.run("version", check=False).returncode != 0:
            if daemon.poll() is not None or time.monotonic() > deadline:
                tail = (top / "dockerd.log").read_text()[-600:]
                _unavailable(f"dockerd did not start: {tail}")
            time.sleep(0.2)
        _import(engine)
        engine.setup_seconds = time.monotonic() - began
        yield engine
    finally:
        with contextlib.suppress(Exception):
            ids = engine.run("ps", "-aq", check=False).stdout.split()
            if ids:
                engine.run("rm", "-f", *ids, check=False)
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait()
        log.close()
        _unmount_under(top)
        shutil.rmtree(top, ignore_errors=True)


_CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"

[engine]
runtime = "runc"
events_logger = "none"
tmp_dir = "{top}/tmp"
"""

_STORAGE_CONF = """\
[storage]
driver = "overlay"
graphroot = "{top}/root"
runroot = "{top}/runroot"
"""


@pytest.fixture(scope="session")
def podman_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    _needs("podman", "runc")
    began = time.monotonic()
    top = tmp_path_factory.mktemp("podman")
    (top / "containers.conf").write_text(_CONTAINERS_CONF.format(top=top))
    (top / "storage.conf").write_text(_STORAGE_CONF.format(top=top))
    env = {**_base_env(), "CONTAINERS_CONF": str(top / "containers.conf"),
           "CONTAINERS_STORAGE_CONF": str(top / "storage.conf")}
    engine = Engine("podman", env, directory=top)
    try:
        info = engine.run("info", check=False)
        if info.returncode != 0:
            _unavailable(f"podman does not run: {info.stderr.strip()[-600:]}")
        _import(engine)
        engine.setup_seconds = time.monotonic() - began
        yield engine
    finally:
        with contextlib.suppress(Exception):
            engine.run("rm", "-af", "-t", "0", check=False)
            engine.run("system", "reset", "--force", check=False)
        _unmount_under(top)
        shutil.rmtree(top, ignore_errors=True)


def _unmount_under(top: Path) -> None:
    """What an engine left mounted under its directory (shm, overlays)."""
    with contextlib.suppress(OSError):
        mounts = [line.split()[1] for line in Path("/proc/self/mounts").read_text().splitlines()]
        for point in sorted((m for m in mounts if m.startswith(str(top))), reverse=True):
            subprocess.run(["umount", "-l", point], check=False, capture_output=True)


@pytest.fixture(params=["docker", "podman"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn."""
    started: Engine = request.getfixturevalue(f"{request.param}_engine")
    return started
