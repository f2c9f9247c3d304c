"""The rows a run's records become: pure functions of the engine's (masked) results."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from corral.model.results import HostResult, OpResult

#: characters of one stream (stdout, stderr) of one operation kept: its first and last
#: halves (this module is loaded by the run's own thread: no SQLAlchemy here)
OUTPUT_LIMIT = 8192
#: characters of one side (old, new) of one diff kept
DIFF_LIMIT = 65536
#: a run's stored status by its exit code (docs/history.md)
STATUS_BY_EXIT = {0: "ok", 1: "failed", 2: "pending", 3: "unreachable", 4: "bad input",
                  130: "interrupted", 143: "interrupted"}
RUNNING = "running"
INTERRUPTED = "interrupted"


def now() -> datetime:
    return datetime.now(UTC)


def status_of(exit_code: int) -> str:
    return STATUS_BY_EXIT.get(exit_code, "error")


def bounded(text: str, limit: int) -> tuple[str, bool]:
    """``text`` cut to about ``limit`` characters: its first and last halves around a line
    saying how much was left out; and whether it was cut."""
    if len(text) <= limit:
        return text, False
    half = limit // 2
    cut = len(text) - 2 * half
    return f"{text[:half]}\n[... {cut} characters not kept ...]\n{text[-half:]}", True


def op_row(run_id: int, seq: int, op: OpResult) -> dict[str, Any]:
    stdout, cut_out = bounded(op.stdout, OUTPUT_LIMIT)
    stderr, cut_err = bounded(op.stderr, OUTPUT_LIMIT)
    diffs = []
    cut_diff = False
    for d in op.diffs:
        old, cut_old = bounded(d.old, DIFF_LIMIT) if d.old is not None else (None, False)
        new, cut_new = bounded(d.new, DIFF_LIMIT) if d.new is not None else (None, False)
        cut_diff = cut_diff or cut_old or cut_new
        diffs.append({"path": d.path, "old": old, "new": new, "secret": d.secret})
    return {
        "run_id": run_id, "host": op.host, "seq": seq, "name": op.name,
        "operation": op.operation, "location": op.location, "status": op.status.value,
        "changed": op.changed, "commands": list(op.commands),
        "exit_codes": [o.exit_code for o in op.outputs], "diffs": diffs,
        "stdout": stdout, "stderr": stderr, "truncated": cut_out or cut_err or cut_diff,
        "notes": list(op.notes), "error": op.error, "duration": op.duration,
        "retries": op.retries, "wave": op.wave,
    }


def host_row(run_id: int, result: HostResult, groups: list[str]) -> dict[str, Any]:
    return {
        "run_id": run_id, "host": result.host, "groups": groups,
        "status": result.status.value, "error": result.error, "changed": result.changed,
        "operations": len(result.operations), "duration": result.duration,
        "ended_at": now(),
    }
