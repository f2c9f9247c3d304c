"""Which corral recorded a run; an index on the host of a run's hosts (a host's timeline).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("corral_version", sa.String(32)))
    op.create_index("ix_run_hosts_host", "run_hosts", ["host"])


def downgrade() -> None:
    op.drop_index("ix_run_hosts_host", "run_hosts")
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("corral_version")
