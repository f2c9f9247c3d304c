"""The test fleet: real sshds in their own namespaces on their own loopback addresses."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from corral.testing import image as test_image
from corral.testing.fleet import CLAIMS, Fleet, FleetHost
from corral.testing.fleet_host import children
from corral.testing.pytest_fleet import fleet_fixture, require_fleet

pytestmark = pytest.mark.integration

fleet3 = fleet_fixture(3, scope="module")
slow_fleet = fleet_fixture(1, latency_ms=40, scope="module")


def _connect(fleet: Fleet, host: FleetHost, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"username": "root", "client_keys": [str(fleet.key_path)],
                               "known_hosts": str(fleet.known_hosts_path)}
    options.update(kwargs)
    return asyncssh.connect(host.address, **options)


async def _run(fleet: Fleet, host: FleetHost, *commands: str, **kwargs: Any) -> list[str]:
    async with _connect(fleet, host, **kwargs) as conn:
        return [(await conn.run(c, check=True)).stdout for c in commands]


def test_hosts_answer_on_their_own_loopback_addresses(fleet3: Fleet) -> None:
    assert [h.name for h in fleet3.hosts] == ["fleet-001", "fleet-002", "fleet-003"]
    addresses = [ipaddress.ip_address(h.address) for h in fleet3.hosts]
    assert len(set(addresses)) == 3
    for address in addresses:
        assert address.is_loopback and address.packed[2] >= 2
    for host in fleet3.hosts:
        assert fleet3.banner(host).startswith("SSH-2.0-OpenSSH")
        assert "Server listening on" in fleet3.log_path(host).read_text()


def test_root_logs_in_with_the_fleet_key_into_its_own_namespaces(fleet3: Fleet) -> None:
    ours = os.readlink("/proc/self/ns/pid")
    namespaces = set()
    for host in fleet3.hosts:
        name, init, pid_ns, user = asyncio.run(_run(
            fleet3, host, "hostname", "tr '\\0' ' ' < /proc/1/cmdline",
            "readlink /proc/self/ns/pid", "id -un"))
        assert name.strip() == host.name
        assert "sshd" in init  # the host's sshd is PID 1 of its own PID namespace
        assert user.strip() == "root"
        namespaces.add(pid_ns.strip())
    assert len(namespaces) == 3 and ours not in namespaces


def test_sshd_logs_sessions(fleet3: Fleet) -> None:
    host = fleet3.hosts[0]
    asyncio.run(_run(fleet3, host, "true"))
    log = fleet3.log_path(host).read_text()
    assert "Accepted publickey for root" in log
    assert "Starting session: command for root" in log


def test_corral_logs_in_with_its_password_and_has_sudo(fleet3: Fleet) -> None:
    user, root = asyncio.run(_run(
        fleet3, fleet3.hosts[1], "id -un", "sudo -n id -un", username=test_image.TEST_USER,
        password=test_image.TEST_PASSWORD, client_keys=None))
    assert (user.strip(), root.strip()) == (test_image.TEST_USER, "root")


def test_inventory_and_known_hosts(fleet3: Fleet) -> None:
    namespace: dict[str, Any] = {}
    exec(fleet3.inventory_path.read_text(), namespace)
    assert namespace["hosts"] == [
        (h.name, {"ssh_hostname": h.address, "ssh_user": "root",
                  "ssh_key": str(fleet3.key_path),
                  "ssh_known_hosts_file": str(fleet3.known_hosts_path)})
        for h in fleet3.hosts]
    lines = fleet3.known_hosts_path.read_text().splitlines()
    assert lines == [f"{h.address} {h.host_key}" for h in fleet3.hosts]
    assert oct(fleet3.key_path.stat().st_mode & 0o777) == "0o600"


def test_cut_drops_the_hosts_packets_until_restored(fleet3: Fleet) -> None:
    host = fleet3.hosts[2]

    async def attempt() -> None:
        await asyncio.wait_for(_run(fleet3, host, "true"), 2)

    fleet3.cut(host)
    try:
        with pytest.raises(asyncio.TimeoutError):
            asyncio.run(attempt())
        assert fleet3.banner(fleet3.hosts[0])  # the others still answer
    finally:
        fleet3.restore(host)
    asyncio.run(attempt())


def test_rekey_gives_a_new_host_key(fleet3: Fleet) -> None:
    host = fleet3.hosts[0]
    old = host.host_key
    new = fleet3.rekey(host)
    assert new != old and new.startswith("ssh-ed25519 ")
    with pytest.raises(asyncssh.HostKeyNotVerifiable):
        asyncio.run(_run(fleet3, host, "true"))
    fleet3.write_known_hosts()
    [name] = asyncio.run(_run(fleet3, host, "hostname"))
    assert name.strip() == host.name


async def _exchange_time(fleet: Fleet, count: int = 5) -> float:
    async with _connect(fleet, fleet.hosts[0]) as conn:
        await conn.run("true")
        began = time.monotonic()
        for i in range(count):
            assert (await conn.run(f"echo {i}", check=True)).stdout == f"{i}\n"
        return (time.monotonic() - began) / count


def test_latency_slows_every_exchange(fleet3: Fleet, slow_fleet: Fleet) -> None:
    fast = asyncio.run(_exchange_time(fleet3))
    slow = asyncio.run(_exchange_time(slow_fleet))
    assert slow >= 0.020, slow
    assert slow > fast + 0.015, (fast, slow)


def _leftovers(fleet: Fleet, pids: list[int]) -> list[str]:
    found = [f"process {pid}" for pid in pids if Path(f"/proc/{pid}").exists()]
    for proc in Path("/proc").glob("[0-9]*"):  # any process chrooted into one of its hosts
        with contextlib.suppress(OSError):
            if os.readlink(proc / "root").startswith(str(fleet.directory)):
                found.append(f"process {proc.name} in a host")
    mounts = Path("/proc/self/mounts").read_text()
    found += ["mount"] if str(fleet.directory) in mounts else []
    rules = subprocess.run(["iptables", "-w", "-S", "INPUT"], capture_output=True,
                           text=True, check=True).stdout
    found += ["iptables rule"] if str(fleet.directory) in rules else []
    found += ["directory"] if fleet.directory.exists() else []
    for claim in CLAIMS.glob("*/owner"):
        found += ["address claim"] if claim.read_text() == str(fleet.directory) else []
    return found


@pytest.mark.parametrize("latency_ms", [0, 30])
def test_stop_leaves_nothing_behind(latency_ms: float) -> None:
    require_fleet()
    fleet = Fleet(2, latency_ms=latency_ms).start()
    pids = [p for h in fleet.hosts for p in (h.pid, *children(h.pid))]
    pids += [fleet.relay_pid] if latency_ms else []
    assert len(pids) == 4 + bool(latency_ms)
    fleet.cut(fleet.hosts[0])
    # a stray process on a host goes with its PID namespace
    asyncio.run(_run(fleet, fleet.hosts[1], "sleep 60 </dev/null >/dev/null 2>&1 &"))
    fleet.stop()
    assert _leftovers(fleet, pids) == []
    assert not any(f"{h.address}:22 " in _listeners() for h in fleet.hosts)


def _listeners() -> str:
    return subprocess.run(["ss", "-Hltn"], capture_output=True, text=True).stdout + " "


def test_command_line_leaves_a_fleet_running_until_stopped(tmp_path: Path) -> None:
    require_fleet()
    directory = tmp_path / "fleet"
    cli = [sys.executable, "-m", "corral.testing.fleet"]
    started = subprocess.run([*cli, "start", "2", "--dir", str(directory)],
                             capture_output=True, text=True, check=True)
    try:
        assert started.stdout.strip() == str(directory / "inventory.py")
        status = subprocess.run([*cli, "status", "--dir", str(directory)],
                                capture_output=True, text=True, check=True)
        assert "2/2 answering" in status.stdout
    finally:
        subprocess.run([*cli, "stop", "--dir", str(directory)], check=True)
    assert not directory.exists()
