"""A run on Dask distributed workers (``corral --cluster URL``, ``api.arun(cluster=URL)``):
a real ``dask scheduler`` and three ``dask worker`` processes on loopback, fleet hosts
split across them. The same results, events and end state as one process; a worker
killed mid-run (kill -9) reports its started hosts failed and runs the others again on
another worker; bad input on one shard stops every shard untouched."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral import api
from corral.engine.cluster import pack, project_root, unpack
from corral.engine.runner import RunOptions
from corral.engine.shardrun import ShardSpec, relocate
from corral.model.events import HostConnected, HostDone
from corral.model.inventory import InventoryOrigin
from corral.model.results import HostStatus
from corral.testing.fleet import Fleet
from corral.testing.pytest_fleet import fleet_fixture

from .test_workers import DEPLOY, _cli, _write, assert_same_runs

fleet6 = fleet_fixture(6, scope="module")

DASK = str(Path(sys.executable).parent / "dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DaskCluster:
    """A ``dask scheduler`` and ``dask worker`` processes (one thread each, no nanny: the
    worker process is the one a kill -9 ends) on 127.0.0.1."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.url = f"tcp://127.0.0.1:{_free_port()}"
        self.log = open(directory / "dask.log", "ab")
        self.scheduler = self._spawn("scheduler", "--host", "127.0.0.1", "--port",
                                     self.url.rsplit(":", 1)[1], "--no-dashboard")
        self.workers: list[subprocess.Popen[bytes]] = []

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen([DASK, *args], cwd=self.directory, stdout=self.log,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def workers_up(self) -> int:
        from distributed import Client

        with Client(self.url, timeout=30) as client:
            return len(client.scheduler_info(n_workers=-1)["workers"])

    def ensure(self, count: int) -> None:
        """``count`` live workers, started as needed; returns once the scheduler has them."""
        self.workers = [w for w in self.workers if w.poll() is None]
        while len(self.workers) < count:
            self.workers.append(self._spawn(
                "worker", self.url, "--host", "127.0.0.1", "--nthreads", "1", "--no-nanny",
                "--no-dashboard"))
        deadline = time.monotonic() + 60
        while self.workers_up() != count:
            assert time.monotonic() < deadline, (self.directory / "dask.log").read_text()
            time.sleep(0.2)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            proc.kill()
            proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    pytest.importorskip("distributed", reason="Dask distributed is not installed "
                        "(pip install -e '.[cluster]')")
    cluster = DaskCluster(tmp_path_factory.mktemp("dask"))
    try:
        cluster.ensure(3)
        yield cluster
    finally:
        cluster.stop()


def _project(fleet: Fleet, tmp_path: Path, deploy: str) -> tuple[Path, Path]:
    """A project directory: the fleet's inventory and the deploy, side by side."""
    return fleet.write_inventory(tmp_path / "inventory.py"), _write(tmp_path, deploy)


def test_a_cluster_run_gives_the_results_and_end_state_of_one_process(
        dask_cluster: DaskCluster, fleet6: Fleet, tmp_path: Path) -> None:
    dask_cluster.ensure(3)
    inventory, deploy = _project(fleet6, tmp_path, DEPLOY)
    # a module of the project's own, imported by the deploy: it is shipped too
    (tmp_path / "tasks_local.py").write_text("CONTENT = 'from the project'\n")
    deploy.write_text(deploy.read_text() + (
        "from tasks_local import CONTENT\n"
        "files.line(name='local module', path='/tmp/wk/a', line=CONTENT)\n"))

    def state() -> dict[str, Any]:
        _, values = asyncio.run(api.afacts(str(inventory), "server.Command",
                                           "cat /tmp/wk/a; stat -c %a /tmp/wk"))
        return values

    _cli(fleet6, deploy, "--workers", "1", inventory=inventory)  # the state both start from
    single = _cli(fleet6, deploy, "--workers", "1", inventory=inventory)
    after_single = state()
    clustered = _cli(fleet6, deploy, "--cluster", dask_cluster.url, inventory=inventory)
    assert clustered[1], clustered
    assert_same_runs(single, clustered)
    assert state() == after_single
    assert after_single["fleet-001"].splitlines()[:2] == ["x=1", "from the project"]


def test_a_killed_dask_worker_fails_its_started_hosts_and_runs_the_others_again(
        dask_cluster: DaskCluster, fleet6: Fleet, tmp_path: Path) -> None:
    dask_cluster.ensure(3)
    pids = tmp_path / "pids"
    pids.mkdir()
    # one host at a time in each shard (--parallel 3 over three shards): in the killed
    # shard, the host running "slow" has started, the other one waits, unconnected
    inventory, deploy = _project(fleet6, tmp_path, f"""
        import os
        from corral import host
        from corral.operations import server

        # the Dask worker running this shard: the parent of the shard's process
        open(os.path.join({str(pids)!r}, host.name), "w").write(str(os.getppid()))
        server.shell(name="slow", commands=["sleep 2"])
    """)
    seen: list[Any] = []

    async def scenario() -> tuple[api.RunResult, int, set[str]]:
        task = asyncio.ensure_future(api.arun(str(inventory), str(deploy), parallel=3,
                                              cluster=dask_cluster.url,
                                              on_event=seen.append))
        while not (pids / "fleet-002").exists() or \
                not any(isinstance(e, HostConnected) and e.host == "fleet-002" for e in seen):
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # fleet-002 is running "slow"
        victim = int((pids / "fleet-002").read_text())
        connected = {e.host for e in seen if isinstance(e, HostConnected)}
        os.kill(victim, signal.SIGKILL)
        result = await task
        return result, victim, connected

    began = time.monotonic()
    result, victim, connected = asyncio.run(scenario())
    assert time.monotonic() - began < 60
    # hosts are dealt in turn over the three shards: fleet-002's shard has fleet-005,
    # which had not started (a host plans once it has its slot)
    waiting = "fleet-005"
    assert waiting not in connected
    lost = result.host("fleet-002")
    assert lost.status is HostStatus.FAILED
    assert lost.error is not None and "worker lost" in lost.error and "may have run" in lost.error
    # the waiting host ran again on another worker, as did every other host
    assert int((pids / waiting).read_text()) != victim
    for h in result.hosts:
        if h.host != "fleet-002":
            assert h.status is HostStatus.CHANGED, h
            assert [o.name for o in h.operations] == ["slow"]
    assert result.exit_code == api.EXIT_FAILED
    done = [e.result.host for e in seen if isinstance(e, HostDone)]
    assert sorted(done) == sorted(h.name for h in fleet6.hosts)  # each host ended once


def test_a_dask_worker_killed_before_the_gate_has_its_whole_shard_run_again(
        dask_cluster: DaskCluster, fleet6: Fleet, tmp_path: Path) -> None:
    dask_cluster.ensure(3)
    pids = tmp_path / "pids"
    pids.mkdir()
    # fleet-001 plans slowly: no host changes anything (the gate) until it has planned
    inventory, deploy = _project(fleet6, tmp_path, f"""
        import os, time
        from corral import host
        from corral.operations import server

        open(os.path.join({str(pids)!r}, host.name), "a").write(f"{{os.getppid()}}\\n")
        if host.name == "fleet-001":
            time.sleep(4)
        server.shell(name="change", commands=["echo changed"])
    """)

    async def scenario() -> tuple[api.RunResult, int]:
        task = asyncio.ensure_future(api.arun(str(inventory), str(deploy),
                                              cluster=dask_cluster.url))
        while not (pids / "fleet-002").exists():
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        victim = int((pids / "fleet-002").read_text().split()[0])
        os.kill(victim, signal.SIGKILL)
        return await task, victim

    result, victim = asyncio.run(scenario())
    # nothing had changed anywhere: its hosts planned again on another worker, and ran
    for name in ("fleet-002", "fleet-005"):
        planned = [int(p) for p in (pids / name).read_text().split()]
        assert planned[0] == victim and planned[-1] != victim, planned
    assert {h.status for h in result.hosts} == {HostStatus.CHANGED}, result.hosts
    assert all([o.name for o in h.operations] == ["change"] for h in result.hosts)
    assert result.exit_code == api.EXIT_OK


def test_bad_input_on_one_shard_stops_every_shard_untouched(
        dask_cluster: DaskCluster, fleet6: Fleet, tmp_path: Path) -> None:
    dask_cluster.ensure(3)
    marker = f"/tmp/dk-bad-{os.getpid()}"
    inventory, deploy = _project(fleet6, tmp_path, f"""
        from corral import host
        from corral.operations import files, server

        files.file(name="marker", path="{marker}")
        server.shell(name="later", commands=["true"], _if=lambda: True)
        if host.name == "fleet-006":
            files.file(path=["not", "a", "path"])
    """)
    code, events = _cli(fleet6, deploy, "--cluster", dask_cluster.url, inventory=inventory)
    assert code == api.EXIT_BAD_INPUT
    assert events[-1]["event"] == "error" and "fleet-006" in events[-1]["message"]
    # located in the controller's deploy file, not the worker's copy of it
    assert f"{deploy}:8" in events[-1]["message"]
    _, values = asyncio.run(api.afacts(str(inventory), "files.File", path=marker))
    assert values == {h.name: None for h in fleet6.hosts}  # no host changed anything


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="Dask distributed is not installed")
    (tmp_path / "inventory.py").write_text("hosts = ['@local']\n")
    deploy = _write(tmp_path, "from corral.operations import server\n"
                              "server.shell(commands=['true'])\n")
    proc = subprocess.run([str(Path(sys.executable).parent / "corral"), "inventory.py",
                           str(deploy), "-y", "--cluster", f"tcp://127.0.0.1:{_free_port()}"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == api.EXIT_BAD_INPUT, proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "error: command line: --cluster tcp://127.0.0.1:"), proc.stderr
    assert "Traceback" not in proc.stderr


# -- what is shipped, without a cluster ----------------------------------------------------
def test_the_project_directory_is_shipped_without_version_control_or_environments(
        tmp_path: Path) -> None:
    project = tmp_path / "project"
    for path in ("deploy.py", "inventory.py", "group_data/all.py", "templates/a.j2",
                 ".git/HEAD", ".venv/bin/python", "sub/__pycache__/x.pyc"):
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        (project / path).write_text(path)
    (project / "linked.txt").symlink_to(project / "templates/a.j2")
    copy = tmp_path / "copy"
    copy.mkdir()
    unpack(pack(str(project)), str(copy))
    found = sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file())
    assert found == ["deploy.py", "group_data/all.py", "inventory.py", "linked.txt",
                     "templates/a.j2"]
    assert (copy / "linked.txt").read_text() == "templates/a.j2"  # the file, not a link


