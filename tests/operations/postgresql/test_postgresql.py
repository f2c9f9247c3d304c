"""postgresql.* are pyinfra's deprecated names of postgres.*: the same operations and the
same facts, listed under both names."""

from __future__ import annotations

from corral import catalog
from corral.facts import postgres as postgres_facts
from corral.facts import postgresql as postgresql_facts
from corral.operations import postgres, postgresql


def test_operations_are_the_postgres_ones() -> None:
    ops = catalog.operations()
    for name in ("database", "dump", "load", "role", "sql"):
        assert getattr(postgresql, name) is getattr(postgres, name)
        assert ops[f"postgresql.{name}"] is ops[f"postgres.{name}"]


def test_facts_read_the_same() -> None:
    facts = catalog.facts()
    for old, new in ((postgresql_facts.PostgresqlRoles, postgres_facts.PostgresRoles),
                     (postgresql_facts.PostgresqlDatabases, postgres_facts.PostgresDatabases)):
        assert facts[old.name] is old and issubclass(old, new)
        assert old().command(psql_user="u") == new().command(psql_user="u")
