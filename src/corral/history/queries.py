"""What the history answers: runs (filtered), one run in full, one host's timeline. Each
answer is plain data (JSON-ready: times as ISO 8601 text in UTC), for the command line and
the dashboard alike."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exists, or_, select

from . import provenance
from .rows import INTERRUPTED, RUNNING
from .schema import operations, run_hosts, runs
from .store import Store


class QueryError(ValueError):
    """A filter that means nothing (a --since that is no time)."""


@dataclass
class RunFilter:
    host: str | None = None
    group: str | None = None
    #: a deploy file: its path, or its name (``deploy.py`` matches ``site/deploy.py``)
    deploy: str | None = None
    status: str | None = None
    since: datetime | None = None
    kind: str | None = None
    limit: int = 50
    extra: dict[str, Any] = field(default_factory=dict)


_SPAN = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """``90m``, ``2h``, ``7d``, ``1w``: that long ago; else an ISO 8601 date or time (UTC
    unless it says otherwise)."""
    now = now or datetime.now(UTC)
    span = _SPAN.match(text.strip())
    if span:
        return now - timedelta(**{_UNITS[span[2]]: int(span[1])})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise QueryError(f"--since {text}: give a span (90m, 2h, 7d, 1w) or an ISO date "
                         "(2026-01-31, 2026-01-31T08:00)") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite gives back what it was given, without the zone
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds")


def shown_status(row: Any) -> str:
    """The status to show: a run still ``running`` in the store whose process is gone on
    this controller (killed before it could say so) is ``interrupted``."""
    status = str(row.status)
    if status == RUNNING and row.controller == provenance.controller() and (
            row.pid is None or not provenance.pid_alive(int(row.pid))):
        return INTERRUPTED
    return status


def run_summary(row: Row[Any]) -> dict[str, Any]:
    return {
        "id": row.id, "kind": row.kind, "status": shown_status(row), "dry": bool(row.dry),
        "started_at": _iso(row.started_at), "ended_at": _iso(row.ended_at),
        "duration": row.duration, "exit_code": row.exit_code, "error": row.error,
        "user": row.api_user or row.os_user, "os_user": row.os_user,
        "api_user": row.api_user, "controller": row.controller,
        "inventory": row.inventory, "files": row.files or [],
        "git_commit": row.git_commit,
        "git_dirty": None if row.git_dirty is None else bool(row.git_dirty),
        "options": row.options or {}, "hosts": row.hosts_total,
        "hosts_changed": row.hosts_changed, "hosts_failed": row.hosts_failed,
        "hosts_unreachable": row.hosts_unreachable,
        "operations_changed": row.operations_changed,
        "corral_version": row.corral_version,
    }


def list_runs(store: Store, filters: RunFilter | None = None) -> list[dict[str, Any]]:
    """The newest runs first, at most ``filters.limit``."""
    f = filters or RunFilter()
    query = select(runs)
    conditions: list[ColumnElement[bool]] = []
    if f.host is not None:
        conditions.append(exists().where(and_(run_hosts.c.run_id == runs.c.id,
                                              run_hosts.c.host == f.host)))
    if f.kind is not None:
        conditions.append(runs.c.kind == f.kind)
    if f.since is not None:
        conditions.append(runs.c.started_at >= f.since)
    if f.status is not None and f.status not in (RUNNING, INTERRUPTED):
        conditions.append(runs.c.status == f.status)
    elif f.status is not None:  # which is which is known once the rows are read
        conditions.append(runs.c.status.in_([RUNNING, INTERRUPTED]))
    if conditions:
        query = query.where(*conditions)
    query = query.order_by(runs.c.id.desc())
    selective = f.group is not None or f.deploy is not None or f.status is not None
    if not selective:
        query = query.limit(f.limit)
    found = []
    with store.read() as conn:
        rows = conn.execute(query).all()
        for row in rows:
            summary = run_summary(row)
            if f.status is not None and summary["status"] != f.status:
                continue
            if f.deploy is not None and not _names_deploy(summary["files"], f.deploy):
                continue
            if f.group is not None and not _has_group(conn, row.id, f.group):
                continue
            found.append(summary)
            if len(found) >= f.limit:
                break
    return found


def _names_deploy(files: list[dict[str, Any]], wanted: str) -> bool:
    for entry in files:
        if entry.get("role") != "deploy":
            continue
        path = str(entry.get("path", ""))
        if path == wanted or path.rsplit("/", 1)[-1] == wanted or path.endswith("/" + wanted):
            return True
    return False


def _has_group(conn: Any, run_id: int, group: str) -> bool:
    # groups are a JSON list per host: read and compared here, the same on every database
    for (groups,) in conn.execute(select(run_hosts.c.groups)
                                  .where(run_hosts.c.run_id == run_id)):
        if groups and group in groups:
            return True
    return False


def _host_entry(row: Row[Any]) -> dict[str, Any]:
    return {"host": row.host, "groups": row.groups or [], "status": row.status,
            "error": row.error, "changed": row.changed, "operations": row.operations,
            "duration": row.duration, "ended_at": _iso(row.ended_at)}


def _op_entry(row: Row[Any]) -> dict[str, Any]:
    return {"seq": row.seq, "name": row.name, "operation": row.operation,
            "location": row.location, "status": row.status, "changed": bool(row.changed),
            "commands": row.commands or [], "exit_codes": row.exit_codes or [],
            "diffs": row.diffs or [], "stdout": row.stdout or "", "stderr": row.stderr or "",
            "truncated": bool(row.truncated), "notes": row.notes or [], "error": row.error,
            "duration": row.duration, "retries": row.retries, "wave": row.wave}


def show_run(store: Store, run_id: int) -> dict[str, Any] | None:
    """One run: its summary, and per host its row and its operations in order. None when
    there is no such run. Hosts the run had begun without finishing (it was killed) are
    listed from their operations, with status ``interrupted``."""
    with store.read() as conn:
        row = conn.execute(select(runs).where(runs.c.id == run_id)).first()
        if row is None:
            return None
        summary = run_summary(row)
        hosts = {h.host: {**_host_entry(h), "operations_list": []} for h in conn.execute(
            select(run_hosts).where(run_hosts.c.run_id == run_id).order_by(run_hosts.c.id))}
        for op in conn.execute(select(operations).where(operations.c.run_id == run_id)
                               .order_by(operations.c.host, operations.c.seq)):
            entry = hosts.get(op.host)
            if entry is None:
                entry = hosts[op.host] = {
                    "host": op.host, "groups": [], "status": INTERRUPTED, "error": None,
                    "changed": 0, "operations": 0, "duration": None, "ended_at": None,
                    "operations_list": []}
            entry["operations_list"].append(_op_entry(op))
    summary["hosts_detail"] = [
        {**{k: v for k, v in h.items() if k != "operations_list"},
         "operations": h["operations_list"]} for h in hosts.values()]
    return summary


def host_timeline(store: Store, host: str, limit: int = 50,
                  since: datetime | None = None) -> list[dict[str, Any]]:
    """The runs that touched ``host``, newest first: each run's summary, the host's status
    in it, and the operations that changed (or would change, in a dry run) or failed."""
    query = (select(runs, run_hosts.c.status.label("host_status"),
                    run_hosts.c.error.label("host_error"),
                    run_hosts.c.changed.label("host_changed"))
             .join(run_hosts, and_(run_hosts.c.run_id == runs.c.id, run_hosts.c.host == host))
             .order_by(runs.c.id.desc()).limit(limit))
    if since is not None:
        query = query.where(runs.c.started_at >= since)
    found = []
    with store.read() as conn:
        for row in conn.execute(query):
            entry = run_summary(row)
            entry["host_status"] = row.host_status
            entry["host_error"] = row.host_error
            entry["host_changed"] = row.host_changed
            entry["changes"] = [
                {"name": op.name, "status": op.status, "diffs": [d["path"] for d in
                                                                 op.diffs or []]}
                for op in conn.execute(
                    select(operations.c.name, operations.c.status, operations.c.diffs)
                    .where(operations.c.run_id == row.id, operations.c.host == host,
                           or_(operations.c.changed.is_(True),
                               operations.c.status.in_(["failed", "may have run"])))
                    .order_by(operations.c.seq))]
            found.append(entry)
    return found


#: a host's drift as the last check saw it
DRIFTED, IN_SYNC = "drifted", "in sync"


def drift_status(store: Store, host: str | None = None) -> list[dict[str, Any]]:
    """Per host ever drift-checked (or ``host`` alone), sorted by name: whether the newest
    drift check found it drifted (some operation would change), since when (the first of
    the unbroken line of checks that found it drifted, back to a clean check or a run that
    applied the deploy), and the operations that would change. ``status`` is ``drifted``,
    ``in sync``, or the host's status when the check could not tell (``failed``,
    ``unreachable``); ``applied_after`` says a run applied changes to it since the check."""
    query = (select(run_hosts.c.host, run_hosts.c.status, run_hosts.c.changed,
                    runs.c.id, runs.c.kind, runs.c.dry, runs.c.started_at)
             .join(runs, runs.c.id == run_hosts.c.run_id)
             .where(or_(runs.c.kind == "drift", runs.c.dry.is_(False)))
             .order_by(runs.c.id.desc()))
    if host is not None:
        query = query.where(run_hosts.c.host == host)
    timelines: dict[str, list[Any]] = {}
    found = []
    with store.read() as conn:
        for row in conn.execute(query):
            timelines.setdefault(row.host, []).append(row)
        for name in sorted(timelines):
            entry = _drift_entry(timelines[name])
            if entry is None:
                continue
            entry["operations"] = [
                {"name": op.name, "operation": op.operation, "location": op.location,
                 "diffs": [d["path"] for d in op.diffs or []]}
                for op in conn.execute(
                    select(operations.c.name, operations.c.operation, operations.c.location,
                           operations.c.diffs)
                    .where(operations.c.run_id == entry["run"], operations.c.host == name,
                           operations.c.changed.is_(True))
                    .order_by(operations.c.seq))]
            found.append(entry)
    return found


def _drift_entry(rows: list[Any]) -> dict[str, Any] | None:
    """A host's drift from its rows, newest first: None when no drift check saw it."""
    at = next((i for i, r in enumerate(rows) if r.kind == "drift"), None)
    if at is None:
        return None
    check = rows[at]
    if check.status in ("failed", "unreachable", "interrupted"):
        status = str(check.status)
    else:
        status = DRIFTED if check.changed else IN_SYNC
    since = None
    if status == DRIFTED:
        for r in rows[at:]:
            if r.kind != "drift" or not r.changed or r.status in ("failed", "unreachable"):
                break
            since = r
    return {"host": check.host, "status": status, "drifted": status == DRIFTED,
            "run": check.id, "checked_at": _iso(check.started_at),
            "since": None if since is None else _iso(since.started_at),
            "since_run": None if since is None else since.id,
            "applied_after": any(r.kind != "drift" and r.changed for r in rows[:at])}


