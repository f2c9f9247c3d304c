"""corral's benchmark suite: corral, pyinfra and Ansible on the same test fleet, same run.

Run it through ``bench/run`` (see ``bench/run --help`` and docs/benchmarks.md). Results go
to ``bench/results/<time>.json`` and ``bench/results/latest.json``; the results page
``docs/benchmarks.md`` and its plot are regenerated from that JSON (``bench/report.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import measure
import report
import verify

import tools
from corral.testing.fleet import Fleet

RESULTS = tools.REPO / "bench" / "results"


def parse_args(argv: list[str]) -> argparse.Namespace:
    def ints(text: str) -> list[int]:
        return [int(x) for x in text.split(",") if x]

    def words(text: str) -> list[str]:
        return [x for x in text.split(",") if x]

    p = argparse.ArgumentParser(
        prog="bench/run", description="Benchmark corral against pyinfra and Ansible on the "
        "test fleet; write bench/results/*.json and docs/benchmarks.md.")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 10 hosts, 1 repetition, 0 ms, equal parallelism only, "
                        "scale at 10 and 20 hosts")
    p.add_argument("--hosts", type=ints, default=[10, 50, 200], help="host counts (10,50,200)")
    p.add_argument("--latency", type=ints, default=[0, 20],
                   help="added round-trip times in ms (0,20)")
    p.add_argument("--reps", type=int, default=3, help="repetitions; medians are reported (3)")
    p.add_argument("--tools", type=words, default=list(tools.VARIANTS),
                   help=f"tool rows ({','.join(tools.VARIANTS)})")
    p.add_argument("--workloads", type=words, default=["config", "lamp"],
                   help="workloads (config,lamp)")
    p.add_argument("--modes", type=words, default=["same", "default"],
                   help="parallelism: 'same' (every tool told --parallel/--forks P) and "
                        "'default' (each tool's own default) (same,default)")
    p.add_argument("--parallel", type=int, default=0,
                   help="P for the 'same' rows (default: the host count: all hosts at once)")
    p.add_argument("--ansible-max-hosts", type=int, default=50,
                   help="Ansible rows only up to this many hosts (50)")
    p.add_argument("--lamp-max-hosts", type=int, default=50,
                   help="the lamp workload only up to this many hosts (50): each host "
                        "installs ~60 packages on the shared CPUs")
    p.add_argument("--scale", type=ints, default=[100, 1000],
                   help="host counts for the read-only scale runs (100,1000; empty: none)")
    p.add_argument("--scale-latency", type=int, default=0, help="latency of the scale runs")
    p.add_argument("--layers", choices=["auto", "memory", "disk"], default="auto",
                   help="where the hosts' writable layers live: memory (/dev/shm), disk "
                        "(/var/tmp), or auto: memory except for lamp (auto)")
    p.add_argument("--out", type=Path, default=None, help="results JSON (bench/results/<time>)")
    p.add_argument("--no-report", action="store_true", help="do not rewrite docs/benchmarks.md")
    p.add_argument("--refresh-venvs", action="store_true",
                   help="recreate the tools' virtual environments (newest versions)")
    args = p.parse_args(argv)
    if args.quick:
        args.hosts, args.latency, args.reps, args.modes = [10], [0], 1, ["same"]
        args.scale = [10, 20]
    for t in args.tools:
        if t not in tools.VARIANTS:
            p.error(f"unknown tool {t!r}")
    for w in args.workloads:
        if w not in verify.SCRIPTS:
            p.error(f"unknown workload {w!r}")
    return args


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    load = Path("/proc/loadavg").read_text().split()[:3]
    return {"cpu": model, "cpus": os.cpu_count(), "memory_gib": round(mem_kb / 2**20, 1),
            "kernel": platform.release(), "os": _os_name(), "python": platform.python_version(),
            "loadavg_at_start": load, "cgroups": measure.cgroup_mode() or "none (rusage only)"}


def _os_name() -> str:
    for line in Path("/etc/os-release").read_text().splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip('"')
    return platform.system()


#: where a fleet's writable layers go (``--layers``): memory, or the controller's disk
MEMORY_LAYERS, DISK_LAYERS = "/dev/shm", "/var/tmp"


class FleetSession:
    """A fresh fleet with its hosts' and relay's processes in their own cgroups."""

    def __init__(self, hosts: int, latency: int, scratch: Path,
                 debs: list[Path] | None = None, layers: str = DISK_LAYERS) -> None:
        self.debs = debs
        # the hosts' writable overlay layers (and their sshd logs) live under ``layers``
        self.directory = Path(tempfile.mkdtemp(prefix="corral-bench-fleet-", dir=layers))
        self.directory.rmdir()
        self.fleet = Fleet(hosts, latency, self.directory)
        self.scratch = scratch
        self.hosts_cg: measure.Cgroup | None = None
        self.relay_cg: measure.Cgroup | None = None

    def __enter__(self) -> FleetSession:
        began = time.perf_counter()
        self.fleet.start(timeout=300)
        self.start_s = time.perf_counter() - began
        try:
            self._setup()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _setup(self) -> None:
        tag = self.directory.name
        if measure.cgroup_mode():
            self.hosts_cg = measure.Cgroup(f"hosts-{tag}", memory=False)
            for h in self.fleet.hosts:
                for pid in measure.descendants(h.pid):
                    self.hosts_cg.add(pid)
            if self.fleet.relay_pid:
                self.relay_cg = measure.Cgroup(f"relay-{tag}", memory=False)
                for pid in measure.descendants(self.fleet.relay_pid):
                    self.relay_cg.add(pid)
        if self.debs:
            verify.install_debs(self.inventory(), self.debs)
        self.inventories = tools.write_inventories(self.fleet, self.scratch)
        self.logs = measure.SshdLogs({h.name: self.fleet.log_path(h) for h in self.fleet.hosts})

    def __exit__(self, *exc: object) -> None:
        self.fleet.stop()
        for cg in (self.hosts_cg, self.relay_cg):
            if cg:
                cg.remove()

    def inventory(self) -> list[tuple[str, dict[str, Any]]]:
        return self.fleet.inventory()


def run_one(fs: FleetSession, variant: tools.Variant, workload: str, parallel: int | None,
            name: str) -> dict[str, Any]:
    argv, env, cwd = tools.command(variant, workload, fs.inventories, parallel,
                                   fs.scratch / name)
    measure.warm_page_cache(*tools.warm_paths(variant.tool, fs.fleet.image))
    m = measure.run_measured(argv, cwd=cwd, env=env, name=name, logs=fs.logs,
                             hosts_cg=fs.hosts_cg, relay_cg=fs.relay_cg,
                             out_dir=fs.scratch / "output")
    if "ANSIBLE_SSH_CONTROL_PATH_DIR" in env:
        shutil.rmtree(env["ANSIBLE_SSH_CONTROL_PATH_DIR"], ignore_errors=True)
    record: dict[str, Any] = {"command": shlex.join(argv), **m.summary()}
    try:
        changed, invocations = tools.changes(variant, m.stdout, m.stderr)
    except (ValueError, KeyError, json.JSONDecodeError) as exc:
        changed, invocations = {}, {}
        record["parse_error"] = str(exc)
    hosts = [h.name for h in fs.fleet.hosts]
    per_host = [changed.get(h, 0) for h in hosts]
    record |= {"changes_total": sum(per_host), "changes_per_host_max": max(per_host),
               "changes_per_host_min": min(per_host),
               "hosts_reported": sum(1 for h in hosts if h in changed)}
    if invocations:
        record["tool_invocations_per_host_max"] = max(invocations.values())
    problems = verify.verify(fs.inventory(), workload)
    record["verify_failed_hosts"] = len(problems)
    record["verify_problems"] = [f"{h}: {'; '.join(p[:3])}" for h, p in
                                 list(problems.items())[:3]]
    if m.exit_code != 0:
        tail = (m.stderr.strip() or m.stdout.strip())[-600:]
        record["output_tail"] = tail
    return record


def row_status(first: dict[str, Any], second: dict[str, Any], hosts: int) -> str:
    problems = []
    for label, r in (("first", first), ("second", second)):
        if r["exit_code"] != 0:
            problems.append(f"{label} run exit {r['exit_code']}")
        if r.get("parse_error"):
            problems.append(f"{label} run output unreadable")
        elif r["hosts_reported"] != hosts:
            problems.append(f"{label} run reported {r['hosts_reported']}/{hosts} hosts")
        if r["verify_failed_hosts"]:
            problems.append(f"{label} run: end state wrong on {r['verify_failed_hosts']} hosts")
    if first["changes_per_host_min"] == 0 and not first.get("parse_error"):
        problems.append("first run changed nothing on some host")
    if second["changes_total"]:
        problems.append(f"second run reported {second['changes_total']} changes")
    return "; ".join(problems) or "ok"


def layers_dir(args: argparse.Namespace, workload: str) -> str:
    """Where a fleet's writable layers go: memory (``/dev/shm``), except for ``lamp``, whose
    hosts install ~300 MB each; ``--layers`` decides for all. On disk the hosts would share
    one file system and its journal (here ext4 mounted with online discard), which real
    hosts, each with its own disk, do not: a tool that writes on many hosts at once, as
    corral does, would be slowed by the others' writes more than a slower tool."""
    if args.layers == "memory" or (args.layers == "auto" and workload != "lamp"):
        return MEMORY_LAYERS
    return DISK_LAYERS


