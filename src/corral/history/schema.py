"""The history store's tables (SQLAlchemy Core), as the newest migration leaves them.

Three tables: a run, the hosts of a run, and the operations of a host in a run. A run's
``kind`` says what it was (``run``, or ``drift``: a drift check), so later kinds come
without touching these rows. A fourth, the audit log (revision 0003), is append-only and
hash-chained (history/audit.py); it refers to runs by id without a foreign key, so pruning
runs never touches it.

Text that came from hosts (output, diffs) is bounded (``rows.OUTPUT_LIMIT``,
``rows.DIFF_LIMIT``); every value written here comes from the engine's masked results.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

#: the newest migration's revision (tests/history checks it is Alembic's head): a store at
#: this revision is opened without loading Alembic at all
HEAD = "0004"

metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # run (a deploy, an operation, a command, facts), or drift (a dry run checking drift)
    Column("kind", String(16), nullable=False, default="run"),
    # running, then ok / failed / pending / unreachable / bad input / interrupted / error
    Column("status", String(16), nullable=False),
    Column("dry", Boolean, nullable=False, default=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("exit_code", Integer),
    Column("error", Text),
    # who: the OS user; api_user when a front end (the web server) ran it for someone
    Column("os_user", String(255)),
    Column("api_user", String(255)),
    # where: the controller, and its process (a running row whose process is gone on this
    # controller was interrupted)
    Column("controller", String(255)),
    Column("pid", Integer),
    # what: the inventory as given, the deploy files with their sha256, the git commit
    Column("inventory", Text),
    Column("files", JSON),  # [{"path", "sha256", "role"}]
    Column("git_commit", String(64)),
    Column("git_dirty", Boolean),
    Column("options", JSON),  # dry, limit, parallel, ... (no secret-bearing flag)
    Column("hosts_total", Integer),
    Column("hosts_changed", Integer),
    Column("hosts_failed", Integer),
    Column("hosts_unreachable", Integer),
    Column("operations_changed", Integer),
    Column("duration", Float),
    Column("corral_version", String(32)),  # revision 0002
)
Index("ix_runs_started_at", runs.c.started_at)

run_hosts = Table(
    "run_hosts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("host", String(255), nullable=False),
    Column("groups", JSON),  # the inventory groups the host was in
    # ok, changed, failed, unreachable, interrupted
    Column("status", String(16), nullable=False),
    Column("error", Text),
    Column("changed", Integer, nullable=False, default=0),
    Column("operations", Integer, nullable=False, default=0),
    Column("duration", Float),
    Column("ended_at", DateTime(timezone=True)),
    UniqueConstraint("run_id", "host", name="uq_run_hosts_run_host"),
)
Index("ix_run_hosts_host", run_hosts.c.host)  # revision 0002

operations = Table(
    "operations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("host", String(255), nullable=False),
    Column("seq", Integer, nullable=False),  # the order its record came in, per host
    Column("name", Text, nullable=False),
    Column("operation", String(255), nullable=False),
    Column("location", Text),
    Column("status", String(16), nullable=False),
    Column("changed", Boolean, nullable=False),
    Column("commands", JSON),  # the masked shell text of each command
    Column("exit_codes", JSON),  # each command's exit code
    Column("diffs", JSON),  # [{"path", "old", "new", "secret"}], each side bounded
    Column("stdout", Text),
    Column("stderr", Text),
    Column("truncated", Boolean, nullable=False, default=False),
    Column("notes", JSON),
    Column("error", Text),
    Column("duration", Float),
    Column("retries", Integer, nullable=False, default=0),
    Column("wave", Integer),
)
Index("ix_operations_run_host", operations.c.run_id, operations.c.host)

audit_log = Table(
    "audit_log", metadata,  # revision 0003
    Column("id", Integer, primary_key=True, autoincrement=True),
    # the record's place in the chain: 1, 2, 3, ... with no gap
    Column("seq", Integer, nullable=False),
    # when, as ISO 8601 text in UTC: hashed as stored, the same on every database
    Column("at", String(40), nullable=False),
    # run.start, run.end, vault.read, history.prune; (to come) login, schedule.change
    Column("kind", String(32), nullable=False),
    Column("actor", String(255)),
    Column("controller", String(255)),
    Column("run_id", Integer),
    # the record's details as canonical JSON text (sorted keys, no spaces, ASCII)
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("seq", name="uq_audit_log_seq"),
)
