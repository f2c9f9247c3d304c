"""The audit log: append-only records, each carrying the hash of the one before it.

A record's hash is sha256 over its canonical encoding (its place in the chain, time, kind,
actor, controller, run and details as JSON with sorted keys, no spaces, ASCII) followed by
the previous record's hash; the first record's previous hash is 64 zeros. Editing a
record changes its hash; removing or moving one breaks the link of the next (and leaves a
gap in the places); :func:`verify` walks the chain and names the first record that does
not hold. Removing the newest records leaves a shorter chain that holds: ``verify``
answers the head's hash and count, which an operator can keep elsewhere and give back
(``corral audit verify --head HASH``) to detect that too.

Appends are serialized so that two runs appending at once keep one chain: on SQLite every
write transaction of the store begins with ``BEGIN IMMEDIATE`` (one writer at a time); on
PostgreSQL the append locks the table (``SHARE ROW EXCLUSIVE``: appends queue, readers do
not wait). The unique place (``seq``) refuses a fork should a database do neither.

Records of the kinds below; the details never hold a secret's value (a vault read records
the key names only).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from sqlalchemy import Connection, insert, select, text
from sqlalchemy.exc import SQLAlchemyError

from .rows import now
from .schema import audit_log
from .store import Store

GENESIS = "0" * 64
RUN_START, RUN_END, VAULT_READ, HISTORY_PRUNE = (
    "run.start", "run.end", "vault.read", "history.prune")
#: ``corral vault`` changed the vault: the keys set or removed, or its keys rewrapped
VAULT_CHANGE = "vault.change"
#: kinds the next front ends will append (the web server's users, the scheduler)
LOGIN, SCHEDULE_CHANGE = "login", "schedule.change"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      default=str)


def record_hash(seq: int, at: str, kind: str, actor: str | None, controller: str | None,
                run_id: int | None, detail: str, prev_hash: str) -> str:
    body = canonical([seq, at, kind, actor, controller, run_id, detail])
    return hashlib.sha256(f"{body}\n{prev_hash}".encode("ascii")).hexdigest()


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE"))


def append(conn: Connection, kind: str, detail: dict[str, Any], *, actor: str | None = None,
           controller: str | None = None, run_id: int | None = None) -> dict[str, Any]:
    """Append one record in the caller's write transaction; the record as written."""
    _lock(conn)
    last = conn.execute(select(audit_log.c.seq, audit_log.c.hash)
                        .order_by(audit_log.c.seq.desc()).limit(1)).first()
    seq, prev = (1, GENESIS) if last is None else (int(last.seq) + 1, str(last.hash))
    at = now().isoformat(timespec="microseconds")
    body = canonical(detail)
    row = {"seq": seq, "at": at, "kind": kind, "actor": actor, "controller": controller,
           "run_id": run_id, "detail": body, "prev_hash": prev,
           "hash": record_hash(seq, at, kind, actor, controller, run_id, body, prev)}
    conn.execute(insert(audit_log).values(**row))
    return row


def append_to(target: str | os.PathLike[str], kind: str, detail: dict[str, Any], *,
              actor: str | None = None) -> None:
    """Append one record to the store at ``target`` in a transaction of its own (for a
    command that is not a run: ``corral vault``). Raises
    :class:`~corral.history.store.HistoryError` with a one-line reason."""
    from .provenance import controller
    from .store import HistoryError, _reason, open_store

    store = open_store(target)
    try:
        with store.write() as conn:
            append(conn, kind, detail, actor=actor, controller=controller())
    except SQLAlchemyError as exc:
        raise HistoryError(f"{store.where}: {_reason(exc)}") from None
    finally:
        store.close()


def _entry(row: Any) -> dict[str, Any]:
    try:
        detail = json.loads(row.detail)
    except ValueError:
        detail = row.detail
    return {"seq": row.seq, "id": row.id, "at": row.at, "kind": row.kind,
            "actor": row.actor, "controller": row.controller, "run_id": row.run_id,
            "detail": detail, "prev_hash": row.prev_hash, "hash": row.hash}


def list_records(store: Store, limit: int = 50, kind: str | None = None,
                 ) -> list[dict[str, Any]]:
    """The newest records first, at most ``limit``."""
    query = select(audit_log).order_by(audit_log.c.seq.desc()).limit(limit)
    if kind is not None:
        query = query.where(audit_log.c.kind == kind)
    with store.read() as conn:
        return [_entry(r) for r in conn.execute(query)]


def verify(store: Store, head: str | None = None) -> dict[str, Any]:
    """Walk the chain: ``{"valid", "records", "head", "bad"}``; ``bad`` is the first record
    that does not hold (``seq``, ``id``, ``reason``), None when all do. ``head``: a hash
    noted earlier, which must be in the chain (the newest records were not removed)."""
    expected_seq, prev = 1, GENESIS
    count = 0
    seen_head = head is None
    bad: dict[str, Any] | None = None
    with store.read() as conn:
        for row in conn.execute(select(audit_log).order_by(audit_log.c.seq,
                                                           audit_log.c.id)):
            reason = _check(row, expected_seq, prev)
            if reason is not None:
                bad = {"seq": row.seq, "id": row.id, "reason": reason}
                break
            count += 1
            expected_seq, prev = int(row.seq) + 1, str(row.hash)
            seen_head = seen_head or row.hash == head
    if bad is None and not seen_head:
        bad = {"seq": None, "id": None,
               "reason": f"no record has the head hash {head}: records after it were "
                         "removed (or the hash is not of this store)"}
    return {"valid": bad is None, "records": count, "head": prev if count else None,
            "bad": bad}


def _check(row: Any, expected_seq: int, prev: str) -> str | None:
    if row.seq != expected_seq:
        if row.seq < expected_seq:
            return f"place {row.seq} is taken twice"
        missing = (f"record {expected_seq} is missing" if row.seq == expected_seq + 1
                   else f"records {expected_seq} to {row.seq - 1} are missing")
        return f"{missing} before it (removed)"
    if row.prev_hash != prev:
        return "its previous hash is not the hash of the record before it (a record " \
               "before it was removed, replaced or moved)"
    try:
        again = record_hash(int(row.seq), str(row.at), str(row.kind), row.actor,
                            row.controller, row.run_id, str(row.detail), str(row.prev_hash))
    except (TypeError, ValueError, UnicodeError) as exc:
        return f"it cannot be hashed again ({exc})"
    if again != row.hash:
        return "its content does not match its hash (edited)"
    return None


#: the names corral.history exports
list_audit = list_records
verify_audit = verify
append_audit = append_to
