"""Manage MySQL and MariaDB databases, users and privileges, run SQL, dump and load databases.

Needs the ``mysql`` client (and ``mysqldump`` for dumps) on the host. Every operation takes
the connection arguments:

+ mysql_user: the account to connect as
+ mysql_password: its password (a string or a ``Secret``), given to the client in the
  ``MYSQL_PWD`` environment variable, never on a command line, and masked in output
+ mysql_host: the server's host name
+ mysql_port: the server's port

Without them the client connects as the user the command runs as, over the local socket
(on Debian, root is let in by the unix_socket plugin).
"""

from __future__ import annotations

from typing import Any

from corral.facts.mysql import (
    DATABASES_KEY,
    USERS_KEY,
    MysqlDatabases,
    MysqlUsers,
    account,
    ident,
    literal,
    mysql_command,
)
from corral.model import keys
from corral.model.command import MaskString, QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.model.secrets import Secret, reveal
from corral.operations._util.databases import MysqlConnection, mysql_password_state

from ._grants import grants_fact, privilege_commands


def _users_changed(*_a: Any, **_k: Any) -> list[Key]:
    return [USERS_KEY]


def _anything_changed(*_a: Any, **_k: Any) -> list[Key]:
    return [USERS_KEY, DATABASES_KEY]


def _quote(text: str) -> str:
    try:
        return literal(text)
    except ValueError as exc:
        raise OperationValueError(str(exc)) from None


def _account(user: str, hostname: str) -> str:
    try:
        return account(user, hostname)
    except ValueError as exc:
        raise OperationValueError(str(exc)) from None


@operation(is_idempotent=False, changes=_anything_changed)
def sql(
    sql: str,
    database: str | None = None,
    mysql_user: str | None = None,
    mysql_password: str | Secret | None = None,
    mysql_host: str | None = None,
    mysql_port: int | None = None,
) -> OpGenerator:
    """Run SQL statements with the mysql client.

    + sql: the SQL to run
    + database: the database to run it in
    + mysql_*: the connection arguments, see the module's description

    Example:
        mysql.sql(
            name="Create the sessions table",
            sql="CREATE TABLE IF NOT EXISTS sessions (id INT PRIMARY KEY)",
            database="app",
        )
    """
    if not str(sql).strip():
        raise OperationValueError("empty SQL")
    yield MysqlConnection(mysql_user, mysql_password, mysql_host, mysql_port).run(sql, database)


def _ssl_bits(require: str | None, cipher: str | None, issuer: str | None,
              subject: str | None, current: dict[str, Any] | None) -> list[str]:
    """The REQUIRE clause needed, or [] when the account already has it."""
    if require == "SSL":
        return [] if current and current.get("ssl_type") == "ANY" else ["REQUIRE SSL"]
    if require != "X509":
        return []
    wanted = [("CIPHER", cipher, "ssl_cipher"), ("ISSUER", issuer, "x509_issuer"),
              ("SUBJECT", subject, "x509_subject")]
    given = [(k, v, col) for k, v, col in wanted if v]
    if not given:
        if current and current.get("ssl_type") == "X509":
            return []
        return ["REQUIRE X509"]
    if current and current.get("ssl_type") == "SPECIFIED" and all(
            current.get(col) == v for _, v, col in given):
        return []
    return ["REQUIRE " + " AND ".join(f"{k} {_quote(str(v))}" for k, v, _ in given)]


_LIMITS = (
    ("MAX_USER_CONNECTIONS", "max_user_connections"),
    ("MAX_QUERIES_PER_HOUR", "max_questions"),
    ("MAX_UPDATES_PER_HOUR", "max_updates"),
    ("MAX_CONNECTIONS_PER_HOUR", "max_connections"),
)


