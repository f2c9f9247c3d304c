"""``corral history ...``: the runs recorded in the history store (docs/history.md).

A thin client: the questions are :mod:`corral.history`'s (list_runs, show_run,
host_timeline); this module formats their answers as text, or as JSON with ``--json``.
Exit codes: 0 done, 1 the store cannot be read, 2 (``history drift``) a host has drifted,
4 bad input (a filter that means nothing, no such run).
"""

from __future__ import annotations

import difflib
import json
import os
from typing import Any

import click

from corral import api, history

from .groups import run_group

_NAME = "corral history"


class _Unreadable(api.CorralError):
    exit_code = api.EXIT_FAILED


def open_store(ctx: click.Context) -> Any:
    """The store the command names (``--history``, the environment, or beside the
    inventory), opened for reading; one clear line (exit 1) when it cannot be."""
    given = ctx.obj["target"]
    target = given or os.environ.get(history.URL_VARIABLE) or history.default_target(
        ctx.obj["inventory"])
    try:
        return history.open_store(target, writing=False)
    except history.HistoryError as exc:
        hint = "" if given else " (--history URL or PATH names another store)"
        raise _Unreadable(f"{exc}{hint}") from None


def _since(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return history.parse_since(text)
    except history.QueryError as exc:
        raise api.BadInput(str(exc), file="command line") from None


def _emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _short(commit: str | None, dirty: bool | None) -> str:
    if not commit:
        return "-"
    return commit[:10] + ("+dirty" if dirty else "")


def _kind(run: dict[str, Any]) -> str:
    return "dry run" if run["kind"] == "run" and run["dry"] else str(run["kind"])


def _when(iso: str | None) -> str:
    return "-" if iso is None else iso.replace("T", " ").replace("+00:00", "")


def _deploys(run: dict[str, Any]) -> str:
    names = [f["path"] for f in run["files"] if f.get("role") == "deploy"]
    if names:
        return " ".join(names)
    options = run["options"]
    return str(options.get("target") or options.get("mode") or "-")


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@click.group(invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100})
@click.option("--history", "target", metavar="URL|PATH", default=None,
              help="The store (default: $CORRAL_HISTORY_URL, else .corral/history.db beside "
              "--inventory or in the working directory).")
@click.option("--inventory", "-i", metavar="FILE", default=None,
              help="The inventory file whose .corral/history.db to read.")
@click.option("--host", default=None, help="Runs on this host.")
@click.option("--group", default=None, help="Runs on a host of this inventory group.")
@click.option("--deploy", default=None, help="Runs of this deploy file (path or name).")
@click.option("--status", default=None, metavar="STATUS",
              help="ok, failed, pending, unreachable, bad input, interrupted, running, error.")
@click.option("--since", default=None, metavar="WHEN",
              help="Runs started since: 90m, 2h, 7d, 1w, or an ISO date or time (UTC).")
@click.option("-n", "--limit", type=click.IntRange(1), default=50, show_default=True,
              help="At most this many runs.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def main_group(ctx: click.Context, target: str | None, inventory: str | None,
               host: str | None, group: str | None, deploy: str | None, status: str | None,
               since: str | None, limit: int, as_json: bool) -> None:
    """The runs recorded in the history, newest first (filters: --host, --group, --deploy,
    --status, --since); `show RUN` one run in full; `host NAME` one host's timeline;
    `drift` each host's drift as the newest drift check (corral drift) found it; `diff
    RUN RUN` what differs between two runs; `prune --keep 90d` remove older runs.

    Exit codes: 0 done, 1 the store cannot be read, 2 (drift) a host has drifted, 4 bad
    input."""
    ctx.obj = {"target": target, "inventory": inventory, "as_json": as_json}
    if ctx.invoked_subcommand is not None:
        return
    filters = history.RunFilter(host=host, group=group, deploy=deploy, status=status,
                                since=_since(since), limit=limit)
    store = open_store(ctx)
    try:
        found = history.list_runs(store, filters)
    finally:
        store.close()
    if as_json:
        _emit_json(found)
        return
    if not found:
        click.echo("no runs recorded" + (" match" if any(
            (host, group, deploy, status, since)) else ""))
        return
    rows = [[str(r["id"]), _when(r["started_at"]), _kind(r), r["status"],
             str(r["user"] or "-"), str(r["hosts"] if r["hosts"] is not None else "-"),
             str(r["hosts_changed"] if r["hosts_changed"] is not None else "-"),
             str(r["hosts_failed"] if r["hosts_failed"] is not None else "-"),
             _deploys(r), _short(r["git_commit"], r["git_dirty"])] for r in found]
    _table(rows, ["RUN", "STARTED (UTC)", "KIND", "STATUS", "USER", "HOSTS", "CHANGED",
                  "FAILED", "DEPLOY", "COMMIT"])