def matrix(args: argparse.Namespace, results: dict[str, Any], save: Any,
           scratch_root: Path) -> None:
    for workload in args.workloads:
        layers = layers_dir(args, workload)
        for latency in args.latency:
            for hosts in args.hosts:
                if workload == "lamp" and hosts > args.lamp_max_hosts:
                    continue
                same_p = args.parallel or hosts
                plan = []
                for key in args.tools:
                    variant = tools.VARIANTS[key]
                    if variant.tool == "ansible" and hosts > args.ansible_max_hosts:
                        continue
                    for mode in args.modes:
                        p = same_p if mode == "same" else None
                        effective = p or tools.default_parallel(variant.tool, hosts)
                        if mode == "default" and "same" in args.modes and effective == same_p:
                            continue  # the same command as the 'same' row
                        plan.append((variant, mode, p, effective))
                for rep in range(args.reps):
                    # rotate the order each repetition: no tool always runs first
                    order = plan[rep % len(plan):] + plan[:rep % len(plan)] if plan else []
                    for variant, mode, p, effective in order:
                        tag = f"{workload}-{hosts}h-{latency}ms-r{rep}-{variant.key}-{mode}"
                        print(f"bench: {tag} (parallel {effective})", file=sys.stderr,
                              flush=True)
                        scratch = scratch_root / tag
                        record: dict[str, Any] = {
                            "workload": workload, "hosts": hosts, "latency_ms": latency,
                            "rep": rep, "variant": variant.key, "tool": variant.tool,
                            "mode": mode, "parallel": effective, "layers": layers}
                        try:
                            debs = (tools.ansible_host_debs() if variant.tool == "ansible"
                                    else None)
                            with FleetSession(hosts, latency, scratch, debs, layers) as fs:
                                record["fleet_start_s"] = round(fs.start_s, 2)
                                record["first"] = run_one(fs, variant, workload, p, "first")
                                record["second"] = run_one(fs, variant, workload, p, "second")
                            record["status"] = row_status(record["first"], record["second"],
                                                          hosts)
                        except Exception as exc:
                            record["status"] = f"error: {type(exc).__name__}: {exc}"
                        print(f"bench:   {_brief(record)}", file=sys.stderr, flush=True)
                        results["runs"].append(record)
                        save()


