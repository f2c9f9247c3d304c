"""Alembic migrations of the history store, from its first schema (applied on open)."""
