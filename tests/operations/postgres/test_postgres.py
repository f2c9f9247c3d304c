"""postgres.* operations as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.postgres import PostgresDatabases, PostgresRolePassword, PostgresRoles
from corral.model.errors import OperationValueError
from corral.model.secrets import Secret
from corral.operations import postgres
from corral.testing.optest import fact, plan

NO_CONN: dict[str, Any] = {"psql_user": None, "psql_password": None, "psql_host": None,
                           "psql_port": None, "psql_database": None}
# the stored verifier of the password "secret" (captured, see tests/facts/data)
SCRAM = ("SCRAM-SHA-256$4096:256c14IAyi0qgVLykyICpg==$m4b4PNzkGQLHFIXx9viv66tfUplRVtXn1TQZBE2u"
         "1Ek=:/uFySKqljtDPAvJfyNdCen6yr8bqGDqLAFk6tdeGAsI=")
MD5_LEGACY = "md5" + "5a1e1a2a6a3d3b2f0f1d0d6c3c4a1b9e"  # not legacy-pw's: a wrong one


def role_row(**over: Any) -> dict[str, Any]:
    row = {"super": False, "inherit": True, "createrole": False, "createdb": False,
           "canlogin": True, "replication": False, "connlimit": -1, "password": "********",
           "validuntil": None, "bypassrls": False, "config": None, "oid": 16384}
    row.update(over)
    return row


def roles(conn: dict[str, Any] = NO_CONN, stored: str | None = None, role: str = "app",
          **entries: dict[str, Any]) -> dict[Any, Any]:
    return {fact(PostgresRoles, **conn): entries,
            fact(PostgresRolePassword, role=role, **conn): stored}


def databases(conn: dict[str, Any] = NO_CONN, **entries: dict[str, Any]) -> dict[Any, Any]:
    return {fact(PostgresDatabases, **conn): entries}


def db_row(**over: Any) -> dict[str, Any]:
    row = {"encoding": "UTF8", "collate": "C.UTF-8", "ctype": "C.UTF-8", "dba": 16384,
           "connlimit": -1, "istemplate": False, "allowconn": True, "oid": 16390,
           "tablespace": 1663, "tablespace_name": "pg_default"}
    row.update(over)
    return row


PW_CONN = dict(NO_CONN, psql_user="admin", psql_password=Secret("adm'pw"),
               psql_host="db.local", psql_port=5433, psql_database="postgres")

ROLE_CASES = [
    pytest.param({"role": "app"}, roles(), ["psql -X -c 'CREATE ROLE \"app\" LOGIN'"],
                 id="create"),
    pytest.param(
        {"role": "app", "password": "secret", "createdb": True, "connection_limit": 5},
        roles(),
        ["printf '%s\\n' 'CREATE ROLE \"app\" LOGIN CREATEDB CONNECTION LIMIT 5 PASSWORD "
         "'\"'\"'secret'\"'\"'' | psql -X -v ON_ERROR_STOP=1 -q"],
        id="create with password on stdin",
    ),
    pytest.param({"role": "app", "password": "secret"}, roles(app=role_row(), stored=SCRAM),
                 [], id="password already correct (SCRAM)"),
    pytest.param({"role": "app"}, roles(app=role_row()), [], id="exists"),
    pytest.param({"role": "app", "superuser": False}, roles(app=role_row(super=True)), [],
                 id="attributes are not taken away"),
    pytest.param(
        {"role": "app", "password": "other", "createdb": True, "connection_limit": 3},
        roles(app=role_row(), stored=SCRAM),
        ["printf '%s\\n' 'ALTER ROLE \"app\" CREATEDB CONNECTION LIMIT 3 PASSWORD "
         "'\"'\"'other'\"'\"'' | psql -X -v ON_ERROR_STOP=1 -q"],
        id="alter",
    ),
    pytest.param({"role": "app", "password": "secret"}, roles(app=role_row(), stored=None),
                 ["printf '%s\\n' 'ALTER ROLE \"app\" PASSWORD '\"'\"'secret'\"'\"'' | "
                  "psql -X -v ON_ERROR_STOP=1 -q"], id="stored password unreadable"),
    pytest.param({"role": "app", "present": False}, roles(app=role_row()),
                 ["psql -X -c 'DROP ROLE \"app\"'"], id="drop"),
    pytest.param({"role": "app", "present": False}, roles(), [], id="already absent"),
    pytest.param(
        {"role": 'we"ird', "login": False, "replication": True, **PW_CONN},
        roles(PW_CONN, role='we"ird'),
        ["PGPASSWORD='adm'\"'\"'pw' psql -X -d postgres -U admin -h db.local -p 5433 -c "
         "'CREATE ROLE \"we\"\"ird\" REPLICATION'"],
        id="connection arguments, quoted name",
    ),
]


@pytest.mark.parametrize(("args", "facts", "expected"), ROLE_CASES)
def test_role(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    assert plan(postgres.role, facts=facts, **args).shell == expected


def test_role_password_is_masked_and_hidden() -> None:
    conn = dict(NO_CONN, psql_password="pw")
    result = plan(postgres.role, role="app", password=Secret("secret"), facts=roles(conn),
                  psql_password="pw")
    command = result.commands[0]
    assert command.has_secrets()
    shown = str(command)
    assert "secret" not in shown and "pw" not in shown.replace("printf", "")
    assert "PASSWORD ***" in shown and "PGPASSWORD=***" in shown


def test_role_md5_password() -> None:
    import hashlib

    stored = "md5" + hashlib.md5(b"legacy-pwlegacy").hexdigest()
    facts = roles(role="legacy", legacy=role_row(), stored=stored)
    assert plan(postgres.role, role="legacy", password="legacy-pw", facts=facts).shell == []
    facts = roles(role="legacy", legacy=role_row(), stored=MD5_LEGACY)
    assert plan(postgres.role, role="legacy", password="legacy-pw", facts=facts).changed


def test_role_bad_arguments() -> None:
    with pytest.raises(OperationValueError):
        plan(postgres.role, role="", facts=roles())
    with pytest.raises(OperationValueError):
        plan(postgres.role, role="app", connection_limit=-2, facts=roles())


ROLES_FOR_OWNER = {fact(PostgresRoles, **NO_CONN): {"app": role_row(oid=16384),
                                                   "other": role_row(oid=16400)}}

DATABASE_CASES = [
    pytest.param({"database": "app"}, databases(),
                 ["psql -X -c 'CREATE DATABASE \"app\"'"], id="create"),
    pytest.param(
        {"database": "app", "owner": "app", "template": "template0", "encoding": "UTF8",
         "lc_collate": "C", "lc_ctype": "C", "tablespace": "fast", "connection_limit": 10},
        {**databases(), **ROLES_FOR_OWNER},
        ["psql -X -c 'CREATE DATABASE \"app\" OWNER \"app\" TEMPLATE \"template0\" ENCODING "
         "'\"'\"'UTF8'\"'\"' LC_COLLATE '\"'\"'C'\"'\"' LC_CTYPE '\"'\"'C'\"'\"' TABLESPACE "
         "\"fast\" CONNECTION LIMIT 10'"],
        id="create with everything",
    ),
    pytest.param({"database": "app", "owner": "app", "encoding": "UTF8"},
                 {**databases(app=db_row()), **ROLES_FOR_OWNER}, [], id="exists"),
    pytest.param({"database": "app", "encoding": "LATIN1"}, databases(app=db_row()), [],
                 id="encoding of an existing database is left"),
    pytest.param({"database": "app", "owner": "other", "connection_limit": 2},
                 {**databases(app=db_row()), **ROLES_FOR_OWNER},
                 ["psql -X -c 'ALTER DATABASE \"app\" OWNER TO \"other\"'",
                  "psql -X -c 'ALTER DATABASE \"app\" CONNECTION LIMIT 2'"],
                 id="owner and limit changed"),
    pytest.param({"database": "app", "tablespace": "fast"}, databases(app=db_row()),
                 ["psql -X -c 'ALTER DATABASE \"app\" SET TABLESPACE \"fast\"'"],
                 id="moved to another tablespace"),
    pytest.param({"database": "app", "tablespace": "fast"},
                 databases(app=db_row(tablespace=16500, tablespace_name="fast")), [],
                 id="already in its tablespace"),
    pytest.param({"database": "app", "present": False}, databases(app=db_row()),
                 ["psql -X -c 'DROP DATABASE \"app\"'"], id="drop"),
    pytest.param({"database": "app", "present": False}, databases(), [], id="already absent"),
]


@pytest.mark.parametrize(("args", "facts", "expected"), DATABASE_CASES)
def test_database(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    assert plan(postgres.database, facts=facts, **args).shell == expected


def test_database_notes_what_it_cannot_change() -> None:
    result = plan(postgres.database, database="app", encoding="LATIN1",
                  facts=databases(app=db_row()))
    assert any("LATIN1" in note for note in result.notes)


def test_sql_dump_load() -> None:
    assert plan(postgres.sql, sql="SELECT 1", psql_database="app").shell == [
        "psql -X -d app -c 'SELECT 1'"]
    assert plan(postgres.dump, dest="/tmp/a b.sql", psql_database="app").shell == [
        "pg_dump -d app > '/tmp/a b.sql'"]
    assert plan(postgres.load, src="/tmp/a.sql", psql_database="app",
                psql_password="pw").shell == [
        "PGPASSWORD=pw psql -X -d app -v ON_ERROR_STOP=1 -q < /tmp/a.sql"]
    with pytest.raises(OperationValueError):
        plan(postgres.sql, sql="  ")


def test_change_keys() -> None:
    assert postgres.role._spec.change_keys((), {"role": "x"}) == {("postgres", "roles")}
    assert postgres.dump._spec.change_keys((), {"dest": "/tmp/x"}) == {("path", "/tmp/x")}
