"""Facts about a PostgreSQL server, read with ``psql``: roles and databases.

Every fact takes the connection arguments of the ``postgres`` operations: ``psql_user``,
``psql_password``, ``psql_host``, ``psql_port`` and ``psql_database``. A password goes to
``psql`` in the ``PGPASSWORD`` environment variable of the command, never as an argument.
"""

from __future__ import annotations

from typing import Any

from corral.model.command import MaskString, QuoteString, StringCommand
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

from ._util.databases import Password, client_command

#: psql's field separator in fact output: a character no name or setting contains
FIELD_SEP = "\x1f"

ROLES_KEY: Key = ("postgres", "roles")
DATABASES_KEY: Key = ("postgres", "databases")

def ident(name: str) -> str:
    """A PostgreSQL identifier, double-quoted."""
    if "\0" in name:
        raise ValueError("a PostgreSQL name cannot contain a NUL character")
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A PostgreSQL string literal that means the same whatever standard_conforming_strings is."""
    if "\0" in value:
        raise ValueError("a PostgreSQL string cannot contain a NUL character")
    if "\\" in value:
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
    return "'" + value.replace("'", "''") + "'"


def psql_command(
    executable: str = "psql",
    user: str | None = None,
    password: Password = None,
    host: str | None = None,
    port: int | str | None = None,
    database: str | None = None,
) -> StringCommand:
    """``[PGPASSWORD=...] psql -X [-d DB] [-U USER] [-h HOST] [-p PORT]``, password masked."""
    return client_command(executable, "PGPASSWORD", password,
                          ["-X"] if executable == "psql" else [], ("-d", database),
                          ("-U", user), ("-h", host), ("-p", port))


def fact_command(sql: str, user: str | None, password: Password, host: str | None,
                 port: int | str | None, database: str | None) -> str:
    """The shell text of a fact query: unaligned output, no footer, FIELD_SEP between fields.

    With a password the text is a :class:`MaskString`, so it is known to hold a secret."""
    cmd = StringCommand(
        psql_command(user=user, password=password, host=host, port=port, database=database),
        "-A", "-F", QuoteString(FIELD_SEP), "-P", "footer=off", "-c", QuoteString(sql),
    )
    text = cmd.render()
    return MaskString(text) if password else text


def parse_table(output: list[str], prefix: str = "") -> list[dict[str, str | None]]:
    """Rows of psql's unaligned output (a header line, then one line per row) as dicts;
    ``prefix`` is removed from column names, empty values are None."""
    lines = [line for line in output if line != ""]
    if not lines:
        return []
    titles = [t[len(prefix):] if prefix and t.startswith(prefix) else t
              for t in lines[0].split(FIELD_SEP)]
    if len(titles) < 2 or not all(t and t.replace("_", "").isalnum() for t in titles):
        raise FactParseError(f"not a psql header line: {lines[0]!r}")
    rows = []
    for line in lines[1:]:
        values = line.split(FIELD_SEP)
        if len(values) != len(titles):
            raise FactParseError(f"expected {len(titles)} fields, got {len(values)}: {line!r}")
        rows.append({t: (v if v != "" else None) for t, v in zip(titles, values, strict=True)})
    return rows


def _to_int(value: str | None) -> int | str | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def _to_bool(value: str | None) -> bool:
    if value not in ("t", "f"):
        raise FactParseError(f"expected t or f, got {value!r}")
    return value == "t"


class _PostgresFact(FactBase[Any]):
    abstract = True
    requires_command = "psql"
    sql = ""

    def command(self, psql_user: str | None = None, psql_password: Password = None,
                psql_host: str | None = None, psql_port: int | None = None,
                psql_database: str | None = None) -> str:
        return fact_command(self.sql, psql_user, psql_password, psql_host, psql_port,
                            psql_database)


_ROLE_FLAGS = ("super", "inherit", "createrole", "createdb", "canlogin", "replication",
               "bypassrls")


class PostgresRoles(_PostgresFact):
    """The roles of the server by name, each a dict of pg_roles' columns without their
    ``rol`` prefix: ``super``, ``canlogin``, ``createdb``... (booleans), ``connlimit``,
    ``oid`` (integers), ``password`` ("********"), ``validuntil``, ``config``."""

    sql = "SELECT * FROM pg_catalog.pg_roles"

    @staticmethod
    def default() -> dict[str, dict[str, Any]]:
        return {}

    def process(self, output: list[str]) -> dict[str, dict[str, Any]]:
        roles: dict[str, dict[str, Any]] = {}
        for row in parse_table(output, prefix="rol"):
            name = row.pop("name", None)
            if name is None:
                raise FactParseError("a role without a name")
            details: dict[str, Any] = dict(row)
            for key, value in row.items():
                if key in ("oid", "connlimit"):
                    details[key] = _to_int(value)
                elif key in _ROLE_FLAGS:
                    details[key] = _to_bool(value)
            roles[name] = details
        return roles

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({ROLES_KEY, ("packages",)})


class PostgresDatabases(_PostgresFact):
    """The databases of the server by name, each a dict of pg_database's columns without
    their ``dat`` prefix: ``encoding`` (a name such as "UTF8"), ``collate``, ``ctype``,
    ``dba`` (the owner's oid), ``connlimit``, ``istemplate``, ``allowconn``..."""

    sql = ("SELECT pg_catalog.pg_encoding_to_char(encoding) AS encoding_name, "
           "(SELECT spcname FROM pg_catalog.pg_tablespace s WHERE s.oid = dattablespace) "
           "AS tablespace_name, * FROM pg_catalog.pg_database")

    @staticmethod
    def default() -> dict[str, dict[str, Any]]:
        return {}

    def process(self, output: list[str]) -> dict[str, dict[str, Any]]:
        databases: dict[str, dict[str, Any]] = {}
        for row in parse_table(output, prefix="dat"):
            name = row.pop("name", None)
            if name is None or "encoding_name" not in row:
                raise FactParseError("a database without a name or encoding")
            details: dict[str, Any] = dict(row)
            details["encoding"] = details.pop("encoding_name")
            for key, value in row.items():
                if key.endswith("id") or key in ("dba", "tablespace", "connlimit"):
                    details[key] = _to_int(value)
                elif key in ("istemplate", "allowconn"):
                    details[key] = _to_bool(value)
            databases[name] = details
        return databases

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({DATABASES_KEY, ("packages",)})


class PostgresRolePassword(FactBase[str | None]):
    """The stored password verifier of a role (``SCRAM-SHA-256$...`` or ``md5...``), or
    None when the role has no password, does not exist, or pg_authid cannot be read (it
    takes a superuser). Not in pyinfra: ``postgres.role`` uses it to leave a correct
    password alone."""

    requires_command = "psql"

    def command(self, role: str, psql_user: str | None = None, psql_password: Password = None,
                psql_host: str | None = None, psql_port: int | None = None,
                psql_database: str | None = None) -> str:
        sql = f"SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = {literal(role)}"
        return fact_command(sql, psql_user, psql_password, psql_host, psql_port,
                            psql_database)

    def process(self, output: list[str]) -> str | None:
        lines = [line for line in output if line != ""]
        if not lines:
            return None
        if lines[0] != "rolpassword" or len(lines) > 2:
            raise FactParseError(f"expected a rolpassword column and one row: {lines[:3]!r}")
        return lines[1] if len(lines) == 2 else None

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({ROLES_KEY})