@operation(changes=_users_changed)
def user(
    user: str,
    present: bool = True,
    user_hostname: str = "localhost",
    password: str | Secret | None = None,
    privileges: str | list[str] | None = None,
    require: str | None = None,
    require_cipher: str | None = None,
    require_issuer: str | None = None,
    require_subject: str | None = None,
    max_connections: int | None = None,
    max_queries_per_hour: int | None = None,
    max_updates_per_hour: int | None = None,
    max_connections_per_hour: int | None = None,
    mysql_user: str | None = None,
    mysql_password: str | Secret | None = None,
    mysql_host: str | None = None,
    mysql_port: int | None = None,
) -> OpGenerator:
    """Add, update or remove a MySQL account (``user``@``user_hostname``).

    + user: the account's user name
    + present: whether the account should exist
    + user_hostname: the account's host part (another host name is another account)
    + password: its password (a string or a ``Secret``), masked in output and sent to the
      client on standard input
    + privileges: the account's global privileges (see ``mysql.privileges``)
    + require: ``"SSL"`` or ``"X509"``, to require TLS connections
    + require_cipher, require_issuer, require_subject: the certificate requirements of
      ``require="X509"``
    + max_connections: ``MAX_USER_CONNECTIONS``
    + max_queries_per_hour, max_updates_per_hour, max_connections_per_hour: resource limits
    + mysql_*: the connection arguments, see the module's description

    An existing account's password is changed when the server stores a
    mysql_native_password hash that is not ``password``'s; with another authentication
    plugin it is left alone.

    Example:
        mysql.user(
            name="Create the app account",
            user="app",
            password=Secret("s3cret"),
            max_connections=50,
        )
    """
    if require not in (None, "SSL", "X509"):
        raise OperationValueError('require must be "SSL" or "X509"')
    if require != "X509" and (require_cipher or require_issuer or require_subject):
        raise OperationValueError('require_cipher, require_issuer and require_subject need '
                                  'require="X509"')
    name = _account(user, user_hostname)
    conn = MysqlConnection(mysql_user, mysql_password, mysql_host, mysql_port)
    users = host.get_fact(MysqlUsers, **conn.facts())
    if present and privileges is not None:
        grants_fact(user, user_hostname, conn)  # read with the others, before any command
    current = users.get(f"{user}@{user_hostname}")

    if not present:
        if current is None:
            host.noop(f"mysql user {user}@{user_hostname} does not exist")
        else:
            yield conn.run(f"DROP USER {name}")
        return

    bits: list[object] = []
    if password:
        state = mysql_password_state(current, password) if current is not None else False
        if state is False:
            bits.append(StringCommand("IDENTIFIED BY", MaskString(_quote(reveal(password)))))
    bits += _ssl_bits(require, require_cipher, require_issuer, require_subject, current)
    limits = []
    for (keyword, column), value in zip(
            _LIMITS, (max_connections, max_queries_per_hour, max_updates_per_hour,
                      max_connections_per_hour), strict=True):
        if value is not None and (current is None or current.get(column) != value):
            if value < 0:
                raise OperationValueError(f"{keyword.lower()} must not be negative")
            limits.append(f"{keyword} {int(value)}")
    if limits:
        bits += ["WITH", *limits]

    if current is None:
        yield conn.run(StringCommand(f"CREATE USER {name}", *bits))
    elif bits:
        yield conn.run(StringCommand(f"ALTER USER {name}", *bits))
    else:
        host.noop(f"mysql user {user}@{user_hostname} exists")

    if privileges is not None:
        yield from privilege_commands(user, privileges, user_hostname, "*", "*", True, False,
                                      conn)


@operation(changes=_anything_changed)
def database(
    database: str,
    present: bool = True,
    collate: str | None = None,
    charset: str | None = None,
    user: str | None = None,
    user_hostname: str = "localhost",
    user_privileges: str | list[str] = "ALL",
    mysql_user: str | None = None,
    mysql_password: str | Secret | None = None,
    mysql_host: str | None = None,
    mysql_port: int | None = None,
) -> OpGenerator:
    """Add or remove a MySQL database, and grant an account privileges on it.

    + database: the database's name
    + present: whether the database should exist
    + collate: its collation, when it is created
    + charset: its character set, when it is created
    + user: an account to grant ``user_privileges`` on the database
    + user_hostname: that account's host part
    + user_privileges: the privileges the account should have on the database
    + mysql_*: the connection arguments, see the module's description

    The character set and collation of an existing database are left as they are.

    Example:
        mysql.database(
            name="Create the app database",
            database="app",
            charset="utf8mb4",
            user="app",
            user_privileges=["SELECT", "INSERT", "UPDATE", "DELETE"],
        )
    """
    if not database:
        raise OperationValueError("empty database name")
    for what, value in (("collate", collate), ("charset", charset)):
        if value is not None and not value.replace("_", "").isalnum():
            raise OperationValueError(f"bad {what} {value!r}")
    try:
        quoted = ident(database)
    except ValueError as exc:
        raise OperationValueError(str(exc)) from None
    conn = MysqlConnection(mysql_user, mysql_password, mysql_host, mysql_port)
    databases = host.get_fact(MysqlDatabases, **conn.facts())
    if present and user and user_privileges:
        grants_fact(user, user_hostname, conn)
    current = databases.get(database)

    if not present:
        if current is None:
            host.noop(f"mysql database {database} does not exist")
        else:
            yield conn.run(f"DROP DATABASE {quoted}")
        return

    if current is None:
        bits = [f"CREATE DATABASE {quoted}"]
        if charset:
            bits.append(f"CHARACTER SET {charset}")
        if collate:
            bits.append(f"COLLATE {collate}")
        yield conn.run(" ".join(bits))
    else:
        for what, value, column in (("charset", charset, "character_set"),
                                    ("collate", collate, "collation_name")):
            if value and current.get(column) != value:
                host.noop(f"{what} of existing database {database} is {current.get(column)}, "
                          f"not {value}: left as it is")
        host.noop(f"mysql database {database} exists")

    if user and user_privileges:
        yield from privilege_commands(user, user_privileges, user_hostname, database, "*",
                                      True, False, conn)


