"""The test fleet: real OpenSSH servers, each in its own mount, UTS and PID namespace with
its own overlay root over the cached test image, each on its own loopback address.

    with Fleet(3) as fleet:                  # hosts fleet-001.. on 127.0.2.1..
        fleet.write_inventory()               # hosts = [("fleet-001", {...}), ...]

    python -m corral.testing.fleet start 200 [--latency MS] [--dir DIR]
    python -m corral.testing.fleet status [--dir DIR]
    python -m corral.testing.fleet stop [--dir DIR]

Needs root. Latency comes from a userspace relay (``corral.testing.relay``) in front of
the sshds (which then listen on port 2222); ``cut()`` drops a host's packets (iptables).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import asyncssh

from corral.testing import image as test_image
from corral.testing.fleet_host import (
    BOOT,
    CLAIMS,
    RELAYED_PORT,
    SSH_PORT,
    FleetHost,
    banner,
    children,
    claim_subnets,
    gone,
    owned,
    release_subnets,
    run_async,
)

__all__ = ["CLAIMS", "DEFAULT_DIR", "Fleet", "FleetHost", "HostRef", "main"]

DEFAULT_DIR = Path("/var/tmp/corral-fleet")
PER_SUBNET = 250
KEY_NAME = "id_ed25519"

HostRef = FleetHost | str


class Fleet:
    """N SSH hosts on loopback addresses; ``start()`` then ``stop()`` (or ``with``)."""

    def __init__(self, count: int = 3, latency_ms: float = 0, directory: Path | str | None = None,
                 prefix: str = "fleet", image: Path | None = None) -> None:
        if count < 1:
            raise ValueError("a fleet has at least one host")
        self.count, self.latency_ms, self.prefix = count, latency_ms, prefix
        self.directory = Path(directory) if directory else Path(
            tempfile.mkdtemp(prefix="corral-fleet-", dir="/var/tmp"))
        self.image = image
        self.hosts: list[FleetHost] = []
        self.subnets: list[int] = []
        self.relay_pid = 0
        self.cut_hosts: set[str] = set()
        self._procs: dict[int, subprocess.Popen[bytes]] = {}

    # paths
    @property
    def key_path(self) -> Path:
        return self.directory / KEY_NAME

    @property
    def known_hosts_path(self) -> Path:
        return self.directory / "known_hosts"

    @property
    def inventory_path(self) -> Path:
        return self.directory / "inventory.py"

    @property
    def state_path(self) -> Path:
        return self.directory / "state.json"

    @property
    def sshd_port(self) -> int:
        return RELAYED_PORT if self.latency_ms > 0 else SSH_PORT

    @property
    def _tag(self) -> str:
        return f"corral-fleet:{self.directory}"

    def log_path(self, host: HostRef) -> Path:
        return self.directory / "logs" / f"{self.host(host).name}.log"

    def host(self, ref: HostRef) -> FleetHost:
        if isinstance(ref, FleetHost):
            return ref
        for host in self.hosts:
            if ref in (host.name, host.address):
                return host
        raise KeyError(f"no fleet host {ref!r}")

    def _image(self) -> Path:
        if self.image is None:
            self.image = test_image.build(quiet=True)
        return self.image

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 120) -> Fleet:
        if os.geteuid() != 0:
            raise RuntimeError("the test fleet needs root (namespaces, mounts, iptables)")
        if self.state_path.exists():
            raise RuntimeError(f"a fleet is already recorded in {self.directory}; stop it first")
        self._image()
        for sub in ("logs", "hosts"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, timeout: float) -> None:
        self.subnets = claim_subnets((self.count + PER_SUBNET - 1) // PER_SUBNET, self.directory)
        for i in range(self.count):
            name = f"{self.prefix}-{i + 1:03d}"
            address = f"127.0.{self.subnets[i // PER_SUBNET]}.{1 + i % PER_SUBNET}"
            self.hosts.append(FleetHost(name, address, self.directory / "hosts" / name))
        self._save()
        key = asyncssh.generate_private_key("ssh-ed25519", comment="corral-fleet")
        key.write_private_key(str(self.key_path))
        os.chmod(self.key_path, 0o600)
        key.write_public_key(str(self.key_path) + ".pub")
        client_pub = key.export_public_key().decode()
        (self.directory / "boot.sh").write_text(BOOT)
        for host in self.hosts:
            host.prepare(self._image(), client_pub, self.sshd_port)
            self._launch(host)
        self._save()
        if self.latency_ms > 0:
            self._start_relay()
        self.write_known_hosts()
        self.wait_ready(timeout=timeout)
        self.write_inventory()

    def stop(self) -> None:
        """Stop every host and the relay, remove traffic rules, mounts, claims and files."""
        for host in self.hosts:
            self._kill(host, wait=False)
        for host in self.hosts:
            self._kill(host)
        if self.relay_pid and owned(self.relay_pid, str(self.directory)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.relay_pid, signal.SIGTERM)
            self._wait_pid(self.relay_pid)
        self.relay_pid = 0
        self._remove_rules()
        with open("/proc/self/mounts") as f:  # none expected: mounts live in the namespaces
            mounts = [line.split()[1] for line in f if str(self.directory) in line]
        for mount in reversed(mounts):
            subprocess.run(["umount", "-l", mount], check=False, capture_output=True)
        release_subnets(self.directory)
        shutil.rmtree(self.directory, ignore_errors=True)

    @classmethod
    def attach(cls, directory: Path | str) -> Fleet:
        """The fleet recorded in ``directory`` (started by another process)."""
        directory = Path(directory)
        state = json.loads((directory / "state.json").read_text())
        fleet = cls(len(state["hosts"]), state["latency_ms"], directory, state["prefix"],
                    Path(state["image"]) if state["image"] else None)
        fleet.subnets, fleet.relay_pid = state["subnets"], state["relay_pid"]
        fleet.cut_hosts = set(state["cut"])
        fleet.hosts = [FleetHost(h["name"], h["address"], directory / "hosts" / h["name"],
                                 h["host_key"], h["pid"]) for h in state["hosts"]]
        return fleet

    def _save(self) -> None:
        state = {
            "image": str(self.image or ""), "latency_ms": self.latency_ms,
            "prefix": self.prefix, "subnets": self.subnets, "relay_pid": self.relay_pid,
            "cut": sorted(self.cut_hosts),
            "hosts": [{"name": h.name, "address": h.address, "host_key": h.host_key,
                       "pid": h.pid} for h in self.hosts],
        }
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(self.state_path)

    # one host
    def _launch(self, host: FleetHost) -> None:
        proc = host.launch(self._image(), self.directory / "boot.sh", self.log_path(host))
        self._procs[proc.pid] = proc

    def _kill(self, host: FleetHost, wait: bool = True) -> None:
        """Kill the host's PID 1 (so its namespaces end); with ``wait``, until unshare exits."""
        if host.pid and owned(host.pid, str(host.directory)):
            for pid in children(host.pid) or [host.pid]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if wait and host.pid:
            if not self._wait_pid(host.pid, 10) and owned(host.pid, str(host.directory)):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(host.pid, signal.SIGKILL)
                self._wait_pid(host.pid)
            host.pid = 0

    def _wait_pid(self, pid: int, timeout: float = 15) -> bool:
        proc = self._procs.get(pid)
        deadline = time.monotonic() + timeout
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)
                del self._procs[pid]
                return True
            return False
        while not gone(pid):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def restart(self, ref: HostRef, timeout: float = 30) -> None:
        host = self.host(ref)
        self._kill(host)
        self._launch(host)
        self._save()
        self.wait_ready([host], timeout)

    def rekey(self, ref: HostRef, update_known_hosts: bool = False,
              timeout: float = 30) -> str:
        """Restart a host with a new host key; known_hosts keeps the old one unless asked."""
        host = self.host(ref)
        self._kill(host)
        public = host.new_host_key(self._image())
        self._launch(host)
        self._save()
        if update_known_hosts:
            self.write_known_hosts()
        self.wait_ready([host], timeout)
        return public

    # network
    def _start_relay(self) -> None:
        mapfile = self.directory / "relay.map"
        mapfile.write_text("".join(f"{h.address}:{SSH_PORT} {h.address}:{RELAYED_PORT}\n"
                                   for h in self.hosts))
        with open(self.directory / "logs" / "relay.log", "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "corral.testing.relay",
                 "--delay-ms", str(self.latency_ms / 2), str(mapfile)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
        self.relay_pid = proc.pid
        self._procs[proc.pid] = proc
        self._save()

    def _rule(self, host: FleetHost) -> list[str]:
        return ["INPUT", "-d", f"{host.address}/32", "-p", "tcp", "--dport", str(SSH_PORT),
                "-m", "comment", "--comment", self._tag, "-j", "DROP"]

    def cut(self, ref: HostRef) -> None:
        """Drop every packet to the host's SSH port (total packet loss)."""
        host = self.host(ref)
        if host.name not in self.cut_hosts:
            subprocess.run(["iptables", "-w", "-I", *self._rule(host)], check=True)
            self.cut_hosts.add(host.name)
            self._save()

    def restore(self, ref: HostRef) -> None:
        host = self.host(ref)
        if host.name in self.cut_hosts:
            subprocess.run(["iptables", "-w", "-D", *self._rule(host)], check=True)
            self.cut_hosts.discard(host.name)
            self._save()

    def _remove_rules(self) -> None:
        self.cut_hosts.clear()
        listing = subprocess.run(["iptables", "-w", "-S", "INPUT"], capture_output=True,
                                 text=True, check=False).stdout
        for line in listing.splitlines():
            words = shlex.split(line)
            if words[:1] == ["-A"] and self._tag in words:
                subprocess.run(["iptables", "-w", "-D", *words[1:]], check=False)

    def banner(self, ref: HostRef, timeout: float = 5) -> str:
        """The host's SSH identification line ("" when it does not answer in time)."""
        host = self.host(ref)
        with contextlib.suppress(OSError):
            with socket.create_connection((host.address, SSH_PORT), timeout) as sock:
                sock.settimeout(timeout)
                return sock.makefile("rb").readline().decode(errors="replace").strip()
        return ""

    def wait_ready(self, hosts: Iterable[FleetHost] | None = None, timeout: float = 120) -> None:
        """Return when every host answers with an SSH banner on its address, port 22."""
        hosts = list(self.hosts if hosts is None else hosts)

        async def probe() -> list[str]:
            deadline = asyncio.get_running_loop().time() + timeout
            return list(await asyncio.gather(*(banner(h.address, SSH_PORT, deadline)
                                                for h in hosts)))
        banners: list[str] = run_async(probe())
        silent = [h for h, b in zip(hosts, banners, strict=True) if not b]
        if silent:
            tail = self.log_path(silent[0]).read_text(errors="replace")[-1500:]
            raise RuntimeError(f"{len(silent)} fleet hosts did not answer in {timeout}s "
                               f"({', '.join(h.name for h in silent[:5])}...); "
                               f"{silent[0].name}'s log:\n{tail}")

    # files for clients
    def write_known_hosts(self) -> Path:
        self.known_hosts_path.write_text("".join(f"{h.address} {h.host_key}\n"
                                                 for h in self.hosts))
        return self.known_hosts_path

    def inventory(self, user: str = "root") -> list[tuple[str, dict[str, Any]]]:
        return [(h.name, {"ssh_hostname": h.address, "ssh_user": user,
                          "ssh_key": str(self.key_path),
                          "ssh_known_hosts_file": str(self.known_hosts_path)})
                for h in self.hosts]

    def write_inventory(self, path: Path | str | None = None, user: str = "root") -> Path:
        """A pyinfra-style inventory file: ``hosts = [(name, data), ...]``."""
        target = Path(path) if path else self.inventory_path
        lines = [f"# corral test fleet in {self.directory}: {self.count} hosts", "hosts = ["]
        lines += [f"    ({name!r}, {data!r})," for name, data in self.inventory(user)]
        target.write_text("\n".join([*lines, "]", ""]))
        return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corral.testing.fleet")
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start N hosts in the background")
    start.add_argument("count", type=int)
    start.add_argument("--latency", type=float, default=0, metavar="MS",
                       help="round-trip time added to every host (userspace relay)")
    for p in (start, sub.add_parser("stop"), sub.add_parser("status")):
        p.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    if args.command == "start":
        began = time.monotonic()
        fleet = Fleet(args.count, args.latency, args.dir).start()
        print(f"{args.count} hosts answer after {time.monotonic() - began:.1f}s "
              f"({fleet.hosts[0].address}..{fleet.hosts[-1].address})", file=sys.stderr)
        print(fleet.inventory_path)
        return 0
    if not (args.dir / "state.json").exists():
        print(f"no fleet recorded in {args.dir}", file=sys.stderr)
        return 1
    fleet = Fleet.attach(args.dir)
    if args.command == "stop":
        fleet.stop()
        return 0
    up = 0
    for host in fleet.hosts:
        line = fleet.banner(host, 2) if host.running() else ""
        up += bool(line)
        cut = " (cut)" if host.name in fleet.cut_hosts else ""
        print(f"{host.name} {host.address} pid {host.pid} {line or 'DOWN'}{cut}")
    print(f"{up}/{len(fleet.hosts)} answering; latency {fleet.latency_ms} ms; "
          f"inventory {fleet.inventory_path}")
    return 0 if up == len(fleet.hosts) else 1


if __name__ == "__main__":
    sys.exit(main())
