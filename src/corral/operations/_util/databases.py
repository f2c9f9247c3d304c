"""Helpers of the postgres and mysql operations: the connection arguments of an operation,
SQL commands that keep secrets off command lines, and checks of a password against the
hash a server stores."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from corral.facts import mysql as mysql_facts
from corral.facts import postgres as pg_facts
from corral.facts._util.databases import Password
from corral.model.command import QuoteString, StringCommand
from corral.model.secrets import Secret, reveal

Sql = str | StringCommand


def _has_secret(sql: Sql) -> bool:
    return isinstance(sql, StringCommand) and sql.has_secrets()


def psql_exec(sql: Sql, user: str | None, password: Password, host: str | None,
              port: int | str | None, database: str | None) -> StringCommand:
    """Run SQL with psql. SQL holding a secret goes on standard input (from the shell's
    builtin printf), not on psql's command line; it is masked where commands are shown."""
    conn = pg_facts.psql_command(user=user, password=password, host=host, port=port,
                                 database=database)
    if _has_secret(sql):
        return StringCommand("printf '%s\\n'", QuoteString(sql), "|", conn,
                             "-v", "ON_ERROR_STOP=1", "-q")
    return StringCommand(conn, "-c", QuoteString(sql))


def mysql_exec(sql: Sql, user: str | None, password: Password, host: str | None,
               port: int | str | None, database: str | None = None) -> StringCommand:
    """Run SQL with the mysql client; SQL holding a secret goes on standard input."""
    conn = mysql_facts.mysql_command(database=database, user=user, password=password,
                                     host=host, port=port)
    if _has_secret(sql):
        return StringCommand("printf '%s\\n'", QuoteString(sql), "|", conn, "-B")
    return StringCommand(conn, "-Be", QuoteString(sql))


@dataclass(frozen=True)
class Connection:
    """The connection arguments of one database operation (``psql_user``, ``mysql_host``...):
    the facts are read with them, and the SQL run with them. A subclass names its prefix,
    its further arguments and its client."""

    prefix: ClassVar[str]
    user: str | None
    password: Password
    host: str | None
    port: int | None

    def facts(self) -> dict[str, Any]:
        """The arguments as the facts take them (``psql_user=...``), in order."""
        return {f"{self.prefix}_{f.name}": getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class PsqlConnection(Connection):
    """The psql_* arguments of one postgres operation."""

    prefix: ClassVar[str] = "psql"
    database: str | None

    def run(self, sql: Sql) -> StringCommand:
        return psql_exec(sql, self.user, self.password, self.host, self.port, self.database)

    def client(self, executable: str = "psql") -> StringCommand:
        return pg_facts.psql_command(executable, user=self.user, password=self.password,
                                     host=self.host, port=self.port, database=self.database)


@dataclass(frozen=True)
class MysqlConnection(Connection):
    """The mysql_* arguments of one mysql operation."""

    prefix: ClassVar[str] = "mysql"

    def run(self, sql: Sql, database: str | None = None) -> StringCommand:
        return mysql_exec(sql, self.user, self.password, self.host, self.port, database)


_B64 = r"[A-Za-z0-9+/=]+"
_SCRAM = re.compile(rf"^SCRAM-SHA-256\$(\d+):({_B64})\$({_B64}):({_B64})$")


def postgres_password_matches(stored: str | None, password: str | Secret, role: str) -> bool:
    """Whether ``password`` is the one PostgreSQL stored as ``stored`` (a SCRAM-SHA-256 or
    MD5 verifier) for ``role``. False when it cannot tell."""
    if not stored:
        return False
    text = reveal(password)
    match = _SCRAM.match(stored)
    if match:
        iterations = int(match.group(1))
        if not 0 < iterations <= 10_000_000:
            return False
        try:
            salt = base64.b64decode(match.group(2), validate=True)
            stored_key = base64.b64decode(match.group(3), validate=True)
        except ValueError:
            return False
        # PostgreSQL prepares the password with SASLprep; NFKC is its main part
        prepared = unicodedata.normalize("NFKC", text).encode()
        salted = hashlib.pbkdf2_hmac("sha256", prepared, salt, iterations)
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        return hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)
    if re.fullmatch(r"md5[0-9a-f]{32}", stored):
        digest = hashlib.md5((text + role).encode(), usedforsecurity=False).hexdigest()
        return hmac.compare_digest("md5" + digest, stored)
    return False


_NATIVE = re.compile(r"^\*[0-9A-F]{40}$")


def mysql_native_hash(password: str | Secret) -> str:
    """The mysql_native_password hash of a password: ``*`` and SHA1(SHA1(password))."""
    inner = hashlib.sha1(reveal(password).encode(), usedforsecurity=False).digest()
    return "*" + hashlib.sha1(inner, usedforsecurity=False).hexdigest().upper()


def mysql_password_state(details: dict[str, object], password: str | Secret) -> bool | None:
    """Whether an account's stored password is ``password``: True or False when the server
    stores a mysql_native_password hash (or nothing), None when it cannot be told (another
    authentication plugin)."""
    plugin = details.get("plugin")
    stored = details.get("authentication_string") or details.get("Password") or ""
    if plugin not in (None, "", "mysql_native_password"):
        return None
    if not isinstance(stored, str):
        return None
    if stored == "":
        return False
    if not _NATIVE.match(stored):
        return None
    return hmac.compare_digest(stored, mysql_native_hash(password))