def test_a_shard_spec_is_moved_into_the_workers_copy(tmp_path: Path) -> None:
    root = str(tmp_path / "p")
    spec = ShardSpec(
        origin=InventoryOrigin(f"{root}/inventory.py", f"{root}/sub",
                               group_data=(f"{root}/extra",)),
        run_hosts=("a",), shard=("a",), deploy_files=(f"{root}/deploy.py",),
        options=RunOptions(deploy_dir=root), sys_path=("/usr/lib/python3", root),
        is_cli=True, log_level=None, project_root=root)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "deploy.py").write_text("")
    assert project_root(spec) == root
    moved = relocate(spec, "/copy", ["/worker/lib"])
    assert moved.origin.spec == "/copy/inventory.py" and moved.origin.cwd == "/copy/sub"
    assert moved.origin.group_data == ("/copy/extra",)
    assert moved.deploy_files == ("/copy/deploy.py",)
    assert moved.options.deploy_dir == "/copy"
    # the project's import path before the worker's own; the controller's others dropped
    assert moved.sys_path == ("/copy", "/worker/lib")
    # a path that only starts with the root's name is not in it
    other = relocate(ShardSpec(**{**spec.__dict__, "deploy_files": (f"{root}x/d.py",)}),
                     "/copy", [])
    assert other.deploy_files == (f"{root}x/d.py",)
    assert relocate(ShardSpec(**{**spec.__dict__, "project_root": None}), "/copy", []) \
        == ShardSpec(**{**spec.__dict__, "project_root": None})