def _json_flag(ctx: click.Context, as_json: bool) -> bool:
    return as_json or bool(ctx.obj["as_json"])


@main_group.command("show")
@click.argument("run_id", metavar="RUN", type=int)
@click.option("-v", "--verbose", is_flag=True, help="Every operation's commands and output.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def show(ctx: click.Context, run_id: int, verbose: bool, as_json: bool) -> None:
    """One run: who, where, from what, and per host each operation's status and diffs."""
    store = open_store(ctx)
    try:
        run = history.show_run(store, run_id)
    finally:
        store.close()
    if run is None:
        raise api.BadInput(f"no run {run_id} in the history", file="command line")
    if _json_flag(ctx, as_json):
        _emit_json(run)
        return
    _print_run(run, verbose)


def _print_run(run: dict[str, Any], verbose: bool) -> None:
    code = "" if run["exit_code"] is None else f" (exit {run['exit_code']})"
    click.echo(f"run {run['id']}: {_kind(run)}, {run['status']}{code}")
    click.echo(f"  started   {_when(run['started_at'])}  ended {_when(run['ended_at'])}")
    who = run["user"] or "-"
    if run["api_user"] and run["os_user"]:
        who = f"{run['api_user']} (as {run['os_user']})"
    click.echo(f"  by        {who} on {run['controller'] or '-'}")
    click.echo(f"  inventory {run['inventory'] or '-'}")
    for f in run["files"]:
        click.echo(f"  {f['role']:<9} {f['path']}  sha256 {(f['sha256'] or '?')[:16]}")
    click.echo(f"  commit    {_short(run['git_commit'], run['git_dirty'])}")
    options = {k: v for k, v in run["options"].items() if v not in (None, False, [], "")}
    if options:
        click.echo("  options   " + " ".join(f"{k}={v}" for k, v in options.items()))
    if run["error"]:
        click.echo(f"  error     {run['error']}")
    for h in run["hosts_detail"]:
        error = f": {h['error']}" if h["error"] else ""
        click.echo(f"\n{h['host']}: {h['status']}{error}")
        for op in h["operations"]:
            mark = " (output cut)" if op["truncated"] else ""
            click.echo(f"  [{op['status']}] {op['name']}{mark}")
            if op["error"]:
                click.echo(f"      error: {op['error']}")
            if verbose or op["status"] == "failed":
                for command, code_ in zip(op["commands"], op["exit_codes"] + [None] * len(
                        op["commands"]), strict=False):
                    suffix = "" if code_ is None else f"  -> exit {code_}"
                    click.echo(f"      $ {command}{suffix}")
                for name in ("stdout", "stderr"):
                    for line in op[name].splitlines():
                        click.echo(f"      {name}: {line}")
            for d in op["diffs"]:
                _print_diff(d)


def _print_diff(d: dict[str, Any]) -> None:
    if d.get("secret"):
        click.echo(f"      {d['path']}: content changed ({api.MASK})")
        return
    old = (d.get("old") or "").splitlines()
    new = (d.get("new") or "").splitlines()
    for line in difflib.unified_diff(old, new, f"{d['path']} (before)",
                                     f"{d['path']} (after)", lineterm="", n=2):
        click.echo(f"      {line}")


@main_group.command("host")
@click.argument("name")
@click.option("--since", default=None, metavar="WHEN", help="Runs started since (7d, ...).")
@click.option("-n", "--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def host(ctx: click.Context, name: str, since: str | None, limit: int, as_json: bool) -> None:
    """The timeline of one host: each run on it, its status there and what changed."""
    when = _since(since)
    store = open_store(ctx)
    try:
        found = history.host_timeline(store, name, limit=limit, since=when)
    finally:
        store.close()
    if _json_flag(ctx, as_json):
        _emit_json(found)
        return
    if not found:
        click.echo(f"no runs recorded on {name}")
        return
    for r in found:
        click.echo(f"{_when(r['started_at'])}  run {r['id']}  {_kind(r)}  "
                   f"{r['host_status']}  by {r['user'] or '-'}  {_deploys(r)}  "
                   f"{_short(r['git_commit'], r['git_dirty'])}")
        if r["host_error"]:
            click.echo(f"    error: {r['host_error']}")
        for change in r["changes"]:
            paths = f" ({', '.join(change['diffs'])})" if change["diffs"] else ""
            click.echo(f"    [{change['status']}] {change['name']}{paths}")


@main_group.command("drift")
@click.option("--host", default=None, help="This host alone.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def drift(ctx: click.Context, host: str | None, as_json: bool) -> int:
    """Per host, what the newest drift check (corral drift) found: drifted or in sync,
    since when, and the operations that would change. Exit 2 when a host has drifted."""
    store = open_store(ctx)
    try:
        found = history.drift_status(store, host)
    finally:
        store.close()
    code = api.EXIT_PENDING if any(h["drifted"] for h in found) else api.EXIT_OK
    if _json_flag(ctx, as_json):
        _emit_json(found)
        return code
    if not found:
        click.echo("no drift check recorded" + (f" on {host}" if host else ""))
        return code
    rows = [[h["host"], h["status"], _when(h["since"]) if h["since"] else "-",
             f"{_when(h['checked_at'])} (run {h['run']})",
             str(len(h["operations"])) + (" (applied since)" if h["applied_after"] else "")]
            for h in found]
    _table(rows, ["HOST", "DRIFT", "SINCE (UTC)", "CHECKED (UTC)", "OPERATIONS"])
    for h in found:
        if h["operations"]:
            click.echo(f"\n{h['host']}: would change")
            for op in h["operations"]:
                paths = f" ({', '.join(op['diffs'])})" if op["diffs"] else ""
                where = f"  [{op['location']}]" if op["location"] else ""
                click.echo(f"  {op['name']}{paths}{where}")
    return code


@main_group.command("diff")
@click.argument("first", metavar="RUN", type=int)
@click.argument("second", metavar="RUN", type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def diff(ctx: click.Context, first: int, second: int, as_json: bool) -> None:
    """What differs between two runs: their files and commit, and per host and operation
    the status, changed, commands, exit codes, diffs and error."""
    store = open_store(ctx)
    try:
        found = history.diff_runs(store, first, second)
    finally:
        store.close()
    if found is None:
        raise api.BadInput(f"no run {first} or no run {second} in the history",
                           file="command line")
    if _json_flag(ctx, as_json):
        _emit_json(found)
        return
    click.echo(f"run {first} -> run {second}")
    for name, (a, b) in found["run"].items():
        click.echo(f"  {name}: {a} -> {b}")
    for path, (a, b) in found["files"].items():
        click.echo(f"  {path}: sha256 {(a or '-')[:16]} -> {(b or '-')[:16]}")
    if not (found["run"] or found["files"] or found["hosts"]):
        click.echo("  no difference")
    for h in found["hosts"]:
        if h["only_in"]:
            click.echo(f"\n{h['host']}: only in run {found[h['only_in']]}")
            continue
        status = f": {h['status'][0]} -> {h['status'][1]}" if h["status"] else ""
        click.echo(f"\n{h['host']}{status}")
        for op in h["operations"]:
            if op["only_in"]:
                click.echo(f"  [{op['name']}] only in run {found[op['only_in']]}")
                continue
            click.echo(f"  [{op['name']}]")
            for field, (a, b) in op["differences"].items():
                click.echo(f"      {field}: {_brief(field, a)} -> {_brief(field, b)}")


def _brief(field: str, value: Any) -> str:
    if field == "diffs":
        return ", ".join(d["path"] for d in value) or "none"
    if field == "commands":
        return f"{len(value)} command(s)" if value else "none"
    return json.dumps(value, ensure_ascii=False)


@main_group.command("prune")
@click.option("--keep", required=True, metavar="SPAN",
              help="Keep the runs of this span (90d, 12w, ...); remove the older ones.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def prune(ctx: click.Context, keep: str, as_json: bool) -> None:
    """Remove the runs started before --keep ago (with their hosts and operations). The
    audit log keeps every record; the prune is recorded in it."""
    before = _since(keep)
    given = ctx.obj["target"]
    target = given or os.environ.get(history.URL_VARIABLE) or history.default_target(
        ctx.obj["inventory"])
    if "://" not in str(target) and not os.path.exists(target):
        raise _Unreadable(f"{target}: no history recorded here")
    try:
        store = history.open_store(target)
    except history.HistoryError as exc:
        raise _Unreadable(str(exc)) from None
    try:
        import getpass
        import socket

        done = history.prune_runs(store, before, actor=getpass.getuser(),
                                  controller=socket.gethostname())
    finally:
        store.close()
    if _json_flag(ctx, as_json):
        _emit_json(done)
        return
    click.echo(f"removed {done['runs']} run(s) started before {_when(done['before'])} "
               "(recorded in the audit log)")


def main(args: list[str]) -> int:
    """Run ``corral history ARGS``; the exit code."""
    return run_group(main_group, args, _NAME)


__all__ = ["main", "main_group"]
