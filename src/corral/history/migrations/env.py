"""Alembic's environment for the history store: always given an open connection by
:func:`corral.history.store.migrate` (there is no alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from corral.history.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # two controllers opening a new store at once: one creates it, the other waits
        connection.execute(text("SELECT pg_advisory_xact_lock(7461625)"))
    context.run_migrations()
