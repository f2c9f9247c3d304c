"""``corral audit ...``: the audit log of the history store (docs/history.md): its
records, and the check that none was edited, removed or moved.

Exit codes: 0 done (``verify``: the chain holds), 1 the chain does not hold (the first bad
record is named) or the store cannot be read, 4 bad input.
"""

from __future__ import annotations

import json
from typing import Any

import click

from corral import api, history

from .groups import run_group
from .history import open_store

_NAME = "corral audit"


@click.group(context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100})
@click.option("--history", "target", metavar="URL|PATH", default=None,
              help="The store (default: $CORRAL_HISTORY_URL, else .corral/history.db beside "
              "--inventory or in the working directory).")
@click.option("--inventory", "-i", metavar="FILE", default=None,
              help="The inventory file whose .corral/history.db to read.")
@click.pass_context
def main_group(ctx: click.Context, target: str | None, inventory: str | None) -> None:
    """The audit log: runs (start, end), vault keys read (names, never values), history
    pruned. `list` the records; `verify` the hash chain.

    Exit codes: 0 done, 1 the chain does not hold or the store cannot be read, 4 bad
    input."""
    ctx.obj = {"target": target, "inventory": inventory}


@main_group.command("list")
@click.option("--kind", default=None, help="run.start, run.end, vault.read, history.prune.")
@click.option("-n", "--limit", type=click.IntRange(1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def list_(ctx: click.Context, kind: str | None, limit: int, as_json: bool) -> None:
    """The newest records first."""
    store = open_store(ctx)
    try:
        found = history.list_audit(store, limit=limit, kind=kind)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo("no audit records")
        return
    for r in found:
        run = f" run {r['run_id']}" if r["run_id"] is not None else ""
        click.echo(f"{r['seq']:>6}  {r['at'][:19].replace('T', ' ')}  {r['kind']:<14} "
                   f"{r['actor'] or '-'}@{r['controller'] or '-'}{run}  {_gist(r)}")


def _gist(record: dict[str, Any]) -> str:
    detail = record["detail"]
    if not isinstance(detail, dict):
        return str(detail)
    if record["kind"] == "vault.read":
        return "keys " + ", ".join(map(str, detail.get("keys", [])))
    if record["kind"] == "run.end":
        return f"{detail.get('status')} (exit {detail.get('exit_code')})"
    if record["kind"] == "run.start":
        files = [f.get("path") for f in detail.get("files") or [] if f.get("role") == "deploy"]
        dry = " (dry)" if detail.get("dry") else ""
        return f"{detail.get('kind')}{dry} {' '.join(map(str, files))}".rstrip()
    return json.dumps(detail, ensure_ascii=False, sort_keys=True)


@main_group.command("verify")
@click.option("--head", default=None, metavar="HASH",
              help="A head hash noted earlier: it must still be in the chain (the newest "
              "records were not removed).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document on stdout.")
@click.pass_context
def verify(ctx: click.Context, head: str | None, as_json: bool) -> int:
    """Check every record's hash and link: exit 0 when the chain holds, else 1 naming the
    first record that does not."""
    store = open_store(ctx)
    try:
        answer = history.verify_audit(store, head=head)
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(answer, indent=2))
    bad = answer["bad"]
    if bad is None:
        if not as_json:
            click.echo(f"the audit log holds: {answer['records']} records, head "
                       f"{answer['head'] or '-'}")
        return api.EXIT_OK
    where = f"audit record {bad['seq']} (id {bad['id']})" if bad["seq"] is not None \
        else "the audit log"
    click.echo(f"error: {where}: {bad['reason']}", err=True)
    return api.EXIT_FAILED


def main(args: list[str]) -> int:
    """Run ``corral audit ARGS``; the exit code."""
    return run_group(main_group, args, _NAME)


__all__ = ["main", "main_group"]
