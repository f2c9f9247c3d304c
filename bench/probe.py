"""Where a host's CPU goes: two probes on a small fresh fleet (root; the test image).

    bench/probe.py costs [--reps 5]       host CPU of single commands run by `corral exec`
                                          (the hosts' cgroup), medians
    bench/probe.py processes [--hosts 5]  the processes of corral's `config` first and
                                          second run, counted by BSD process accounting
                                          (needs `accton`, Debian's `acct` package)

The numbers quoted in bench/analysis.md come from these.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench
import tools

CORRAL = str(tools.REPO / ".venv/bin/corral")
LOOP20 = " ".join(str(i) for i in range(1, 21))
COSTS = {
    "connect and run true": "true",
    "20 execs of /bin/true": f"for i in {LOOP20}; do /bin/true; done",
    "20 subshells": f"for i in {LOOP20}; do ( : ); done",
    "groupadd and useradd": "groupadd g$$ && useradd -d /home/u$$ -s /bin/sh -g g$$ -M u$$",
    "5 install -d with owner": "for i in 1 2 3 4 5; do "
                               "install -d -m 750 -o corral -g corral /srv/d$$-$i; done",
    "5 files written and moved": "for i in 1 2 3 4 5; do "
                                 "echo x > /tmp/f$$-$i.t && mv /tmp/f$$-$i.t /tmp/f$$-$i; done",
    "5 chown": "for i in 1 2 3 4 5; do chown corral:corral /etc/hostname; done",
}


@contextlib.contextmanager
def _fleet(hosts: int) -> Iterator[bench.FleetSession]:
    """A fresh fleet of ``hosts`` with the benchmark's layers in memory, and a scratch
    directory for its inventories, both removed afterwards."""
    scratch = Path(tempfile.mkdtemp(prefix="corral-probe-", dir="/var/tmp"))
    try:
        with bench.FleetSession(hosts, 0, scratch, layers=bench.MEMORY_LAYERS) as fs:
            yield fs
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def costs(reps: int) -> None:
    with _fleet(1) as fs:
        if fs.hosts_cg is None:
            raise SystemExit("probe: needs cgroups (the hosts' CPU)")
        inv = str(fs.inventories["py"])
        found: dict[str, list[float]] = collections.defaultdict(list)
        for _ in range(reps):
            for label, command in COSTS.items():
                before = fs.hosts_cg.cpu_seconds() or 0.0
                done = subprocess.run([CORRAL, inv, "exec", "-y", "--", command],
                                      capture_output=True, text=True, check=False)
                time.sleep(0.3)  # the session's processes have exited
                if done.returncode:
                    raise SystemExit(f"probe: {label}: {done.stdout}{done.stderr}")
                found[label].append(((fs.hosts_cg.cpu_seconds() or 0.0) - before) * 1000)
        for label, values in found.items():
            print(f"{label:28s} {statistics.median(values):6.1f} ms of host CPU "
                  f"(median of {reps}; {min(values):.1f}-{max(values):.1f})")


def _accounted(pacct: Path) -> list[dict[str, str]]:
    out = subprocess.run(["dump-acct", str(pacct)], capture_output=True, text=True,
                         check=True).stdout
    rows = []
    for line in out.splitlines():
        f = [x.strip() for x in line.split("|")]
        rows.append({"comm": f[0], "pid": f[9], "ppid": f[10], "flags": f[11]})
    return rows


def _on_host(row: dict[str, str], by_pid: dict[str, dict[str, str]]) -> bool:
    """A host's process: not the controller (``corral`` and its children) nor the probe's
    own ``accton`` (the probe runs alone: every other process that ended is a host's)."""
    if row["comm"] == "accton":
        return False
    for _ in range(64):
        if row["comm"] == "corral":
            return False
        if row["ppid"] not in by_pid:
            return True
        row = by_pid[row["ppid"]]
    return True


def processes(hosts: int) -> None:
    if not shutil.which("accton"):
        raise SystemExit("probe: needs accton (apt-get install acct)")
    try:
        with _fleet(hosts) as fs:
            argv, env, cwd = tools.command(tools.VARIANTS["corral"], "config", fs.inventories,
                                           hosts, fs.scratch)
            for label in ("first", "second"):
                pacct = fs.scratch / f"{label}.pacct"
                pacct.touch()
                subprocess.run(["accton", str(pacct)], check=True, capture_output=True)
                try:
                    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True,
                                          check=False)
                finally:
                    subprocess.run(["accton", "off"], check=True, capture_output=True)
                if done.returncode:
                    raise SystemExit(f"probe: corral's {label} run failed")
                rows = _accounted(pacct)
                by_pid = {r["pid"]: r for r in rows}
                hosted = [r for r in rows if _on_host(r, by_pid)]
                kinds = collections.Counter(
                    r["comm"] + (" (forked, no exec)" if "F" in r["flags"] else "")
                    for r in hosted)
                print(f"{label} run: {len(hosted) / hosts:.1f} processes per host")
                for kind, n in kinds.most_common():
                    print(f"    {n / hosts:5.1f}  {kind}")
    finally:
        subprocess.run(["accton", "off"], check=False, capture_output=True)


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="bench/probe.py", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="probe", required=True)
    sub.add_parser("costs").add_argument("--reps", type=int, default=5)
    sub.add_parser("processes").add_argument("--hosts", type=int, default=5)
    args = p.parse_args(argv)
    if args.probe == "costs":
        costs(args.reps)
    else:
        processes(args.hosts)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
