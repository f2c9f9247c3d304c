"""Recording a run: the engine's events and its final result, written by a thread.

The run's event loop only puts events on a queue (:meth:`Recorder.__call__`); a thread of
the recorder's own imports SQLAlchemy, opens the store, writes the run's row (status
``running``) and then writes what arrives in batches (one transaction at most every
:data:`BATCH_SECONDS`). :meth:`Recorder.finish` hands over the final result and waits for
the thread to write it. Any failure of the store is said once, as a warning on the
``corral.history`` logger, and recording stops; the run goes on untouched.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corral.model.events import Event, HostDone, OperationDone, RunStarted
from corral.model.results import HostResult, OpResult, RunResult

from . import provenance
from .rows import INTERRUPTED, RUNNING, host_row, now, op_row, status_of

log = logging.getLogger("corral.history")

#: at most one write transaction per this many seconds while a run goes on
BATCH_SECONDS = 0.25


@dataclass
class RunInfo:
    """What a run is, as its caller knows it."""

    kind: str = "run"
    dry: bool = False
    inventory: str | None = None
    #: files the run read, ``(path, role)``: role ``inventory`` or ``deploy``
    files: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    api_user: str | None = None
    #: where to look for the git work tree
    directory: str | None = None
    corral_version: str | None = None


class _Finish:
    def __init__(self, result: RunResult | None, exit_code: int, error: str | None,
                 vault_keys: list[str]) -> None:
        self.result = result
        self.exit_code = exit_code
        self.error = error
        self.vault_keys = vault_keys


class Recorder:
    """Records one run into the store at ``target`` (a URL or a SQLite file's path)."""

    def __init__(self, target: str | os.PathLike[str], info: RunInfo,
                 groups: dict[str, list[str]] | None = None,
                 warn: Callable[[str], None] | None = None) -> None:
        self.target = target
        self.info = info
        self.groups = groups or {}
        self._warn = warn or (lambda message: log.warning("%s", message))
        self._queue: queue.SimpleQueue[Event | _Finish] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="corral-history",
                                        daemon=True)
        #: the run's id in the store, once its row is written
        self.run_id: int | None = None
        #: why nothing more is recorded (None while all goes well)
        self.failure: str | None = None
        self._seq: dict[str, int] = {}
        #: per host, the records an OperationDone brought
        self._written: dict[str, list[OpResult]] = {}
        self._hosts_done: set[str] = set()
        self._total: int | None = None
        #: the names of the vault keys the run read (never their values): the caller adds
        #: to it (corral.api registers it with the vault); audited when the run ends
        self.vault_keys: set[str] = set()
        self._actor: str | None = None
        self._controller: str | None = None

    def start(self) -> Recorder:
        self._thread.start()
        return self

    def __call__(self, event: Event) -> None:
        """The engine's event handler: queued, nothing more."""
        self._queue.put(event)

    def finish(self, result: RunResult | None, exit_code: int | None = None,
               error: str | None = None) -> None:
        """The run has ended (``result`` None: it raised, ``error`` says what): write its
        end and wait for the thread to be done."""
        code = exit_code if exit_code is not None else (
            result.exit_code if result is not None else 1)
        self._queue.put(_Finish(result, code, error, sorted(self.vault_keys)))
        self._thread.join()

    # -- the thread --------------------------------------------------------------------
    def _work(self) -> None:
        store = None
        try:
            store = self._open()
        except Exception as exc:
            self._fail(exc)
        last = 0.0
        while True:
            batch = [self._queue.get()]
            done = isinstance(batch[-1], _Finish)
            deadline = last + BATCH_SECONDS
            while not done:
                wait = deadline - time.monotonic()
                try:
                    batch.append(self._queue.get(timeout=wait) if wait > 0
                                 else self._queue.get_nowait())
                except queue.Empty:
                    break
                done = isinstance(batch[-1], _Finish)
            if store is not None and self.failure is None:
                try:
                    self._write(store, batch)
                except Exception as exc:
                    self._fail(exc)
            last = time.monotonic()
            if done:
                break
        if store is not None:
            store.close()

    def _fail(self, exc: BaseException) -> None:
        from .store import HistoryError, _reason

        reason = str(exc) if isinstance(exc, HistoryError) else _reason(exc)
        self.failure = reason
        self._warn(f"warning: the run is not recorded in the history: {reason}")

    def _open(self) -> Any:
        from sqlalchemy import insert

        from . import audit
        from .schema import runs
        from .store import open_store

        store = open_store(self.target)
        info = self.info
        files = [provenance.file_entry(path, role) for path, role in info.files]
        directory = Path(info.directory or ".")
        commit, dirty = provenance.git_state(directory)
        me = provenance.controller()
        os_user = provenance.os_user()
        self._actor, self._controller = info.api_user or os_user, me
        with store.write() as conn:
            mark_interrupted(conn, me)
            self.run_id = conn.execute(insert(runs).values(
                kind=info.kind, status=RUNNING, dry=info.dry, started_at=now(),
                os_user=os_user, api_user=info.api_user, controller=me,
                pid=os.getpid(), inventory=info.inventory, files=files, git_commit=commit,
                git_dirty=dirty, options=info.options, corral_version=info.corral_version,
            ).returning(runs.c.id)).scalar_one()
            audit.append(conn, audit.RUN_START, {
                "kind": info.kind, "dry": info.dry, "os_user": os_user,
                "api_user": info.api_user, "pid": os.getpid(), "inventory": info.inventory,
                "files": files, "git_commit": commit, "git_dirty": dirty,
                "options": info.options}, actor=self._actor, controller=me,
                run_id=self.run_id)
        return store

    def _write(self, store: Any, batch: list[Event | _Finish]) -> None:
        from sqlalchemy import insert, update

        from .schema import operations, run_hosts, runs

        assert self.run_id is not None
        ops: list[dict[str, Any]] = []
        hosts: list[dict[str, Any]] = []
        finish: _Finish | None = None
        for item in batch:
            if isinstance(item, OperationDone):
                ops.append(self._op(item.result))
            elif isinstance(item, HostDone):
                self._host(item.result, ops, hosts)
            elif isinstance(item, RunStarted):
                self._total = len(item.hosts)
            elif isinstance(item, _Finish):
                finish = item
                if item.result is not None:
                    for h in item.result.hosts:
                        if h.host not in self._hosts_done:
                            self._host(h, ops, hosts)
        with store.write() as conn:
            if ops:
                conn.execute(insert(operations), ops)
            if hosts:
                conn.execute(insert(run_hosts), hosts)
            if finish is not None:
                end = self._end(finish)
                conn.execute(update(runs).where(runs.c.id == self.run_id).values(**end))
                self._audit_end(conn, finish, end)

    def _audit_end(self, conn: Any, finish: _Finish, end: dict[str, Any]) -> None:
        """The run's end in the audit log, after the vault keys it read (names only)."""
        from . import audit

        records: list[tuple[str, dict[str, Any]]] = []
        if finish.vault_keys:
            records.append((audit.VAULT_READ, {"keys": finish.vault_keys}))
        records.append((audit.RUN_END, {
            k: end.get(k) for k in ("status", "exit_code", "error", "hosts_total",
                                    "hosts_changed", "hosts_failed", "hosts_unreachable",
                                    "operations_changed", "duration")}))
        for kind, detail in records:
            audit.append(conn, kind, detail, actor=self._actor,
                         controller=self._controller, run_id=self.run_id)

    def _op(self, op: OpResult) -> dict[str, Any]:
        seq = self._seq.get(op.host, 0)
        self._seq[op.host] = seq + 1
        self._written.setdefault(op.host, []).append(op)
        assert self.run_id is not None
        return op_row(self.run_id, seq, op)

    def _host(self, result: HostResult, ops: list[dict[str, Any]],
              hosts: list[dict[str, Any]]) -> None:
        """The host's row, and its records no event brought (operations never run)."""
        for op in _not_written(result.operations, self._written.pop(result.host, [])):
            ops.append(self._op(op))
        assert self.run_id is not None
        hosts.append(host_row(self.run_id, result, self.groups.get(result.host, [])))
        self._hosts_done.add(result.host)

    def _end(self, finish: _Finish) -> dict[str, Any]:
        values: dict[str, Any] = {"status": status_of(finish.exit_code),
                                  "exit_code": finish.exit_code, "ended_at": now(),
                                  "error": finish.error}
        result = finish.result
        if result is not None:
            values.update(
                hosts_total=len(result.hosts),
                hosts_changed=sum(1 for h in result.hosts if h.changed),
                hosts_failed=len(result.failed),
                hosts_unreachable=len(result.unreachable),
                operations_changed=result.changed, duration=result.duration)
        elif self._total is not None:
            values["hosts_total"] = self._total
        return values


