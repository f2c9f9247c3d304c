"""Facts about a MySQL or MariaDB server, read with the ``mysql`` client: databases, users
and grants.

Every fact takes the connection arguments of the ``mysql`` operations: ``mysql_user``,
``mysql_password``, ``mysql_host`` and ``mysql_port``. A password goes to ``mysql`` in the
``MYSQL_PWD`` environment variable of the command, never as an argument.
"""

from __future__ import annotations

import re
from typing import Any

from corral.model.command import MaskString, QuoteString, StringCommand
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

from ._util.databases import Password, client_command

DATABASES_KEY: Key = ("mysql", "databases")
USERS_KEY: Key = ("mysql", "users")

def ident(name: str) -> str:
    """A MySQL identifier, back-quoted."""
    if "\0" in name:
        raise ValueError("a MySQL name cannot contain a NUL character")
    return "`" + name.replace("`", "``") + "`"


def literal(value: str) -> str:
    """A MySQL string literal (backslashes escaped, as the default SQL mode wants)."""
    if "\0" in value:
        raise ValueError("a MySQL string cannot contain a NUL character")
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def account(user: str, hostname: str) -> str:
    """``'user'@'host'``."""
    return f"{literal(user)}@{literal(hostname)}"


def mysql_command(
    executable: str = "mysql",
    database: str | None = None,
    user: str | None = None,
    password: Password = None,
    host: str | None = None,
    port: int | str | None = None,
) -> StringCommand:
    """``[MYSQL_PWD=...] mysql [-u USER] [-h HOST] [-P PORT] [DATABASE]``, password masked."""
    return client_command(executable, "MYSQL_PWD", password, [], ("-u", user), ("-h", host),
                          ("-P", port), ("", database))


def fact_command(sql: str, user: str | None, password: Password, host: str | None,
                 port: int | str | None) -> str:
    """The shell text of a fact query in batch mode (tab-separated, with a header line).

    With a password the text is a :class:`MaskString`, so it is known to hold a secret."""
    cmd = StringCommand(mysql_command(user=user, password=password, host=host, port=port),
                        "-B", "-e", QuoteString(sql))
    text = cmd.render()
    return MaskString(text) if password else text


_ESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "0": "\0", "r": "\r", "b": "\b"}


