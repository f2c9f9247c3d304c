"""Helpers of the postgres and mysql operations: SQL commands that keep secrets off command
lines, and checks of a password against the hash a server stores."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata

from corral.facts import mysql as mysql_facts
from corral.facts import postgres as pg_facts
from corral.model.command import QuoteString, StringCommand
from corral.model.secrets import Secret, reveal

Sql = str | StringCommand


def _has_secret(sql: Sql) -> bool:
    return isinstance(sql, StringCommand) and sql.has_secrets()


def psql_exec(sql: Sql, user: str | None, password: pg_facts.Password, host: str | None,
              port: int | str | None, database: str | None) -> StringCommand:
    """Run SQL with psql. SQL holding a secret goes on standard input (from the shell's
    builtin printf), not on psql's command line; it is masked where commands are shown."""
    conn = pg_facts.psql_command(user=user, password=password, host=host, port=port,
                                 database=database)
    if _has_secret(sql):
        return StringCommand("printf '%s\\n'", QuoteString(sql), "|", conn,
                             "-v", "ON_ERROR_STOP=1", "-q")
    return StringCommand(conn, "-c", QuoteString(sql))


def mysql_exec(sql: Sql, user: str | None, password: mysql_facts.Password, host: str | None,
               port: int | str | None, database: str | None = None) -> StringCommand:
    """Run SQL with the mysql client; SQL holding a secret goes on standard input."""
    conn = mysql_facts.mysql_command(database=database, user=user, password=password,
                                     host=host, port=port)
    if _has_secret(sql):
        return StringCommand("printf '%s\\n'", QuoteString(sql), "|", conn, "-B")
    return StringCommand(conn, "-Be", QuoteString(sql))


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
