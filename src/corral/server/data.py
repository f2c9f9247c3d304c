"""What the server shows that the history's queries do not answer themselves: the hosts
seen, each with its last run; diffs as lines to colour."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, func, select

from corral.history import Store
from corral.history.queries import run_summary
from corral.history.schema import run_hosts, runs


class SplitStore(Store):
    """A store whose reads go through a connection of their own (on SQLite: one that
    does not take the write lock, so pages are read while a run is being recorded)."""

    def __init__(self, writer: Store, reader: Store) -> None:
        super().__init__(writer.url, writer.engine)
        self.reader = reader

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.reader.read() as conn:
            yield conn

    def close(self) -> None:
        self.reader.close()
        super().close()


def hosts_overview(store: Store, limit: int = 1000) -> list[dict[str, Any]]:
    """Every host the history has seen, by name: its last run and its status in it."""
    last = (select(run_hosts.c.host, func.max(run_hosts.c.run_id).label("run_id"),
                   func.count().label("runs"))
            .group_by(run_hosts.c.host).subquery())
    query = (select(last.c.host, last.c.runs, run_hosts.c.status.label("host_status"),
                    runs)
             .join(run_hosts, (run_hosts.c.host == last.c.host)
                   & (run_hosts.c.run_id == last.c.run_id))
             .join(runs, runs.c.id == last.c.run_id)
             .order_by(last.c.host).limit(limit))
    with store.read() as conn:
        found = []
        for row in conn.execute(query):
            entry = run_summary(row)
            found.append({"host": row.host, "runs": row.runs, "last_run": entry["id"],
                          "last_status": row.host_status, "last_at": entry["started_at"],
                          "last_dry": entry["dry"]})
        return found


def diff_lines(diff: dict[str, Any]) -> list[tuple[str, str]]:
    """A recorded diff as ``(kind, line)``: kind ``add``, ``del``, ``hunk``, ``ctx``; a
    secret's diff as one line saying so (its text was never recorded)."""
    if diff.get("secret"):
        return [("ctx", f"{diff['path']}: secret content changed (not shown)")]
    old = (diff.get("old") or "").splitlines()
    new = (diff.get("new") or "").splitlines()
    out: list[tuple[str, str]] = []
    for line in difflib.unified_diff(old, new, f"{diff['path']} (before)",
                                     f"{diff['path']} (after)", lineterm=""):
        kind = ("hunk" if line.startswith("@@") else "add" if line.startswith("+")
                else "del" if line.startswith("-") else "ctx")
        out.append((kind, line))
    return out
