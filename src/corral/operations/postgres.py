"""Manage PostgreSQL roles and databases, run SQL, dump and load databases.

Needs the ``psql`` client (and ``pg_dump`` for dumps) on the host. Every operation takes
the connection arguments:

+ psql_user: the role to connect as
+ psql_password: its password (a string or a ``Secret``), given to psql in the
  ``PGPASSWORD`` environment variable, never on a command line, and masked in output
+ psql_host: the server's host name or socket directory
+ psql_port: the server's port
+ psql_database: the database to connect to

Without them psql connects as the user the command runs as, over the local socket: run the
operations with ``_sudo=True, _sudo_user="postgres"`` to use the ``postgres`` superuser.
"""

from __future__ import annotations

from typing import Any

from corral.facts.postgres import (
    DATABASES_KEY,
    ROLES_KEY,
    PostgresDatabases,
    PostgresRolePassword,
    PostgresRoles,
    ident,
    literal,
)
from corral.model import keys
from corral.model.command import MaskString, QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.model.secrets import Secret, reveal
from corral.operations._util.databases import PsqlConnection, postgres_password_matches


def _roles_changed(*_a: Any, **_k: Any) -> list[Key]:
    return [ROLES_KEY]


def _databases_changed(*_a: Any, **_k: Any) -> list[Key]:
    return [DATABASES_KEY]


def _anything_changed(*_a: Any, **_k: Any) -> list[Key]:
    return [ROLES_KEY, DATABASES_KEY]


def _name(value: str, what: str) -> str:
    if not value:
        raise OperationValueError(f"empty {what} name")
    try:
        return ident(value)
    except ValueError as exc:
        raise OperationValueError(str(exc)) from None


def _text(value: str) -> str:
    try:
        return literal(value)
    except ValueError as exc:
        raise OperationValueError(str(exc)) from None


def _limit(value: int | None) -> int | None:
    if value is not None and value < -1:
        raise OperationValueError(f"connection_limit must be -1 or more, not {value}")
    return value


@operation(is_idempotent=False, changes=_anything_changed)
def sql(
    sql: str,
    psql_user: str | None = None,
    psql_password: str | Secret | None = None,
    psql_host: str | None = None,
    psql_port: int | None = None,
    psql_database: str | None = None,
) -> OpGenerator:
    """Run SQL statements with psql.

    + sql: the SQL to run (several statements run in one transaction)
    + psql_*: the connection arguments, see the module's description

    Example:
        postgres.sql(
            name="Create the extension",
            sql="CREATE EXTENSION IF NOT EXISTS pg_trgm",
            psql_database="app",
            _sudo=True,
            _sudo_user="postgres",
        )
    """
    if not str(sql).strip():
        raise OperationValueError("empty SQL")
    yield PsqlConnection(psql_user, psql_password, psql_host, psql_port, psql_database).run(sql)


_FLAGS = (
    ("LOGIN", "canlogin"),
    ("SUPERUSER", "super"),
    ("INHERIT", "inherit"),
    ("CREATEDB", "createdb"),
    ("CREATEROLE", "createrole"),
    ("REPLICATION", "replication"),
)


@operation(changes=_roles_changed)
def role(
    role: str,
    present: bool = True,
    password: str | Secret | None = None,
    login: bool = True,
    superuser: bool = False,
    inherit: bool = False,
    createdb: bool = False,
    createrole: bool = False,
    replication: bool = False,
    connection_limit: int | None = None,
    psql_user: str | None = None,
    psql_password: str | Secret | None = None,
    psql_host: str | None = None,
    psql_port: int | None = None,
    psql_database: str | None = None,
) -> OpGenerator:
    """Add, update or remove a PostgreSQL role.

    + role: the role's name
    + present: whether the role should exist
    + password: its password (a string or a ``Secret``), masked in output and sent to psql
      on standard input
    + login, superuser, inherit, createdb, createrole, replication: attributes the role
      should have
    + connection_limit: how many connections it may open at once (-1: no limit)
    + psql_*: the connection arguments, see the module's description

    An existing role is given the attributes asked for that it lacks; attributes it has
    are never taken away (``superuser=False`` does not demote a superuser). Its password is
    set when the stored one (read from pg_authid, which takes a superuser) is not
    ``password``; when the stored one cannot be read it is set on every run.

    Example:
        postgres.role(
            name="Create the app role",
            role="app",
            password=Secret("s3cret"),
            createdb=True,
            _sudo=True,
            _sudo_user="postgres",
        )
    """
    quoted = _name(role, "role")
    limit = _limit(connection_limit)
    conn = PsqlConnection(psql_user, psql_password, psql_host, psql_port, psql_database)
    roles = host.get_fact(PostgresRoles, **conn.facts())
    stored = host.get_fact(PostgresRolePassword, role=role, **conn.facts()) if password else None
    current = roles.get(role)

    if not present:
        if current is None:
            host.noop(f"postgresql role {role} does not exist")
        else:
            yield conn.run(f"DROP ROLE {quoted}")
        return

    wanted = dict(zip((k for k, _ in _FLAGS),
                      (login, superuser, inherit, createdb, createrole, replication),
                      strict=True))
    bits: list[object] = []
    if current is None:
        bits += [keyword for keyword, _ in _FLAGS if wanted[keyword]]
        if limit is not None:
            bits.append(f"CONNECTION LIMIT {limit}")
    else:
        bits += [kw for kw, column in _FLAGS if wanted[kw] and not current.get(column)]
        if limit is not None and current.get("connlimit") != limit:
            bits.append(f"CONNECTION LIMIT {limit}")
    if password and (current is None or not postgres_password_matches(stored, password, role)):
        bits.append(StringCommand("PASSWORD", MaskString(_text(reveal(password)))))

    if current is None:
        yield conn.run(StringCommand(f"CREATE ROLE {quoted}", *bits))
    elif bits:
        yield conn.run(StringCommand(f"ALTER ROLE {quoted}", *bits))
    else:
        host.noop(f"postgresql role {role} exists and needs no change")