@operation(changes=_users_changed)
def privileges(
    user: str,
    privileges: str | list[str] | set[str] | tuple[str, ...],
    user_hostname: str = "localhost",
    database: str = "*",
    table: str = "*",
    flush: bool = True,
    with_grant_option: bool = False,
    mysql_user: str | None = None,
    mysql_password: str | Secret | None = None,
    mysql_host: str | None = None,
    mysql_port: int | None = None,
) -> OpGenerator:
    """Set an account's privileges on all databases, one database or one table.

    The account ends with exactly the privileges given: missing ones are granted, others
    revoked (first, so that narrowing ``ALL`` down keeps what is asked for).

    + user: the account's user name
    + privileges: the privileges it should have, e.g. ``["SELECT", "INSERT"]`` or ``"ALL"``
    + user_hostname: the account's host part
    + database: the database (``*``: global privileges)
    + table: the table in ``database`` (``*``: the whole database)
    + flush: run ``FLUSH PRIVILEGES`` after a change
    + with_grant_option: whether the account may grant its privileges to others
    + mysql_*: the connection arguments, see the module's description

    Example:
        mysql.privileges(
            name="Let the reporting account read the app database",
            user="reporting",
            privileges=["SELECT"],
            database="app",
        )
    """
    conn = MysqlConnection(mysql_user, mysql_password, mysql_host, mysql_port)
    yield from privilege_commands(user, privileges, user_hostname, database, table, flush,
                                  with_grant_option, conn)


@operation(is_idempotent=False, changes=lambda dest, **_: [keys.path(dest)])
def dump(
    dest: str,
    database: str | None = None,
    mysql_user: str | None = None,
    mysql_password: str | Secret | None = None,
    mysql_host: str | None = None,
    mysql_port: int | None = None,
) -> OpGenerator:
    """Dump a database as SQL into a file on the host, with ``mysqldump``.

    + dest: the file to write
    + database: the database to dump
    + mysql_*: the connection arguments, see the module's description

    Example:
        mysql.dump(
            name="Dump the app database",
            dest="/var/backups/app.sql",
            database="app",
        )
    """
    client = mysql_command("mysqldump", database=database, user=mysql_user,
                           password=mysql_password, host=mysql_host, port=mysql_port)
    yield StringCommand(client, ">", QuoteString(dest))


@operation(is_idempotent=False, changes=_anything_changed)
def load(
    src: str,
    database: str | None = None,
    mysql_user: str | None = None,
    mysql_password: str | Secret | None = None,
    mysql_host: str | None = None,
    mysql_port: int | None = None,
) -> OpGenerator:
    """Run a file of SQL on the host (a dump) with the mysql client.

    + src: the file to read, on the host
    + database: the database to load it into
    + mysql_*: the connection arguments, see the module's description

    Example:
        mysql.load(
            name="Load the app dump into app_copy",
            src="/var/backups/app.sql",
            database="app_copy",
        )
    """
    client = mysql_command(database=database, user=mysql_user, password=mysql_password,
                           host=mysql_host, port=mysql_port)
    yield StringCommand(client, "<", QuoteString(src))
