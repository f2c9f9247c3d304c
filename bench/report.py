"""Turn a results JSON of bench/run into docs/benchmarks.md and its plots.

    python bench/report.py bench/results/latest.json      # (needs matplotlib: the plot venv)

``summarise`` (medians, pair-by-pair ratios, targets) needs only the standard library:
bench/bench.py stores its output in the JSON too.
"""

from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
LABELS = {"corral": "corral", "pyinfra": "pyinfra", "ansible": "Ansible (defaults)",
          "ansible-fast": "Ansible (pipelining + ControlPersist)"}
ORDER = list(LABELS)
METRICS = ("wall_s", "cpu_s", "memory_peak_bytes", "host_cpu_s", "relay_cpu_s",
           "sessions_per_host_max", "connections_per_host_max", "changes_total",
           "changes_per_host_max", "tool_invocations_per_host_max")


def _median(values: list[Any]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(results: dict[str, Any]) -> dict[str, Any]:
    runs = [r for r in results.get("runs", []) if "first" in r and "second" in r]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        groups[(r["workload"], r["hosts"], r["latency_ms"], r["variant"], r["mode"])].append(r)
    rows = []
    for (workload, hosts, latency, variant, mode), rs in groups.items():
        row: dict[str, Any] = {"workload": workload, "hosts": hosts, "latency_ms": latency,
                               "variant": variant, "mode": mode, "parallel": rs[0]["parallel"],
                               "reps": len(rs), "ok": sum(r["status"] == "ok" for r in rs),
                               "statuses": sorted({r["status"] for r in rs})}
        for phase in ("first", "second"):
            row[phase] = {m: _median([r[phase].get(m) for r in rs]) for m in METRICS}
        rows.append(row)
    # pair by pair: each run against corral's run of the same repetition
    by_rep = {(r["workload"], r["hosts"], r["latency_ms"], r["rep"], r["variant"], r["mode"]): r
              for r in runs}
    ratios: dict[tuple[Any, ...], dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for (w, h, lat, rep, variant, mode), r in by_rep.items():
        if variant == "corral":
            continue
        ref = by_rep.get((w, h, lat, rep, "corral", mode)) or by_rep.get(
            (w, h, lat, rep, "corral", "same"))
        if not ref:
            continue
        for phase in ("first", "second"):
            for m in ("wall_s", "cpu_s"):
                a, b = r[phase].get(m), ref[phase].get(m)
                if a and b:
                    ratios[(w, h, lat, variant, mode)][f"{phase}_{m}"].append(a / b)
    for row in rows:
        found = ratios.get((row["workload"], row["hosts"], row["latency_ms"], row["variant"],
                            row["mode"]), {})
        row["vs_corral"] = {k: _median(v) for k, v in found.items()}
    rows.sort(key=lambda r: (r["workload"], r["latency_ms"], r["hosts"], r["mode"] != "same",
                             ORDER.index(r["variant"]) if r["variant"] in ORDER else 99))
    return {"rows": rows, "scale": _scale(results.get("scale", [])),
            "targets": _targets(rows, results)}


def _scale(records: list[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        if "wall_s" in r:
            groups[(r["case"], r["hosts"])].append(r)
    rows = []
    for (case, hosts), rs in sorted(groups.items()):
        wall = _median([r["wall_s"] for r in rs])
        mem = _median([r["memory_peak_bytes"] for r in rs])
        cpu = _median([r["cpu_s"] for r in rs])
        rows.append({"case": case, "hosts": hosts, "reps": len(rs),
                     "ok": sum(r["status"] == "ok" for r in rs), "wall_s": wall, "cpu_s": cpu,
                     "memory_peak_bytes": mem,
                     "wall_ms_per_host": wall and 1000 * wall / hosts,
                     "cpu_ms_per_host": cpu and 1000 * cpu / hosts,
                     "memory_kib_per_host": mem and mem / 1024 / hosts,
                     "sessions_per_host_max": max(r["sessions_per_host_max"] for r in rs)})
    growth = []
    for case in sorted({r["case"] for r in rows}):
        rs = sorted((r for r in rows if r["case"] == case), key=lambda r: r["hosts"])
        if len(rs) >= 2 and rs[0]["wall_s"] and rs[-1]["wall_s"]:
            lo, hi = rs[0], rs[-1]
            mem_marginal = None
            if lo["memory_peak_bytes"] and hi["memory_peak_bytes"]:
                mem_marginal = ((hi["memory_peak_bytes"] - lo["memory_peak_bytes"])
                                / 1024 / (hi["hosts"] - lo["hosts"]))
            growth.append({
                "case": case, "from": lo["hosts"], "to": hi["hosts"],
                "hosts_factor": hi["hosts"] / lo["hosts"],
                "wall_factor": hi["wall_s"] / lo["wall_s"],
                "cpu_factor": hi["cpu_s"] / lo["cpu_s"] if lo["cpu_s"] else None,
                "memory_factor": (hi["memory_peak_bytes"] / lo["memory_peak_bytes"]
                                  if lo["memory_peak_bytes"] else None),
                "memory_kib_per_extra_host": mem_marginal})
    return {"rows": rows, "growth": growth}


def _find(rows: list[dict[str, Any]], **want: Any) -> dict[str, Any] | None:
    for r in rows:
        if all(r.get(k) == v for k, v in want.items()):
            return r
    return None


def _targets(rows: list[dict[str, Any]], results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with what this run measured (None: not measured)."""
    out = []
    at = {"workload": "config", "hosts": 50, "latency_ms": 20, "mode": "same"}

    def ratio(variant: str, key: str) -> float | None:
        r = _find(rows, variant=variant, **at)
        return r["vs_corral"].get(key) if r else None

    for label, variant, key, goal in (
            ("config, 50 hosts, 20 ms, first run: pyinfra / corral >= 8", "pyinfra",
             "first_wall_s", 8),
            ("config, 50 hosts, 20 ms, first run: Ansible (defaults) / corral >= 15",
             "ansible", "first_wall_s", 15),
            ("config, 50 hosts, 20 ms, first run: Ansible (pipelining) / corral >= 15",
             "ansible-fast", "first_wall_s", 15),
            ("config, 50 hosts, 20 ms, second run: pyinfra / corral >= 10", "pyinfra",
             "second_wall_s", 10)):
        value = ratio(variant, key)
        out.append({"target": label, "value": value and round(value, 2),
                    "met": None if value is None else value >= goal})
    sessions = [r[p]["sessions_per_host_max"] for r in rows
                if r["variant"] == "corral" and r["workload"] == "config"
                for p in ("first", "second") if r[p]["sessions_per_host_max"] is not None]
    invocations = [r[p]["tool_invocations_per_host_max"] for r in rows
                   if r["variant"] == "corral" and r["workload"] == "config"
                   for p in ("first", "second")
                   if r[p].get("tool_invocations_per_host_max") is not None]
    out.append({"target": "config: at most 4 remote invocations per host (sshd sessions)",
                "value": max(sessions) if sessions else None,
                "met": None if not sessions else max(sessions) <= 4})
    out.append({"target": "config: at most 4 remote invocations per host (round trips on "
                          "the session, corral's own count)",
                "value": max(invocations) if invocations else None,
                "met": None if not invocations else max(invocations) <= 4})
    scale = _scale(results.get("scale", []))
    big = [r for r in scale["rows"] if r["hosts"] >= 1000 and r["memory_kib_per_host"]]
    worst = max((r["memory_kib_per_host"] for r in big), default=None)
    out.append({"target": "controller memory under 1 MB per host at 1,000 hosts",
                "value": worst and round(worst, 1), "unit": "KiB/host",
                "met": None if worst is None else worst < 1024})
    growth = scale["growth"]
    worst_growth = max((g["wall_factor"] / g["hosts_factor"] for g in growth
                        if g["hosts_factor"] >= 5), default=None)
    out.append({"target": "cost linear in hosts (read-only runs: time factor / host factor "
                          "<= 1.2 from the smallest to the largest fleet)",
                "value": worst_growth and round(worst_growth, 2),
                "met": None if worst_growth is None else worst_growth <= 1.2})
    return out


# ---------------------------------------------------------------- the page

def _f(value: Any, digits: int = 2, suffix: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def _mib(value: Any) -> str:
    return "-" if value is None else f"{value / 2**20:.0f}"


def plot(results: dict[str, Any], summary: dict[str, Any]) -> list[Path]:
    import matplotlib  # type: ignore[import-not-found]  # the plot venv's
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # type: ignore[import-not-found]

    paths = []
    rows = [r for r in summary["rows"] if r["mode"] == "same"]
    for workload in sorted({r["workload"] for r in rows}):
        wr = [r for r in rows if r["workload"] == workload]
        latencies = sorted({r["latency_ms"] for r in wr})
        fig, axes = plt.subplots(2, len(latencies), figsize=(5.5 * len(latencies), 7),
                                 squeeze=False)
        for col, lat in enumerate(latencies):
            for rowi, phase in enumerate(("first", "second")):
                ax = axes[rowi][col]
                for variant in ORDER:
                    pts = sorted((r["hosts"], r[phase]["wall_s"]) for r in wr
                                 if r["latency_ms"] == lat and r["variant"] == variant
                                 and r[phase]["wall_s"] is not None)
                    if pts:
                        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o",
                                label=LABELS[variant])
                ax.set_title(f"{workload}: {phase} run, {lat} ms RTT")
                ax.set_xlabel("hosts")
                ax.set_ylabel("wall time (s)")
                ax.set_xscale("log")
                ax.set_yscale("log")
                ax.grid(True, which="both", alpha=0.3)
                ax.legend(fontsize=7)
        fig.suptitle(f"{workload}: wall time against hosts (medians; same parallelism)")
        fig.tight_layout()
        path = DOCS / f"benchmarks-{workload}.png"
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)
    return paths


def page(results: dict[str, Any], summary: dict[str, Any], plots: list[Path]) -> str:
    m, v = results["machine"], results["versions"]
    out = ["# Benchmarks", "",
           "corral against pyinfra and Ansible on the same hosts in the same run. This page is "
           "generated by `bench/report.py` from the JSON that `bench/run` writes (the "
           "analysis at the end from `bench/analysis.md`); do not edit it by hand.", "",
           "## Running it", "",
           "    bench/run                 # the full suite (long: see the options)",
           "    bench/run --quick         # smoke test: 10 hosts, 1 repetition, 0 ms",
           "    bench/run --hosts 10,50 --latency 20 --reps 3 --tools corral,pyinfra "
           "--workloads config --scale ''",
           "", "Options: `--hosts`, `--latency` (ms of added round trip), `--reps`, `--tools` "
           "(corral, pyinfra, ansible, ansible-fast), `--workloads` (config, lamp), `--modes` "
           "(same, default), `--parallel`, `--scale` (host counts of the read-only runs), "
           "`--ansible-max-hosts` (50), `--lamp-max-hosts` (50), `--layers` (auto, memory, disk), "
           "`--no-report`. Needs root "
           "(the test fleet). The first run creates the competitors' virtual environments "
           "under `/var/cache/corral-bench/venvs` (`CORRAL_BENCH_CACHE`).", "",
           "## This run", "",
           f"- command: `{results['command']}`",
           f"- started {results['started']}, finished {results.get('finished', '-')}, "
           f"{_f(results.get('duration_s'), 0)} s",
           f"- machine: {m['cpu']}, {m['cpus']} CPUs, {m['memory_gib']} GiB, {m['os']}, "
           f"kernel {m['kernel']}, Python {m['python']}; load average at start "
           f"{' '.join(m['loadavg_at_start'])}; cgroups: {m['cgroups']}",
           "- versions: " + ", ".join(f"{k} {val}" for k, val in v.items()),
           "- hosts: corral's test fleet (real OpenSSH servers in their own namespaces on "
           "loopback addresses, sharing this machine's CPUs with the controller); latency "
           "from the fleet's userspace relay; the hosts' writable layers in memory "
           "(`/dev/shm`), except for `lamp` (on disk, `/var/tmp`), unless a row says "
           "otherwise (`--layers`); every run starts on a warm page cache (its tool's "
           "installation, the interpreter's library and the hosts' programs are read "
           "first)", ""]
    out += _targets_md(summary)
    out += _method_md()
    for workload in sorted({r["workload"] for r in summary["rows"]}):
        out += _workload_md(workload, [r for r in summary["rows"] if r["workload"] == workload])
        for p in plots:
            if p.name == f"benchmarks-{workload}.png":
                out += [f"![{workload}: wall time against hosts]({p.name})", ""]
    out += _scale_md(summary["scale"])
    out += _failures_md(results)
    return "\n".join(out) + "\n"


def _targets_md(summary: dict[str, Any]) -> list[str]:
    out = ["## Targets (from the benchmark issue)", "", "| target | measured | met |",
           "| --- | --- | --- |"]
    for t in summary["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured in this run"}[t["met"]]
        out.append(f"| {t['target']} | {_f(t['value'])}{' ' + t['unit'] if t.get('unit') and t['value'] is not None else ''} | {met} |")  # noqa: E501
    return [*out, ""]


def _method_md() -> list[str]:
    return [
        "## What is measured", "",
        "Each row: a fresh fleet, the tool's **first run** (everything changes), the "
        "verifier, the **second run** (nothing may change; the tool's own change count is "
        "read from its output: corral's `--json` `operation` and `host_done` events, "
        "pyinfra's `[host] Success` lines, Ansible's PLAY RECAP `changed=`), the verifier "
        "again. A row is ok only if both runs exit 0, every host is reported, the first run "
        "changed every host, the second changed none, and the verifier (`bench/verify.py`: "
        "owners, modes, contents, rendered per-host values, packages, link, marker) passes on"
        " every host after both runs.", "",
        "- **wall**: the tool's process, start to exit.",
        "- **CPU**: controller CPU of the tool's whole process tree (its own cgroup: "
        "`cpuacct.usage` on cgroup v1, `cpu.stat` on v2; ssh children and ControlPersist "
        "masters included).",
        "- **mem**: peak memory of that cgroup (`memory.max_usage_in_bytes` on v1, "
        "`memory.peak` on v2), all processes at once; on v1 it includes page cache the "
        "run brought in.",
        "- **host CPU**: CPU used by all the fleet's processes (sshd, shells, commands; one "
        "cgroup) during the run; **relay CPU** (the latency relay) is shown apart.",
        "- **sessions/host**: `Starting session:` lines in the host's sshd log (LogLevel "
        "VERBOSE) during the run, the most of any host: the same measure for every tool "
        "(exec, shell and subsystem channels: Ansible's sftp and commands, pyinfra's "
        "commands, corral's one persistent shell). corral also reports its own round trips "
        "on that shell (`invocations`), shown as *corral rt*.",
        "- **x corral**: this tool's time divided by corral's in the same repetition "
        "(corral at the same parallelism; for default-parallelism rows, corral at its "
        "default), median over repetitions. Other columns are medians.",
        "- Parallelism: *same* rows tell every tool the same number (pyinfra `--parallel`, "
        "Ansible `--forks`, corral `--parallel`; all hosts at once unless `--parallel`); "
        "*default* rows use each tool's default (corral 50, pyinfra 20 x CPUs, Ansible 5 "
        "forks) and are left out where that equals the *same* row.",
        "- Ansible runs with `gather_facts: false` (the plays need no facts) and "
        "`ansible_python_interpreter=/usr/bin/python3` (no discovery); its defaults "
        "already include `ControlPersist=60s`; the second configuration adds pipelining. "
        "Leftover ControlPersist masters are killed after each run, so every run starts "
        "cold like the other tools' runs.", ""]


def _workload_md(workload: str, rows: list[dict[str, Any]]) -> list[str]:
    out = [f"## Workload `{workload}`", ""]
    if workload == "config":
        out += ["21 operations that download nothing: a group and a user; five directories "
                "with owner and mode; five uploaded files; two Jinja2 templates with per-host "
                "variables; three lines in a file; a sysctl drop-in file (written, never "
                "applied); a package that is already installed; a symlink; a shell command "
                "guarded by a marker file (pyinfra and corral: a `File` fact read in the "
                "deploy; Ansible: `creates:`). Sources: `bench/workloads/config/`.", ""]
    else:
        out += ["Apache, MariaDB and PHP (apache2, mariadb-server, php, libapache2-mod-php, "
                "php-mysql) installed from the image's local package repository (apt update "
                "with a cache time, then install) and a firewall rules file (a file only, "
                "never applied). Sources: `bench/workloads/lamp/`.", ""]
    out += ["| hosts | RTT | tool | par. | first wall s | x corral | second wall s | "
            "x corral | CPU s 1st/2nd | mem MiB | host CPU s 1st/2nd | relay CPU s | "
            "sessions/host 1st/2nd | corral rt 1st/2nd | changes 1st/2nd | ok |",
            "| " + " | ".join(["---"] * 16) + " |"]
    for r in rows:
        f, s, vs = r["first"], r["second"], r["vs_corral"]
        label = LABELS.get(r["variant"], r["variant"])
        if r["mode"] == "default":
            label += " (default par.)"
        rt = ("-" if f.get("tool_invocations_per_host_max") is None else
              f"{_f(f['tool_invocations_per_host_max'])}/{_f(s['tool_invocations_per_host_max'])}")
        ok = f"{r['ok']}/{r['reps']}"
        if r["ok"] != r["reps"]:
            ok = f"**{ok}**"
        out.append(" | ".join([
            f"| {r['hosts']}", f"{r['latency_ms']} ms", label, str(r["parallel"]),
            _f(f["wall_s"]), _f(vs.get("first_wall_s"), 1, "x"), _f(s["wall_s"]),
            _f(vs.get("second_wall_s"), 1, "x"), f"{_f(f['cpu_s'])}/{_f(s['cpu_s'])}",
            _mib(max(x for x in (f["memory_peak_bytes"], s["memory_peak_bytes"], 0)
                     if x is not None) or None),
            f"{_f(f['host_cpu_s'])}/{_f(s['host_cpu_s'])}",
            _f(f["relay_cpu_s"]) if r["latency_ms"] else "-",
            f"{_f(f['sessions_per_host_max'], 0)}/{_f(s['sessions_per_host_max'], 0)}", rt,
            f"{_f(f['changes_total'], 0)}/{_f(s['changes_total'], 0)}", f"{ok} |"]))
    return [*out, ""]


def _scale_md(scale: dict[str, Any]) -> list[str]:
    if not scale["rows"]:
        return []
    out = ["## Scale: read-only runs", "",
           "`corral INVENTORY fact server.Os` and `corral INVENTORY exec -y -- uptime`, all "
           "hosts at once (`--parallel` = hosts). Medians.", "",
           "| command | hosts | wall s | ms/host | CPU s | CPU ms/host | mem MiB | "
           "KiB/host | sessions/host | ok |", "| " + " | ".join(["---"] * 10) + " |"]
    for r in scale["rows"]:
        out.append(f"| `{r['case']}` | {r['hosts']} | {_f(r['wall_s'])} | "
                   f"{_f(r['wall_ms_per_host'], 1)} | {_f(r['cpu_s'])} | "
                   f"{_f(r['cpu_ms_per_host'], 1)} | {_mib(r['memory_peak_bytes'])} | "
                   f"{_f(r['memory_kib_per_host'], 0)} | {r['sessions_per_host_max']} | "
                   f"{r['ok']}/{r['reps']} |")
    if scale["growth"]:
        out += ["", "Growth from the smallest to the largest fleet (linear: time and CPU "
                "factors equal to the host factor; memory: fixed interpreter cost plus a "
                "per-host part):", "",
                "| command | hosts | x hosts | x wall | x CPU | x memory | KiB per extra host |",
                "| --- | --- | --- | --- | --- | --- | --- |"]
        for g in scale["growth"]:
            out.append(f"| `{g['case']}` | {g['from']} -> {g['to']} | "
                       f"{_f(g['hosts_factor'], 1)} | {_f(g['wall_factor'], 1)} | "
                       f"{_f(g['cpu_factor'], 1)} | {_f(g['memory_factor'], 1)} | "
                       f"{_f(g['memory_kib_per_extra_host'], 0)} |")
    return [*out, ""]


def _failures_md(results: dict[str, Any]) -> list[str]:
    bad = [r for r in results["runs"] if r.get("status") != "ok"]
    bad += [r for r in results["scale"] if r.get("status") != "ok"]
    if not bad:
        return ["## Failures", "", "None: every row's runs exited 0, converged and passed "
                "the verifier.", ""]
    out = ["## Failures", ""]
    for r in bad:
        what = r.get("variant") or r.get("case")
        out.append(f"- {r.get('workload', 'scale')}, {r['hosts']} hosts, "
                   f"{r.get('latency_ms', 0)} ms, {what}, repetition {r.get('rep', 0)}: "
                   f"{r['status']}")
        for phase in ("first", "second"):
            p = r.get(phase) or {}
            for problem in p.get("verify_problems", []):
                out.append(f"  - {phase} run, verifier: {problem}")
            if p.get("output_tail"):
                tail = p["output_tail"].strip().splitlines()[-1][:300]
                out.append(f"  - {phase} run output ends: `{tail}`")
    return [*out, ""]


def merge(paths: list[Path]) -> dict[str, Any]:
    """Several results files of bench/run as one: their rows and scale runs together,
    each file's command listed (ratios stay within each file's own runs)."""
    parts = [json.loads(p.read_text()) for p in paths]
    if len(parts) == 1:
        return dict(parts[0])
    merged = dict(parts[0])
    merged["command"] = " ; ".join(p["command"] for p in parts)
    # the files may come in any order: the span is from the earliest start to the last end
    starts = [p["started"] for p in parts if p.get("started")]
    ends = [p["finished"] for p in parts if p.get("finished")]
    merged["started"] = min(starts) if starts else None
    merged["finished"] = max(ends) if ends else None
    merged["versions"] = {k: v for p in parts for k, v in p.get("versions", {}).items()}
    merged["duration_s"] = sum(p.get("duration_s") or 0 for p in parts)
    # a run is paired with corral's run of the same file and repetition
    merged["runs"] = [r if i == 0 else {**r, "rep": f"{i}.{r.get('rep', 0)}"}
                      for i, p in enumerate(parts) for r in p.get("runs", [])]
    merged["scale"] = [r for p in parts for r in p.get("scale", [])]
    return merged


def main(argv: list[str]) -> int:
    """``report.py [results.json ...]``: the page from one or more results files (default
    bench/results/latest.json); bench/analysis.md, hand-written, is appended."""
    paths = [Path(a) for a in argv] or [REPO / "bench/results/latest.json"]
    results = merge(paths)
    summary = summarise(results)
    plots = plot(results, summary)
    text = page(results, summary, plots)
    analysis = REPO / "bench/analysis.md"
    if analysis.exists():
        text = text.rstrip("\n") + "\n\n" + analysis.read_text()
    (DOCS / "benchmarks.md").write_text(text)
    print(f"report: wrote {DOCS / 'benchmarks.md'} and {', '.join(p.name for p in plots)}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