def _brief(record: dict[str, Any]) -> str:
    parts = [record["status"]]
    for label in ("first", "second"):
        r = record.get(label)
        if r:
            parts.append(f"{label} {r['wall_s']:.2f}s cpu {r['cpu_s']:.2f}s "
                         f"changes {r['changes_total']} sessions/host "
                         f"{r['sessions_per_host_max']}")
    return "; ".join(parts)


def scale(args: argparse.Namespace, results: dict[str, Any], save: Any,
          scratch_root: Path) -> None:
    corral = str(tools.REPO / ".venv/bin/corral")
    for hosts in args.scale:
        print(f"bench: scale {hosts} hosts", file=sys.stderr, flush=True)
        scratch = scratch_root / f"scale-{hosts}"
        try:
            with FleetSession(hosts, args.scale_latency, scratch,
                              layers=layers_dir(args, "scale")) as fs:
                inv = str(fs.inventories["py"])
                cases = {"fact server.Os": [corral, inv, "fact", "server.Os", "--json"],
                         "exec uptime": [corral, inv, "exec", "-y", "--json", "--", "uptime"]}
                for rep in range(args.reps):
                    for label, argv in cases.items():
                        argv = [*argv[:3], "--parallel", str(hosts), *argv[3:]]
                        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8",
                               "HOME": os.environ.get("HOME", "/root"), "NO_COLOR": "1"}
                        measure.warm_page_cache(*tools.warm_paths("corral", fs.fleet.image))
                        m = measure.run_measured(
                            argv, cwd=scratch, env=env, name=f"{label.split()[0]}-{rep}",
                            logs=fs.logs, hosts_cg=fs.hosts_cg, relay_cg=fs.relay_cg,
                            out_dir=scratch / "output")
                        answered = _hosts_answered(m.stdout)
                        status = "ok" if m.exit_code == 0 and answered == hosts else (
                            f"exit {m.exit_code}, {answered}/{hosts} hosts answered")
                        record = {"case": label, "hosts": hosts, "rep": rep,
                                  "latency_ms": args.scale_latency,
                                  "fleet_start_s": round(fs.start_s, 2),
                                  "command": shlex.join(argv), "status": status,
                                  **m.summary()}
                        print(f"bench:   {label} {hosts} hosts: {m.wall_s:.2f}s, "
                              f"{(m.memory_peak_bytes or 0) / 2**20:.0f} MiB, {status}",
                              file=sys.stderr, flush=True)
                        results["scale"].append(record)
                        save()
        except Exception as exc:
            results["scale"].append({"case": "fleet", "hosts": hosts,
                                     "status": f"error: {type(exc).__name__}: {exc}"})
            save()


