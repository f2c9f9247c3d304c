"""Runs on N fleet hosts with 1 and 2 worker processes: wall time, controller CPU (the CLI
and its worker processes, from rusage) and peak memory summed over them.

    sudo .venv/bin/python bench/workers.py 200 500 --workers 1,2
    sudo .venv/bin/python bench/workers.py 1000 2000 --workers 1,2 --workload config
    sudo .venv/bin/python bench/workers.py 200 --workers 1,3 --cluster tcp://127.0.0.1:8786

``--workload readonly`` (the default): bench/workloads/readonly, a fact and two operations
with nothing to change. ``--workload config``: bench/workloads/config (the benchmark's
configuration workload, 24 operations: users, directories, files, templates, lines, a
package, a link); its first run (which changes every host) is measured once, with the
first worker count, and then each worker count's converged run.

With ``--cluster``, each worker count is also run on that Dask cluster (as that many
shards; the deploy and inventory copied into one project directory, which is what the
workers are sent); the CPU and memory are then the controller's alone (the shards run in
the Dask workers' processes).

Each host count starts its own fleet (in a scratch directory), runs the read-only deploy
(bench/workloads/readonly) once to warm the page cache, then once per worker count, and
stops the fleet. Results: one JSON line per run on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORKLOADS = REPO / "bench/workloads"
CORRAL = REPO / ".venv/bin/corral"


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                text = Path(f"/proc/{p}/task/{task}/children").read_text()
                todo += [int(c) for c in text.split()]
        except OSError:
            pass
    return found


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def _hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def measured(argv: list[str], cwd: Path) -> dict[str, object]:
    """Run ``argv``; wall time, CPU of it and its descendants (rusage of the reaped
    children), peak RSS of each process (VmHWM, sampled every 20 ms) summed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, "NO_COLOR": "1"})
    # per process, by what it runs: a child seen between fork and exec still has its
    # parent's memory and command line; its peak is counted as the program it becomes, and
    # not at all if it ends before it is seen as that program (a short `git`)
    peaks: dict[int, tuple[str, int]] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for p in _descendants(proc.pid):
                try:
                    cmdline = Path(f"/proc/{p}/cmdline").read_text()
                except OSError:
                    continue
                if not cmdline:  # ended (a zombie): its peak is known already
                    continue
                parent = _parent(p)
                if parent in peaks and peaks[parent][0] == cmdline and p != proc.pid:
                    continue  # forked, not yet the program it runs: its parent's memory
                hwm = _hwm_kib(p)
                seen = peaks.get(p)
                if seen is None or seen[0] != cmdline:
                    peaks[p] = (cmdline, hwm)
                else:
                    peaks[p] = (cmdline, max(seen[1], hwm))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.monotonic() - began
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user = after.ru_utime - before.ru_utime
    system = after.ru_stime - before.ru_stime
    cpu = user + system
    answered = sum(1 for line in out.decode().splitlines()
                   if '"host_done"' in line
                   and json.loads(line)["result"]["status"] in ("ok", "changed"))
    peak_kib = sum(k for _, k in peaks.values())
    # system time includes the kernel's work on each packet sent: on loopback, the
    # receiving side's network stack runs in the sender's system call
    return {"exit_code": proc.returncode, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "user_s": round(user, 2), "system_s": round(system, 2),
            "processes": len(peaks), "peak_rss_mib_sum": round(peak_kib / 1024, 1),
            "hosts_ok": answered}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("hosts", type=int, nargs="+")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--cluster", default=None, help="a Dask scheduler's address")
    parser.add_argument("--workload", choices=("readonly", "config"), default="readonly")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "src"))
    sys.path.insert(0, str(REPO / "bench"))
    from corral.testing.fleet import Fleet
    from tools import write_inventories

    source = WORKLOADS / args.workload / "corral_deploy.py"

    for hosts in args.hosts:
        with tempfile.TemporaryDirectory(prefix=f"corral-workers-{hosts}-") as scratch:
            fleet = Fleet(hosts, 0, Path(scratch) / "fleet").start(timeout=600)
            try:
                project = Path(scratch) / "project"
                # the workload's own directory holds its files and templates: a copy of it
                subprocess.run(["cp", "-r", str(source.parent), str(project)], check=True)
                (project / "deploy.py").write_text(source.read_text())
                inv = str(write_inventories(fleet, project)["py"])
                deploy = str(project / "deploy.py")
                base = [str(CORRAL), inv, deploy, "-y", "--json", "--parallel", str(hosts)]
                counts = args.workers.split(",")
                runs = [("converged", [*base, "--workers", w]) for w in counts]
                if args.cluster:
                    runs += [("converged", [*base, "--workers", w, "--cluster", args.cluster])
                             for w in counts]
                if args.workload == "config":  # the first run: every host changes
                    runs.insert(0, ("first", [*base, "--workers", counts[0]]))
                else:  # the same run once before, to warm the page cache
                    measured([*base, "--workers", "1"], Path(scratch))
                for kind, argv in runs:
                    workers = argv[argv.index("--workers") + 1]
                    m = measured(argv, Path(scratch))
                    m.update(hosts=hosts, workers=int(workers), cluster="--cluster" in argv,
                             workload=args.workload, run=kind,
                             kib_per_host=round(
                                 float(m["peak_rss_mib_sum"]) * 1024 / hosts,  # type: ignore[arg-type]
                                 1),
                             cpu_ms_per_host=round(1000 * float(m["cpu_s"]) / hosts, 2),  # type: ignore[arg-type]
                             command=" ".join(argv[1:]).replace(scratch, "$SCRATCH"))
                    print(json.dumps(m), flush=True)
            finally:
                fleet.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