#: what is compared of an operation in two runs (history diff)
_OP_FIELDS = ("status", "changed", "commands", "exit_codes", "diffs", "error")


def _op_key(ops: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    """A host's operations by name and occurrence (the second ``files.put`` of a host is
    matched with the other run's second): runs of one deploy line up."""
    seen: dict[str, int] = {}
    keyed = {}
    for op in ops:
        n = seen.get(op["name"], 0)
        seen[op["name"]] = n + 1
        keyed[(op["name"], n)] = op
    return keyed


def _diff_ops(a_ops: list[dict[str, Any]], b_ops: list[dict[str, Any]],
              ) -> list[dict[str, Any]]:
    a, b = _op_key(a_ops), _op_key(b_ops)
    found: list[dict[str, Any]] = []
    for key in [*a, *(k for k in b if k not in a)]:
        name = key[0]
        if key not in b:
            found.append({"name": name, "only_in": "a", "differences": {}})
        elif key not in a:
            found.append({"name": name, "only_in": "b", "differences": {}})
        else:
            differences = {f: [a[key][f], b[key][f]] for f in _OP_FIELDS
                           if a[key][f] != b[key][f]}
            if differences:
                found.append({"name": name, "only_in": None, "differences": differences})
    return found


def diff_runs(store: Store, first: int, second: int) -> dict[str, Any] | None:
    """What differs between two runs: of the runs (status, files' sha256, commit), and per
    host (status; each operation's status, changed, commands, exit codes, diffs, error),
    matched by host name and by operation name and occurrence. Only what differs is
    listed; ``only_in`` is ``a`` or ``b`` for a host or operation of one run alone. None
    when a run is not in the store."""
    a, b = show_run(store, first), show_run(store, second)
    if a is None or b is None:
        return None
    run_fields = ("kind", "dry", "status", "exit_code", "git_commit", "git_dirty",
                  "inventory")
    runs_differ = {f: [a[f], b[f]] for f in run_fields if a[f] != b[f]}
    files_a = {f["path"]: f.get("sha256") for f in a["files"]}
    files_b = {f["path"]: f.get("sha256") for f in b["files"]}
    files = {p: [files_a.get(p), files_b.get(p)] for p in sorted({*files_a, *files_b})
             if files_a.get(p) != files_b.get(p)}
    hosts_a = {h["host"]: h for h in a["hosts_detail"]}
    hosts_b = {h["host"]: h for h in b["hosts_detail"]}
    hosts: list[dict[str, Any]] = []
    for name in [*hosts_a, *(h for h in hosts_b if h not in hosts_a)]:
        ha, hb = hosts_a.get(name), hosts_b.get(name)
        if ha is None or hb is None:
            hosts.append({"host": name, "only_in": "b" if ha is None else "a",
                          "status": None, "operations": []})
            continue
        ops = _diff_ops(ha["operations"], hb["operations"])
        status = None if ha["status"] == hb["status"] else [ha["status"], hb["status"]]
        if ops or status:
            hosts.append({"host": name, "only_in": None, "status": status,
                          "operations": ops})
    return {"a": first, "b": second, "run": runs_differ, "files": files, "hosts": hosts}


def prune_runs(store: Store, before: datetime, actor: str | None = None,
               controller: str | None = None) -> dict[str, Any]:
    """Remove the runs started before ``before`` (their hosts and operations with them),
    except runs still ``running``. The audit log is never pruned: the prune itself is
    appended to it (when, cut-off, how many runs, their ids' range), in the same
    transaction. Answers that record's details."""
    from sqlalchemy import delete, func

    from . import audit

    with store.write() as conn:
        old = and_(runs.c.started_at < before, runs.c.status != RUNNING)
        count, low, high = conn.execute(
            select(func.count(), func.min(runs.c.id), func.max(runs.c.id)).where(old)).one()
        ids = select(runs.c.id).where(old).scalar_subquery()
        conn.execute(delete(operations).where(operations.c.run_id.in_(ids)))
        conn.execute(delete(run_hosts).where(run_hosts.c.run_id.in_(ids)))
        conn.execute(delete(runs).where(old))
        detail = {"before": _iso(before), "runs": int(count), "first_run": low,
                  "last_run": high}
        audit.append(conn, audit.HISTORY_PRUNE, detail, actor=actor, controller=controller)
    return detail
