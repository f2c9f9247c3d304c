"""Measuring one run of a tool: wall time, controller CPU and peak memory (the tool's own
cgroup), CPU spent by the fleet's hosts (their cgroup) and sshd sessions per host (logs).

cgroups: a pure cgroup v2 machine (``/sys/fs/cgroup/cgroup.controllers`` lists ``memory``)
gives ``memory.peak`` and ``cpu.stat``; a hybrid v1 machine (this project's: ``memory`` and
``cpuacct`` on v1 hierarchies) gives ``memory.max_usage_in_bytes`` and ``cpuacct.usage``.
Groups are made below the cgroup this process already is in, never above it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path("/sys/fs/cgroup")


def _own_path(controller: str) -> str:
    """This process's cgroup path in the hierarchy of ``controller`` ("" for v2)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if controller in controllers.split(",") or (controller == "" and controllers == ""):
            return path
    raise LookupError(controller)


def cgroup_mode() -> str:
    """"v2" (memory controller on the unified hierarchy), "v1" (memory and cpuacct on v1
    hierarchies), or "" (no usable cgroups: rusage only)."""
    controllers = ROOT / "cgroup.controllers"
    if controllers.exists() and "memory" in controllers.read_text().split():
        return "v2" if os.access(ROOT, os.W_OK) else ""
    if (ROOT / "memory").is_dir() and (ROOT / "cpuacct").is_dir():
        return "v1" if os.access(ROOT / "memory", os.W_OK) else ""
    return ""


class Cgroup:
    """One cgroup (in each needed v1 hierarchy, or on v2) named ``name``, below ours."""

    def __init__(self, name: str, memory: bool = True) -> None:
        self.mode = cgroup_mode()
        self.dirs: dict[str, Path] = {}
        if self.mode == "v2":
            base = ROOT / _own_path("").lstrip("/")
            parent = base / "corral-bench"
            parent.mkdir(exist_ok=True)
            with contextlib.suppress(OSError):
                (parent / "cgroup.subtree_control").write_text("+memory +cpu")
            self.dirs["all"] = parent / name
        elif self.mode == "v1":
            for ctl in ("memory", "cpuacct") if memory else ("cpuacct",):
                self.dirs[ctl] = ROOT / ctl / _own_path(ctl).lstrip("/") / f"corral-bench-{name}"
        for d in self.dirs.values():
            d.mkdir(parents=True, exist_ok=True)

    def add(self, pid: int) -> None:
        for d in self.dirs.values():
            with contextlib.suppress(ProcessLookupError, OSError):
                (d / "cgroup.procs").write_text(str(pid))

    def enter(self) -> None:
        """Move the calling process in (for ``preexec_fn``)."""
        self.add(os.getpid())

    def pids(self) -> list[int]:
        found: set[int] = set()
        for d in self.dirs.values():
            with contextlib.suppress(OSError):
                found.update(int(p) for p in (d / "cgroup.procs").read_text().split())
        return sorted(found)

    def cpu_seconds(self) -> float | None:
        if self.mode == "v2":
            for line in (self.dirs["all"] / "cpu.stat").read_text().splitlines():
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
        if self.mode == "v1":
            return int((self.dirs["cpuacct"] / "cpuacct.usage").read_text()) / 1e9
        return None

    def memory_peak(self) -> int | None:
        if self.mode == "v2":
            peak = self.dirs["all"] / "memory.peak"
            return int(peak.read_text()) if peak.exists() else None
        if self.mode == "v1" and "memory" in self.dirs:
            return int((self.dirs["memory"] / "memory.max_usage_in_bytes").read_text())
        return None

    def kill_all(self) -> None:
        for _ in range(100):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.05)

    def remove(self) -> None:
        self.kill_all()
        for d in self.dirs.values():
            for _ in range(50):
                try:
                    d.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


SESSION = re.compile(r"Starting session: ")
CONNECTION = re.compile(r"Accepted (publickey|password) for ")