def unescape(value: str) -> str:
    """A value of mysql's batch output with its backslash escapes undone."""
    if "\\" not in value:
        return value
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value):
            out.append(_ESCAPES.get(value[i + 1], value[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_table(output: list[str]) -> list[dict[str, str | None]]:
    """Rows of mysql's batch output as dicts; empty and NULL values are None."""
    lines = [line for line in output if line != ""]
    if not lines:
        return []
    titles = lines[0].split("\t")
    if not all(re.fullmatch(r"[A-Za-z0-9_]+", t) for t in titles):
        raise FactParseError(f"not a mysql header line: {lines[0]!r}")
    rows = []
    for line in lines[1:]:
        values = line.split("\t")
        if len(values) != len(titles):
            raise FactParseError(f"expected {len(titles)} fields, got {len(values)}: {line!r}")
        rows.append({t: (None if v in ("", "NULL") else unescape(v))
                     for t, v in zip(titles, values, strict=True)})
    return rows


class _MysqlFact(FactBase[Any]):
    abstract = True
    requires_command = "mysql"
    sql = ""

    @staticmethod
    def default() -> dict[str, Any]:
        return {}

    def command(self, mysql_user: str | None = None, mysql_password: Password = None,
                mysql_host: str | None = None, mysql_port: int | None = None) -> str:
        return fact_command(self.sql, mysql_user, mysql_password, mysql_host, mysql_port)


class MysqlDatabases(_MysqlFact):
    """The databases (schemas) of the server by name, each a dict with ``character_set``
    and ``collation_name``."""

    sql = ("SELECT SCHEMA_NAME, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
           "FROM information_schema.SCHEMATA")

    def process(self, output: list[str]) -> dict[str, dict[str, str | None]]:
        databases: dict[str, dict[str, str | None]] = {}
        for row in parse_table(output):
            lower = {k.lower(): v for k, v in row.items()}
            name = lower.get("schema_name")
            if name is None:
                raise FactParseError("a database without a name")
            databases[name] = {
                "character_set": lower.get("default_character_set_name"),
                "collation_name": lower.get("default_collation_name"),
            }
        return databases

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({DATABASES_KEY, ("packages",)})


def _try_int(value: str | None) -> int | str | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return value


class MysqlUsers(_MysqlFact):
    """The accounts of the server as ``user@host``, each a dict of mysql.user's columns:
    ``privileges`` (the global ones, e.g. ["Select", "Insert"]), ``max_connections``...
    (integers), ``ssl_type``, ``plugin``, ``authentication_string``, ``password_expired``
    and ``is_role`` (booleans)."""

    sql = "SELECT * FROM mysql.user"

    def process(self, output: list[str]) -> dict[str, dict[str, Any]]:
        users: dict[str, dict[str, Any]] = {}
        for row in parse_table(output):
            user, hostname = row.get("User"), row.get("Host")
            if "Host" not in row or "User" not in row:
                raise FactParseError("no User and Host columns")
            if user is None or hostname is None:
                continue  # anonymous accounts, as pyinfra
            details: dict[str, Any] = {}
            privileges = []
            for key, value in row.items():
                if key in ("User", "Host"):
                    continue
                if key.endswith("_priv"):
                    if value == "Y":
                        privileges.append(key[: -len("_priv")])
                elif key.startswith("max_"):
                    details[key] = _try_int(value)
                elif key in ("password_expired", "is_role"):
                    details[key] = value == "Y"
                else:
                    details[key] = value
            details["privileges"] = sorted(privileges)
            users[f"{user}@{hostname}"] = details
        return users

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({USERS_KEY, ("packages",)})


_NAME = r"(?:\*|`(?:[^`]|``)*`)"
_GRANT = re.compile(
    rf"^GRANT (?P<privileges>.+?) ON (?P<target>(?:(?:FUNCTION|PROCEDURE|PACKAGE BODY|PACKAGE) )?"
    rf"{_NAME}\.{_NAME}) TO (?P<rest>.*)$"
)


def split_privileges(text: str) -> list[str]:
    """``SELECT, INSERT (`a`, `b`)`` -> ["SELECT", "INSERT (`a`, `b`)"]."""
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for c in text:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == "," and depth == 0:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(c)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


class MysqlUserGrants(_MysqlFact):
    """What an account is granted, by target (``*.*``, ```db`.*``, ```db`.`table```), each
    a set of privileges ("SELECT", "ALL PRIVILEGES", "USAGE", "GRANT OPTION"...); empty when
    the account does not exist."""

    def command(self, user: str, hostname: str = "localhost",  # type: ignore[override]
                mysql_user: str | None = None, mysql_password: Password = None,
                mysql_host: str | None = None, mysql_port: int | None = None) -> str:
        return fact_command(f"SHOW GRANTS FOR {account(user, hostname)}", mysql_user,
                            mysql_password, mysql_host, mysql_port)

    def is_absent(self, exit_code: int, stderr: str) -> bool:
        # ERROR 1141: "There is no such grant defined for user": the account does not exist
        # (mysql's other errors, such as a refused login, exit 1 too)
        return exit_code == 1 and "ERROR 1141 " in stderr

    def process(self, output: list[str]) -> dict[str, set[str]]:
        grants: dict[str, set[str]] = {}
        for raw in output:
            line = unescape(raw)
            if not line or line.startswith("Grants for "):
                continue
            if not line.startswith("GRANT "):
                raise FactParseError(f"not a grant: {raw!r}")
            match = _GRANT.match(line)
            if match is None:
                continue  # roles granted to the account, PROXY grants
            privileges = grants.setdefault(match.group("target"), set())
            privileges.update(split_privileges(match.group("privileges")))
            if " WITH GRANT OPTION" in match.group("rest"):
                privileges.add("GRANT OPTION")
        return grants

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({USERS_KEY, ("packages",)})