def _hosts_answered(stdout: str) -> int:
    """Hosts with status ok/changed in corral's ``host_done`` events."""
    answered = 0
    for line in stdout.splitlines():
        if '"host_done"' in line:
            event = json.loads(line)
            answered += event["result"]["status"] in ("ok", "changed")
    return answered


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        print("bench: needs root (the test fleet: namespaces, mounts, cgroups)", file=sys.stderr)
        return 4
    versions = {"corral": tools.corral_version()}
    needed = {"plot"} | {tools.VARIANTS[t].tool for t in args.tools} - {"corral"}
    for name in sorted(needed):
        versions[tools.DISTRIBUTION[name]] = tools.ensure_venv(name, args.refresh_venvs)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = args.out or RESULTS / f"{stamp}{'-quick' if args.quick else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "command": "bench/run" + ("" if not sys.argv[1:] else " " + shlex.join(sys.argv[1:])),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(),
        "versions": versions, "options": {k: (str(v) if isinstance(v, Path) else v)
                                          for k, v in vars(args).items()},
        "runs": [], "scale": []}
    results["versions"]["openssh (hosts)"] = _host_openssh()

    def save() -> None:
        results["summary"] = report.summarise(results)
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=1))
        tmp.replace(out)

    scratch_root = Path(tempfile.mkdtemp(prefix="corral-bench-", dir="/var/tmp"))
    began = time.perf_counter()
    try:
        matrix(args, results, save, scratch_root)
        scale(args, results, save, scratch_root)
    finally:
        results["duration_s"] = round(time.perf_counter() - began, 1)
        results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        save()
        shutil.rmtree(scratch_root, ignore_errors=True)
    latest = RESULTS / "latest.json"
    if out.resolve() != latest.resolve():
        shutil.copyfile(out, latest)
    print(f"bench: results in {out}", file=sys.stderr)
    if not args.no_report:
        subprocess.run([str(tools.venv_python("plot")), str(tools.REPO / "bench/report.py"),
                        str(out)], check=True)
    bad = [r for r in results["runs"] if r.get("status") != "ok"]
    bad += [r for r in results["scale"] if r.get("status") != "ok"]
    for r in bad:
        print(f"bench: FAILED {r.get('workload', r.get('case'))} {r['hosts']} hosts "
              f"{r.get('variant', '')}: {r['status']}", file=sys.stderr)
    return 1 if bad else 0


def _host_openssh() -> str:
    from corral.testing import image
    try:
        root = image.build(quiet=True)
        out = subprocess.run(["chroot", str(root), "dpkg-query", "-W", "-f=${Version}",
                              "openssh-server"], capture_output=True, text=True, check=False)
        return out.stdout.strip() or "?"
    except Exception:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