class SshdLogs:
    """Counts what sshd logged (LogLevel VERBOSE) per host since ``mark()``."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self.paths = paths
        self.offsets: dict[str, int] = {}

    def mark(self) -> None:
        self.offsets = {h: (p.stat().st_size if p.exists() else 0) for h, p in self.paths.items()}

    def counts(self) -> dict[str, dict[str, int]]:
        out = {}
        for h, p in self.paths.items():
            with open(p, "rb") as f:
                f.seek(self.offsets.get(h, 0))
                text = f.read().decode(errors="replace")
            out[h] = {"sessions": len(SESSION.findall(text)),
                      "connections": len(CONNECTION.findall(text))}
        return out


@dataclass
class RunMeasure:
    argv: list[str]
    exit_code: int
    wall_s: float
    cpu_s: float | None  # controller, cgroup (falls back to rusage)
    rusage_cpu_s: float  # the tool's process tree as reaped by it (wait4)
    peak_rss_largest_kb: int  # ru_maxrss: the largest single process
    memory_peak_bytes: int | None  # controller cgroup: the whole tree at once
    host_cpu_s: float | None
    relay_cpu_s: float | None
    sessions: dict[str, int]
    connections: dict[str, int]
    stdout: str = field(repr=False, default="")
    stderr: str = field(repr=False, default="")

    def summary(self) -> dict[str, Any]:
        per_host = list(self.sessions.values()) or [0]
        conns = list(self.connections.values()) or [0]
        return {
            "exit_code": self.exit_code, "wall_s": round(self.wall_s, 4),
            "cpu_s": None if self.cpu_s is None else round(self.cpu_s, 4),
            "rusage_cpu_s": round(self.rusage_cpu_s, 4),
            "peak_rss_largest_kb": self.peak_rss_largest_kb,
            "memory_peak_bytes": self.memory_peak_bytes,
            "host_cpu_s": None if self.host_cpu_s is None else round(self.host_cpu_s, 4),
            "relay_cpu_s": None if self.relay_cpu_s is None else round(self.relay_cpu_s, 4),
            "sessions_per_host_max": max(per_host),
            "sessions_per_host_min": min(per_host),
            "sessions_per_host_mean": round(sum(per_host) / len(per_host), 3),
            "connections_per_host_max": max(conns),
        }


def warm_page_cache(paths: list[Path], skip: tuple[Path, ...] = ()) -> float:
    """Read every regular file under ``paths`` (but not under ``skip``) so that the run
    after it finds them in the page cache; return the seconds it took.

    This machine's memory manager pages out file pages left untouched for about a minute
    (a DAMON ``pageout`` scheme), so a tool whose files were last read one long run of
    another tool ago would start on a cold cache and pay the disk reads in its wall time;
    each tool's run is preceded by this, with its own files, the interpreter and the test
    image, so every tool starts warm."""
    began = time.perf_counter()
    stack = [p for p in paths if p not in skip]
    while stack:
        with contextlib.suppress(OSError), os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if Path(entry.path) not in skip:
                        stack.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError), open(entry.path, "rb", buffering=0) as f:
                        while f.read(1 << 20):
                            pass
    return time.perf_counter() - began


def run_measured(argv: list[str], *, cwd: Path, env: dict[str, str], name: str,
                 logs: SshdLogs, hosts_cg: Cgroup | None, relay_cg: Cgroup | None,
                 out_dir: Path, timeout: float = 7200) -> RunMeasure:
    """Run ``argv`` in its own cgroup and measure it (see the module docstring)."""
    cg = Cgroup(name) if cgroup_mode() else None
    out_dir.mkdir(parents=True, exist_ok=True)
    stdout_path, stderr_path = out_dir / f"{name}.stdout", out_dir / f"{name}.stderr"
    logs.mark()
    host0 = hosts_cg.cpu_seconds() if hosts_cg else None
    relay0 = relay_cg.cpu_seconds() if relay_cg else None
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        began = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=err, preexec_fn=cg.enter if cg else None)
        timer = threading.Timer(timeout, lambda: os.kill(proc.pid, signal.SIGKILL))
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - began
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    # what the tool left behind (ssh ControlPersist masters) is killed: each run stands alone
    if cg:
        cg.kill_all()
    cpu = cg.cpu_seconds() if cg else None
    peak = cg.memory_peak() if cg else None
    if cg:
        cg.remove()
    host_cpu = (hosts_cg.cpu_seconds() or 0) - host0 if hosts_cg and host0 is not None else None
    relay_cpu = ((relay_cg.cpu_seconds() or 0) - relay0
                 if relay_cg and relay0 is not None else None)
    counts = logs.counts()
    rusage_cpu = usage.ru_utime + usage.ru_stime
    return RunMeasure(
        argv=argv, exit_code=proc.returncode, wall_s=wall,
        cpu_s=cpu if cpu is not None else rusage_cpu, rusage_cpu_s=rusage_cpu,
        peak_rss_largest_kb=usage.ru_maxrss, memory_peak_bytes=peak,
        host_cpu_s=host_cpu, relay_cpu_s=relay_cpu,
        sessions={h: c["sessions"] for h, c in counts.items()},
        connections={h: c["connections"] for h, c in counts.items()},
        stdout=stdout_path.read_text(errors="replace"),
        stderr=stderr_path.read_text(errors="replace"))
