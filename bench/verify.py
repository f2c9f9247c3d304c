"""Verifiers: after a run, check the end state on every host over SSH (a separate
connection, after the run's measurement window). A tool that is fast but wrong fails its
row. Checks are meant to hold whichever tool did the work (template whitespace may differ
between tools, so rendered files are checked line by line)."""

from __future__ import annotations

import asyncio
import hashlib
import shlex
from pathlib import Path
from typing import Any

import asyncssh

from tools import WORKLOADS, host_data

CONFIG_DIRS = {"a": "750", "b": "755", "c": "700", "d": "2775", "e": "751"}
LAMP_PACKAGES = ["apache2", "mariadb-server", "php", "libapache2-mod-php", "php-mysql"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Script:
    """A POSIX shell script that prints one ``FAIL`` line per unmet expectation."""

    def __init__(self) -> None:
        self.lines = ["fail() { echo \"FAIL $*\"; }"]

    def equals(self, what: str, command: str, expected: str) -> None:
        self.lines.append(f"[ \"$({command} 2>&1)\" = {shlex.quote(expected)} ] || "
                          f"fail {shlex.quote(what)}: \"$({command} 2>&1)\"")

    def true(self, what: str, command: str) -> None:
        self.lines.append(f"{command} >/dev/null 2>&1 || fail {shlex.quote(what)}")

    def meta(self, path: str, expected: str) -> None:
        self.equals(f"{path} owner:group:mode", f"stat -c %U:%G:%a {shlex.quote(path)}",
                    expected)

    def sha(self, path: str, local: Path) -> None:
        self.equals(f"{path} content", f"sha256sum < {shlex.quote(path)} | cut -d' ' -f1",
                    _sha(local))

    def has_line(self, path: str, line: str) -> None:
        self.true(f"{path} has line {line!r}", f"grep -qxF {shlex.quote(line)} {path}")

    def text(self) -> str:
        return "\n".join([*self.lines, "echo VERIFIED"]) + "\n"


def config_script(index: int, name: str) -> str:
    data = host_data(index, name)
    files = WORKLOADS / "config" / "files"
    s = Script()
    s.true("group bench", "getent group bench")
    s.equals("user bench", "getent passwd bench | cut -d: -f6,7", "/home/bench:/bin/sh")
    s.equals("user bench's group", "id -gn bench", "bench")
    for i, (d, mode) in enumerate(CONFIG_DIRS.items(), start=1):
        s.meta(f"/srv/bench/{d}", f"bench:bench:{mode}")
        s.meta(f"/srv/bench/{d}/file{i}.txt", "bench:bench:640")
        s.sha(f"/srv/bench/{d}/file{i}.txt", files / f"file{i}.txt")
    s.meta("/srv/bench/a/app.conf", "bench:bench:640")
    for line in (f"# rendered for {name}", f"name = {name}", f"port = {data['bench_port']}",
                 f"workers = {data['bench_workers']}"):
        s.has_line("/srv/bench/a/app.conf", line)
    s.meta("/etc/motd", "root:root:644")
    s.has_line("/etc/motd", f"Welcome to {name.upper()}")
    s.has_line("/etc/motd", f"This host serves on port {data['bench_port']}; "
                            f"{data['bench_workers'] * 2} threads.")
    for line in ("BENCH=1", "LOG_LEVEL=info", f"PORT={data['bench_port']}"):
        s.has_line("/etc/bench.env", line)
    s.equals("/etc/bench.env has 3 lines", "wc -l < /etc/bench.env", "3")
    s.meta("/etc/sysctl.d/90-bench.conf", "root:root:644")
    s.sha("/etc/sysctl.d/90-bench.conf", files / "90-bench.conf")
    s.equals("openssh-server installed", "dpkg-query -W -f='${Status}' openssh-server",
             "install ok installed")
    s.equals("symlink", "readlink /srv/bench/current", "/srv/bench/a")
    s.equals("guarded command ran once", "cat /var/lib/bench/initialised", name)
    return s.text()


def lamp_script(index: int, name: str) -> str:
    s = Script()
    for pkg in LAMP_PACKAGES:
        s.equals(f"{pkg} installed", f"dpkg-query -W -f='${{Status}}' {pkg}",
                 "install ok installed")
    s.meta("/etc/iptables", "root:root:755")
    s.meta("/etc/iptables/rules.v4", "root:root:600")
    s.sha("/etc/iptables/rules.v4", WORKLOADS / "lamp" / "files" / "rules.v4")
    return s.text()


SCRIPTS = {"config": config_script, "lamp": lamp_script}


async def _prepare_host(data: dict[str, Any], debs: list[Path],
                        slots: asyncio.Semaphore) -> str:
    async with slots:
        try:
            async with asyncssh.connect(
                    data["ssh_hostname"], username="root", client_keys=[data["ssh_key"]],
                    known_hosts=data["ssh_known_hosts_file"], agent_path=None) as conn:
                await conn.run("mkdir -p /tmp/bench-debs", check=True)
                async with conn.start_sftp_client() as sftp:
                    await sftp.put([str(d) for d in debs], "/tmp/bench-debs/")
                done = await conn.run("dpkg -i /tmp/bench-debs/*.deb >/dev/null && "
                                      "rm -rf /tmp/bench-debs", timeout=300)
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            return f"{data['ssh_hostname']}: {exc}"
    return "" if done.exit_status == 0 else f"{data['ssh_hostname']}: {done.stderr!s:.300}"


def install_debs(inventory: list[tuple[str, dict[str, Any]]], debs: list[Path]) -> None:
    """Install .deb files on every host (before a row's measured runs)."""
    async def main() -> list[str]:
        slots = asyncio.Semaphore(20)
        return await asyncio.gather(*(_prepare_host(d, debs, slots) for _, d in inventory))
    errors = [e for e in asyncio.run(main()) if e]
    if errors:
        raise RuntimeError(f"preparing {len(errors)} hosts failed: {errors[0]}")


async def _verify_host(index: int, name: str, data: dict[str, Any], workload: str,
                       slots: asyncio.Semaphore) -> list[str]:
    async with slots:
        try:
            async with asyncssh.connect(
                    data["ssh_hostname"], username="root", client_keys=[data["ssh_key"]],
                    known_hosts=data["ssh_known_hosts_file"], agent_path=None) as conn:
                done = await conn.run("sh -s", input=SCRIPTS[workload](index, name),
                                      timeout=120)
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            return [f"cannot check: {exc}"]
    out = str(done.stdout or "")
    problems = [line[5:] for line in out.splitlines() if line.startswith("FAIL ")]
    if "VERIFIED" not in out:
        problems.append(f"check script did not finish: {done.stderr!s:.200}")
    return problems


def verify(inventory: list[tuple[str, dict[str, Any]]], workload: str) -> dict[str, list[str]]:
    """Problems per host (only hosts with problems are listed)."""
    async def main() -> list[list[str]]:
        slots = asyncio.Semaphore(50)
        return await asyncio.gather(*(_verify_host(i, n, d, workload, slots)
                                      for i, (n, d) in enumerate(inventory)))
    results = asyncio.run(main())
    return {name: p for (name, _), p in zip(inventory, results, strict=True) if p}