def _not_written(records: tuple[OpResult, ...],
                 written: list[OpResult]) -> list[OpResult]:
    """The host's records that no event brought: each written one matches one record, the
    same object (one process) or an equal one (a run split over worker processes sends
    copies). Records and events come in the same order: each match is found at once."""
    left = list(written)
    missing = []
    for op in records:
        at = next((i for i, w in enumerate(left) if w is op or w == op), None)
        if at is None:
            missing.append(op)
        else:
            del left[at]
    return missing


def mark_interrupted(conn: Any, controller: str) -> int:
    """Runs of this controller still ``running`` whose process is gone were interrupted
    (killed): say so in the store. Returns how many."""
    from sqlalchemy import func, select, update

    from . import audit
    from .schema import runs

    found = [(rid, actor) for rid, pid, actor in conn.execute(
        select(runs.c.id, runs.c.pid, func.coalesce(runs.c.api_user, runs.c.os_user))
        .where(runs.c.status == RUNNING, runs.c.controller == controller))
        if pid is None or (pid != os.getpid() and not provenance.pid_alive(pid))]
    stale = [rid for rid, _ in found]
    why = "its process ended before the run did"
    if stale:
        conn.execute(update(runs).where(runs.c.id.in_(stale))
                     .values(status=INTERRUPTED, error=why))
    # the audit log closes each such run too: a run.start always finds its run.end
    for rid, actor in found:
        audit.append(conn, audit.RUN_END, {"status": INTERRUPTED, "error": why},
                     actor=actor, controller=controller, run_id=rid)
    return len(stale)
