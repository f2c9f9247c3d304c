"""What recording the run history costs: wall time with and without it, and the bytes the
store grows by per host-operation, on a real fleet (docs/history.md quotes its output).

    .venv/bin/python bench/history_cost.py [--hosts 20] [--rounds 5] [--read-only]

``--read-only``: a deploy that changes nothing on the hosts (a directory and a file that
are there, a command that only reads), so every round does the same work: the row at 100
and 300 hosts in docs/history.md. The overhead line is the difference of the medians, and
the spread (lowest and highest) of each side says how far to trust it.

Each round runs the same deploy (a file put, a line in a file, a command whose output is
kept; converged after the first round, as most runs are) with --no-history and then with
the history, alternately; the wall times are the medians. The store's size is read after
each recorded run (``page_count * page_size`` once the write-ahead log is folded in).
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corral.testing.fleet import Fleet

DEPLOY = """\
from corral.operations import files, server
files.put(src='deploy.py', dest='/root/history-cost/deploy.py')
files.line(path='/root/history-cost/settings', line='answer = 42')
server.shell(name='uptime', commands=['uptime; uname -a'])
"""
READ_ONLY = """\
from corral.operations import files, server
files.directory(name='tmp', path='/tmp', present=True)
files.file(name='hostname', path='/etc/hostname', present=True)
server.shell(name='uptime', commands=['uptime; uname -a'])
"""
OPERATIONS = 3


def size(path: Path) -> int:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        page = db.execute("PRAGMA page_size").fetchone()[0]
    return int(pages * page)


def cpu_of_children() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(site: Path, *extra: str) -> tuple[float, float]:
    """One run of corral: its wall time and the CPU it (and its workers) used."""
    env = {k: v for k, v in os.environ.items() if k != "CORRAL_NO_HISTORY"}
    cpu = cpu_of_children()
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "corral", "inventory.py", "deploy.py", "-y",
                           "-q", *extra], cwd=site, env=env, capture_output=True, text=True)
    took = time.monotonic() - began
    if done.returncode != 0:
        raise SystemExit(f"corral exited {done.returncode}: {done.stderr}")
    return took, cpu_of_children() - cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--read-only", action="store_true",
                        help="a deploy that changes nothing on the hosts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="corral-history-cost-") as tmp:
        site = Path(tmp)
        fleet = Fleet(args.hosts, 0, site / "fleet").start()
        try:
            fleet.write_inventory(site / "inventory.py")
            (site / "deploy.py").write_text(READ_ONLY if args.read_only else DEPLOY)
            run(site, "--no-history")  # the first run changes the hosts; not counted
            off: list[tuple[float, float]] = []
            on: list[tuple[float, float]] = []
            growth: list[int] = []
            store = site / ".corral" / "history.db"
            for _ in range(args.rounds):
                off.append(run(site, "--no-history"))
                before = size(store) if store.exists() else 0
                on.append(run(site))
                growth.append(size(store) - before)
        finally:
            fleet.stop()
    host_ops = args.hosts * OPERATIONS
    steady = growth[1:] or growth
    kind = "read-only deploy" if args.read_only else "deploy"
    print(f"{args.hosts} hosts x {OPERATIONS} operations ({kind}), {args.rounds} rounds")
    for what, index in (("wall time", 0), ("corral's CPU", 1)):
        without = [r[index] for r in off]
        with_ = [r[index] for r in on]
        print(f"{what} without history: {statistics.median(without):.3f}s (median; "
              f"{min(without):.3f} to {max(without):.3f})")
        print(f"{what} with history:    {statistics.median(with_):.3f}s (median; "
              f"{min(with_):.3f} to {max(with_):.3f})")
        extra = statistics.median(with_) - statistics.median(without)
        print(f"{what} overhead: {extra:+.3f}s "
              f"({100 * extra / statistics.median(without):+.1f}%)")
    print(f"store growth per run: {statistics.median(steady):.0f} bytes; "
          f"per host-operation: {statistics.median(steady) / host_ops:.0f} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