def test_deploy_files_with_no_common_directory_are_refused(tmp_path: Path) -> None:
    spec = ShardSpec(origin=InventoryOrigin("a,b", str(tmp_path)), run_hosts=("a",),
                     shard=("a",), deploy_files=("/deploy.py", "/etc/deploy.py"),
                     options=RunOptions(), sys_path=(), is_cli=False, log_level=None)
    with pytest.raises(api.BadInput, match="no common directory but /"):
        project_root(spec)


def test_a_link_without_its_token_is_closed_unread(tmp_path: Path) -> None:
    """Nothing from a link is unpickled before its first bytes matched a task's token,
    and a token opens one link only (a task Dask runs again finds its link refused)."""
    from corral.engine.cluster import TOKEN_BYTES, ClusterRun, _TaskShard
    from corral.engine.shardrun import frame

    proof = tmp_path / "unpickled"

    class Evil:
        def __reduce__(self) -> tuple[Any, ...]:
            return (proof.write_text, ("it ran",))

    async def scenario() -> tuple[bytes, bytes, bool]:
        run = ClusterRun.__new__(ClusterRun)  # its listening end alone
        token = b"t" * TOKEN_BYTES
        shard = _TaskShard(0, ["a"], None, None, None, token=token,
                           link_up=asyncio.get_running_loop().create_future())
        run._waiting = {token: shard}
        server = await asyncio.start_server(run._accept, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]

        async def attempt(first: bytes) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(first + frame(("event", Evil())))
            try:  # closed by the controller: an end of stream, or a reset (data unread)
                got = await asyncio.wait_for(reader.read(), 10)
            except ConnectionResetError:
                got = b""
            writer.close()
            return got

        wrong = await attempt(b"x" * TOKEN_BYTES)
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(token)
        await asyncio.wait_for(asyncio.shield(shard.link_up), 10)
        again = await attempt(token)  # used once already
        writer.close()
        server.close()
        return wrong, again, shard.link_up.done()

    wrong, again, linked = asyncio.run(scenario())
    assert wrong == b"" and again == b"" and linked
    assert not proof.exists()
