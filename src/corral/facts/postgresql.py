"""``postgresql.*`` facts: pyinfra's older, deprecated names of the ``postgres`` facts,
reading the same (same command, arguments and value)."""

from __future__ import annotations

from .postgres import PostgresDatabases, PostgresRoles


class PostgresqlRoles(PostgresRoles):
    """The roles, as ``postgres.PostgresRoles`` (pyinfra's deprecated name)."""


class PostgresqlDatabases(PostgresDatabases):
    """The databases, as ``postgres.PostgresDatabases`` (pyinfra's deprecated name)."""
