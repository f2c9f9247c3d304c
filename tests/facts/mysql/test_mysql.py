"""mysql.* facts against output captured from MariaDB 10.11 on a fleet host (see
data/capture_databases.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corral.facts import mysql
from corral.model.command import MaskString
from corral.model.errors import FactParseError
from corral.model.facts import registered_facts

DATA = Path(__file__).parents[1] / "data"


def load(name: str) -> Any:
    record = json.loads((DATA / f"{name}.json").read_text())
    fact = registered_facts()[record["fact"]]()
    assert fact.command(**record["kwargs"]) == record["command"], "re-run data/capture_databases.py"
    if record["exit"] != 0:
        return fact.default()
    return fact.process(record["output"])


def test_databases() -> None:
    databases = load("mysql_databases")
    assert databases["appdb"] == {"character_set": "utf8mb4",
                                  "collation_name": "utf8mb4_unicode_ci"}
    assert databases["my_db"]["character_set"] == "latin1"
    assert "information_schema" in databases
    # as the app account over TCP: only what it may see
    assert set(load("mysql_databases_password")) == {"information_schema", "appdb", "my_db"}


def test_users() -> None:
    users = load("mysql_users")
    assert {"root@localhost", "app@localhost", "app@127.0.%", "tls@%"} <= set(users)
    root = users["root@localhost"]
    assert "Select" in root["privileges"] and "Grant" in root["privileges"]
    app = users["app@localhost"]
    assert app["privileges"] == []
    assert app["max_user_connections"] == 7 and app["max_questions"] == 0
    assert app["plugin"] == "mysql_native_password"
    assert app["authentication_string"] == "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7"
    assert app["password_expired"] is False and app["is_role"] is False
    assert users["tls@%"]["ssl_type"] == "ANY"
    assert not any(key.endswith("_priv") for key in app)


def test_user_grants() -> None:
    app = load("mysql_usergrants_app")
    assert app["*.*"] == {"USAGE"}
    assert app["`appdb`.*"] == {"SELECT", "INSERT"}
    assert app["`my\\_db`.*"] == {"ALL PRIVILEGES", "GRANT OPTION"}
    assert app["`appdb`.`t`"] == {"UPDATE (`name`)", "DELETE"}
    root = load("mysql_usergrants_root")
    assert root == {"*.*": {"ALL PRIVILEGES", "GRANT OPTION"}}  # the PROXY grant is left out
    assert load("mysql_usergrants_tls") == {"*.*": {"USAGE"}}
    assert load("mysql_usergrants_missing") == {}


def test_garbage() -> None:
    with pytest.raises(FactParseError):
        mysql.MysqlUserGrants().process(["ERROR 1045 (28000): Access denied"])
    with pytest.raises(FactParseError):
        mysql.MysqlDatabases().process(["SCHEMA_NAME\tX", "a"])
    with pytest.raises(FactParseError):
        mysql.MysqlUsers().process(["Host\tPassword", "localhost\t"])
    assert mysql.MysqlUsers().process([]) == {}


def test_batch_escapes() -> None:
    assert mysql.unescape("a\\tb\\\\c\\nd") == "a\tb\\c\nd"
    rows = mysql.parse_table(["A\tB", "x\\ty\tNULL"])
    assert rows == [{"A": "x\ty", "B": None}]


def test_password_kept_off_the_visible_text() -> None:
    command = mysql.MysqlUsers().command(mysql_user="app", mysql_password="pw")
    assert isinstance(command, MaskString)
    assert command.startswith("MYSQL_PWD=pw mysql -u app ")


def test_quoting() -> None:
    assert mysql.account("o'k", "%") == "'o''k'@'%'"
    assert mysql.literal("a\\b") == "'a\\\\b'"
    assert mysql.ident("we`ird") == "`we``ird`"


def test_grants_of_an_account_that_does_not_exist_read_empty_other_errors_fail() -> None:
    fact = mysql.MysqlUserGrants()
    assert fact.is_absent(1, "ERROR 1141 (42000) at line 1: There is no such grant defined "
                             "for user 'x' on host 'localhost'\n")
    assert not fact.is_absent(1, "ERROR 1045 (28000): Access denied for user 'root'@'localhost'"
                                 " (using password: NO)\n")
    assert not fact.is_absent(1, "ERROR 2002 (HY000): Can't connect to local server through "
                                 "socket '/run/mysqld/mysqld.sock' (2)\n")
