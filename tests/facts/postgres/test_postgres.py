"""postgres.* facts against output captured from PostgreSQL 15 on a fleet host (see
data/capture_databases.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corral.facts import postgres
from corral.model.command import MaskString
from corral.model.errors import FactParseError
from corral.model.facts import registered_facts
from corral.model.secrets import Secret

DATA = Path(__file__).parents[1] / "data"


def load(name: str) -> Any:
    record = json.loads((DATA / f"{name}.json").read_text())
    fact = registered_facts()[record["fact"]]()
    assert fact.command(**record["kwargs"]) == record["command"], "re-run data/capture_databases.py"
    if record["exit"] != 0:
        return fact.default()
    return fact.process(record["output"])


def test_roles() -> None:
    roles = load("postgres_roles")
    assert roles["postgres"]["super"] is True
    assert roles["postgres"]["oid"] == 10
    app = roles["app"]
    assert (app["canlogin"], app["createdb"], app["super"], app["inherit"]) == (
        True, True, False, True)
    assert app["connlimit"] == 5
    assert app["password"] == "********"
    assert app["validuntil"] is None and app["config"] is None
    assert roles["odd role"]["canlogin"] is False
    assert "pg_monitor" in roles


def test_roles_when_psql_cannot_connect() -> None:
    assert load("postgres_roles_no_server_user") == {}


def test_databases() -> None:
    for name in ("postgres_databases", "postgres_databases_password"):
        databases = load(name)
        appdb = databases["appdb"]
        assert appdb["encoding"] == "LATIN1"
        assert (appdb["collate"], appdb["ctype"]) == ("C", "C")
        assert appdb["istemplate"] is False and appdb["allowconn"] is True
        assert appdb["connlimit"] == -1
        assert (appdb["tablespace"], appdb["tablespace_name"]) == (1663, "pg_default")
        assert isinstance(appdb["dba"], int) and isinstance(appdb["oid"], int)
        assert databases["template1"]["istemplate"] is True
        assert databases["postgres"]["encoding"] == "UTF8"
    roles = load("postgres_roles")
    assert load("postgres_databases")["appdb"]["dba"] == roles["app"]["oid"]


def test_role_password() -> None:
    assert load("postgres_rolepassword_scram").startswith("SCRAM-SHA-256$4096:")
    assert load("postgres_rolepassword_md5").startswith("md5")
    assert load("postgres_rolepassword_none") is None
    assert load("postgres_rolepassword_missing") is None
    with pytest.raises(FactParseError):
        postgres.PostgresRolePassword().process(["rolpassword", "a", "b"])


def test_garbage() -> None:
    with pytest.raises(FactParseError):
        postgres.PostgresRoles().process(["psql: error: connection refused"])
    with pytest.raises(FactParseError):
        postgres.PostgresRoles().process(["rolname\x1frolsuper", "a\x1fmaybe"])
    with pytest.raises(FactParseError):
        postgres.PostgresDatabases().process(["datname\x1fx", "a\x1fb\x1fc"])
    assert postgres.PostgresRoles().process([]) == {}


def test_password_kept_off_the_visible_text() -> None:
    command = postgres.PostgresRoles().command(psql_user="app", psql_password=Secret("pw"))
    assert isinstance(command, MaskString)  # marked as holding a secret
    assert "PGPASSWORD=pw psql" in command
    assert "pw" not in postgres.PostgresRoles().command(psql_user="app")


def test_quoting() -> None:
    assert postgres.ident('we"ird') == '"we""ird"'
    assert postgres.literal("it's") == "'it''s'"
    assert postgres.literal("a\\b'") == "E'a\\\\b'''"
    with pytest.raises(ValueError):
        postgres.literal("a\0b")
