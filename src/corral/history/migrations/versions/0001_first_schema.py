"""The first schema: runs, the hosts of a run, the operations of a host.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("dry", sa.Boolean, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("exit_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("os_user", sa.String(255)),
        sa.Column("api_user", sa.String(255)),
        sa.Column("controller", sa.String(255)),
        sa.Column("pid", sa.Integer),
        sa.Column("inventory", sa.Text),
        sa.Column("files", sa.JSON),
        sa.Column("git_commit", sa.String(64)),
        sa.Column("git_dirty", sa.Boolean),
        sa.Column("options", sa.JSON),
        sa.Column("hosts_total", sa.Integer),
        sa.Column("hosts_changed", sa.Integer),
        sa.Column("hosts_failed", sa.Integer),
        sa.Column("hosts_unreachable", sa.Integer),
        sa.Column("operations_changed", sa.Integer),
        sa.Column("duration", sa.Float),
    )
    op.create_index("ix_runs_started_at", "runs", ["started_at"])
    op.create_table(
        "run_hosts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("groups", sa.JSON),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("changed", sa.Integer, nullable=False),
        sa.Column("operations", sa.Integer, nullable=False),
        sa.Column("duration", sa.Float),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("run_id", "host", name="uq_run_hosts_run_host"),
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("operation", sa.String(255), nullable=False),
        sa.Column("location", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("changed", sa.Boolean, nullable=False),
        sa.Column("commands", sa.JSON),
        sa.Column("exit_codes", sa.JSON),
        sa.Column("diffs", sa.JSON),
        sa.Column("stdout", sa.Text),
        sa.Column("stderr", sa.Text),
        sa.Column("truncated", sa.Boolean, nullable=False),
        sa.Column("notes", sa.JSON),
        sa.Column("error", sa.Text),
        sa.Column("duration", sa.Float),
        sa.Column("retries", sa.Integer, nullable=False),
        sa.Column("wave", sa.Integer),
    )
    op.create_index("ix_operations_run_host", "operations", ["run_id", "host"])


def downgrade() -> None:
    op.drop_table("operations")
    op.drop_table("run_hosts")
    op.drop_table("runs")