@operation(changes=_databases_changed)
def database(
    database: str,
    present: bool = True,
    owner: str | None = None,
    template: str | None = None,
    encoding: str | None = None,
    lc_collate: str | None = None,
    lc_ctype: str | None = None,
    tablespace: str | None = None,
    connection_limit: int | None = None,
    psql_user: str | None = None,
    psql_password: str | Secret | None = None,
    psql_host: str | None = None,
    psql_port: int | None = None,
    psql_database: str | None = None,
) -> OpGenerator:
    """Add or remove a PostgreSQL database.

    + database: the database's name
    + present: whether the database should exist
    + owner: the role owning it
    + template: the database to copy it from (e.g. ``template0``)
    + encoding: its character encoding (e.g. ``UTF8``)
    + lc_collate, lc_ctype: its collation and character classification locales
    + tablespace: its default tablespace
    + connection_limit: how many connections it may have at once (-1: no limit)
    + psql_*: the connection arguments, see the module's description

    An existing database is given ``owner``, ``connection_limit`` and ``tablespace`` when
    they differ (moving it to another tablespace needs nobody connected to it); its
    template, encoding and locales are only used to create it.

    Example:
        postgres.database(
            name="Create the app database",
            database="app",
            owner="app",
            encoding="UTF8",
            _sudo=True,
            _sudo_user="postgres",
        )
    """
    quoted = _name(database, "database")
    limit = _limit(connection_limit)
    conn = PsqlConnection(psql_user, psql_password, psql_host, psql_port, psql_database)
    databases = host.get_fact(PostgresDatabases, **conn.facts())
    roles = host.get_fact(PostgresRoles, **conn.facts()) if owner else {}
    current = databases.get(database)

    if not present:
        if current is None:
            host.noop(f"postgresql database {database} does not exist")
        else:
            yield conn.run(f"DROP DATABASE {quoted}")
        return

    if current is None:
        bits = [f"CREATE DATABASE {quoted}"]
        if owner:
            bits.append(f"OWNER {_name(owner, 'role')}")
        if template:
            bits.append(f"TEMPLATE {_name(template, 'template')}")
        for keyword, value in (("ENCODING", encoding), ("LC_COLLATE", lc_collate),
                               ("LC_CTYPE", lc_ctype)):
            if value:
                bits.append(f"{keyword} {_text(value)}")
        if tablespace:
            bits.append(f"TABLESPACE {_name(tablespace, 'tablespace')}")
        if limit is not None:
            bits.append(f"CONNECTION LIMIT {limit}")
        yield conn.run(" ".join(bits))
        return

    changed = False
    if owner:
        owner_oid = (roles.get(owner) or {}).get("oid")
        if owner_oid is None or current.get("dba") != owner_oid:
            yield conn.run(f"ALTER DATABASE {quoted} OWNER TO {_name(owner, 'role')}")
            changed = True
    if limit is not None and current.get("connlimit") != limit:
        yield conn.run(f"ALTER DATABASE {quoted} CONNECTION LIMIT {limit}")
        changed = True
    if tablespace and current.get("tablespace_name") != tablespace:
        # moves its files: PostgreSQL refuses while anyone is connected to it
        yield conn.run(f"ALTER DATABASE {quoted} SET TABLESPACE "
                       f"{_name(tablespace, 'tablespace')}")
        changed = True
    for what, value, column in (("encoding", encoding, "encoding"),
                                ("lc_collate", lc_collate, "collate"),
                                ("lc_ctype", lc_ctype, "ctype")):
        if value and current.get(column) != value:
            host.noop(f"{what} of existing database {database} is {current.get(column)}, "
                      f"not {value}: left as it is")
    if not changed:
        host.noop(f"postgresql database {database} exists")


@operation(is_idempotent=False, changes=lambda dest, **_: [keys.path(dest)])
def dump(
    dest: str,
    psql_user: str | None = None,
    psql_password: str | Secret | None = None,
    psql_host: str | None = None,
    psql_port: int | None = None,
    psql_database: str | None = None,
) -> OpGenerator:
    """Dump a database as SQL into a file on the host, with ``pg_dump``.

    + dest: the file to write
    + psql_*: the connection arguments, see the module's description (``psql_database``
      is the database dumped)

    Example:
        postgres.dump(
            name="Dump the app database",
            dest="/var/backups/app.sql",
            psql_database="app",
            _sudo=True,
            _sudo_user="postgres",
        )
    """
    conn = PsqlConnection(psql_user, psql_password, psql_host, psql_port, psql_database)
    yield StringCommand(conn.client("pg_dump"), ">", QuoteString(dest))


@operation(is_idempotent=False, changes=_anything_changed)
def load(
    src: str,
    psql_user: str | None = None,
    psql_password: str | Secret | None = None,
    psql_host: str | None = None,
    psql_port: int | None = None,
    psql_database: str | None = None,
) -> OpGenerator:
    """Run a file of SQL on the host (a dump) with psql, stopping at the first error.

    + src: the file to read, on the host
    + psql_*: the connection arguments, see the module's description (``psql_database``
      is the database loaded into)

    Example:
        postgres.load(
            name="Load the app dump into app_copy",
            src="/var/backups/app.sql",
            psql_database="app_copy",
            _sudo=True,
            _sudo_user="postgres",
        )
    """
    conn = PsqlConnection(psql_user, psql_password, psql_host, psql_port, psql_database)
    yield StringCommand(conn.client(), "-v", "ON_ERROR_STOP=1", "-q", "<", QuoteString(src))
