"""mysql.* operations as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.mysql import MysqlDatabases, MysqlUserGrants, MysqlUsers
from corral.model.errors import OperationValueError
from corral.model.secrets import Secret
from corral.operations import mysql
from corral.operations._util.databases import mysql_native_hash
from corral.testing.optest import fact, plan

NO_CONN: dict[str, Any] = {"mysql_user": None, "mysql_password": None, "mysql_host": None,
                           "mysql_port": None}
Q = "'\"'\"'"  # a single quote inside a single-quoted shell word
APP = f"{Q}app{Q}@{Q}localhost{Q}"


def user_row(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
           "Password": "", "ssl_type": None, "ssl_cipher": None, "x509_issuer": None,
           "x509_subject": None, "max_questions": 0, "max_updates": 0, "max_connections": 0,
           "max_user_connections": 0, "plugin": "mysql_native_password",
           "authentication_string": mysql_native_hash("secret"), "password_expired": False,
           "is_role": False, "default_role": None, "max_statement_time": "0.000000",
           "privileges": []}
    row.update(over)
    return row


def users(**entries: dict[str, Any]) -> dict[Any, Any]:
    return {fact(MysqlUsers, **NO_CONN): {k.replace("_at_", "@"): v for k, v in entries.items()}}


def grants(user: str = "app", hostname: str = "localhost", **by_target: set[str]
           ) -> dict[Any, Any]:
    table = {k.replace("ALL", "*.*") if k == "ALL" else f"`{k}`.*": v
             for k, v in by_target.items()}
    return {fact(MysqlUserGrants, user=user, hostname=hostname, **NO_CONN): table}


def dbs(**entries: dict[str, Any]) -> dict[Any, Any]:
    return {fact(MysqlDatabases, **NO_CONN): entries}


USER_CASES = [
    pytest.param({"user": "app"}, users(), [f"mysql -Be 'CREATE USER {APP}'"], id="create"),
    pytest.param(
        {"user": "app", "password": "secret", "require": "SSL", "max_connections": 5},
        users(),
        [f"printf '%s\\n' 'CREATE USER {APP} IDENTIFIED BY {Q}secret{Q} REQUIRE SSL WITH "
         "MAX_USER_CONNECTIONS 5' | mysql -B"],
        id="create with password on stdin",
    ),
    pytest.param({"user": "app", "password": Secret("secret"), "max_connections": 0},
                 users(app_at_localhost=user_row()), [], id="exists, password correct"),
    pytest.param({"user": "app", "password": "other", "max_queries_per_hour": 9},
                 users(app_at_localhost=user_row()),
                 [f"printf '%s\\n' 'ALTER USER {APP} IDENTIFIED BY {Q}other{Q} WITH "
                  "MAX_QUERIES_PER_HOUR 9' | mysql -B"], id="alter"),
    pytest.param({"user": "app", "password": "other"},
                 users(app_at_localhost=user_row(plugin="unix_socket",
                                                 authentication_string="")),
                 [], id="other auth plugin: password left alone"),
    pytest.param({"user": "app", "require": "X509", "require_issuer": "/CN=ca"},
                 users(app_at_localhost=user_row(ssl_type="SPECIFIED", x509_issuer="/CN=ca")),
                 [], id="x509 already"),
    pytest.param({"user": "app", "require": "X509", "require_issuer": "/CN=ca"},
                 users(app_at_localhost=user_row()),
                 [f"mysql -Be 'ALTER USER {APP} REQUIRE ISSUER {Q}/CN=ca{Q}'"], id="x509"),
    pytest.param({"user": "app", "present": False}, users(app_at_localhost=user_row()),
                 [f"mysql -Be 'DROP USER {APP}'"], id="drop"),
    pytest.param({"user": "app", "present": False}, users(), [], id="already absent"),
    pytest.param({"user": "app", "privileges": ["select", "Insert"]},
                 {**users(app_at_localhost=user_row()), **grants(ALL={"USAGE"})},
                 [f"mysql -Be 'GRANT INSERT, SELECT ON *.* TO {APP}'",
                  "mysql -Be 'FLUSH PRIVILEGES'"], id="global privileges"),
    pytest.param({"user": "app", "privileges": ["SELECT"]},
                 {**users(app_at_localhost=user_row()), **grants(ALL={"USAGE", "SELECT"})},
                 [], id="global privileges correct"),
]


@pytest.mark.parametrize(("args", "facts", "expected"), USER_CASES)
def test_user(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    assert plan(mysql.user, facts=facts, **args).shell == expected


def test_user_password_is_masked() -> None:
    command = plan(mysql.user, user="app", password=Secret("secret"), facts=users()).commands[0]
    assert command.has_secrets()
    assert "secret" not in str(command) and "IDENTIFIED BY ***" in str(command)


def test_user_bad_arguments() -> None:
    with pytest.raises(OperationValueError):
        plan(mysql.user, user="app", require="TLS", facts=users())
    with pytest.raises(OperationValueError):
        plan(mysql.user, user="app", require_cipher="AES", facts=users())


PRIVILEGE_CASES = [
    pytest.param({"privileges": "ALL", "database": "db"}, grants(),
                 [f"mysql -Be 'GRANT ALL ON `db`.* TO {APP}'", "mysql -Be 'FLUSH PRIVILEGES'"],
                 id="grant all"),
    pytest.param({"privileges": ["ALL"], "database": "db"},
                 grants(ALL={"USAGE"}, db={"ALL PRIVILEGES"}), [], id="all already"),
    pytest.param({"privileges": ["SELECT"], "database": "db", "flush": False},
                 grants(db={"ALL PRIVILEGES"}),
                 [f"mysql -Be 'REVOKE ALL ON `db`.* FROM {APP}'",
                  f"mysql -Be 'GRANT SELECT ON `db`.* TO {APP}'"],
                 id="narrowed: revoke before grant"),
    pytest.param({"privileges": ["SELECT"], "database": "db", "with_grant_option": True},
                 grants(db={"SELECT"}),
                 [f"mysql -Be 'GRANT USAGE ON `db`.* TO {APP} WITH GRANT OPTION'",
                  "mysql -Be 'FLUSH PRIVILEGES'"], id="grant option only"),
    pytest.param({"privileges": ["SELECT"], "database": "db"},
                 grants(db={"SELECT", "GRANT OPTION"}),
                 [f"mysql -Be 'REVOKE GRANT OPTION ON `db`.* FROM {APP}'",
                  "mysql -Be 'FLUSH PRIVILEGES'"], id="revoke grant option"),
    pytest.param({"privileges": [], "database": "db", "table": "t"},
                 {fact(MysqlUserGrants, user="app", hostname="localhost", **NO_CONN):
                  {"`db`.`t`": {"DELETE", "UPDATE"}}},
                 [f"mysql -Be 'REVOKE DELETE, UPDATE ON `db`.`t` FROM {APP}'",
                  "mysql -Be 'FLUSH PRIVILEGES'"], id="table: revoke all"),
]


@pytest.mark.parametrize(("args", "facts", "expected"), PRIVILEGE_CASES)
def test_privileges(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    assert plan(mysql.privileges, user="app", facts=facts, **args).shell == expected


def test_privileges_bad_arguments() -> None:
    with pytest.raises(OperationValueError):
        plan(mysql.privileges, user="app", privileges="SELECT", table="t", facts=grants())
    with pytest.raises(OperationValueError):
        plan(mysql.privileges, user="app", privileges="SELECT; DROP", facts=grants())


DATABASE_CASES = [
    pytest.param({"database": "app", "charset": "utf8mb4", "collate": "utf8mb4_bin"}, dbs(),
                 ["mysql -Be 'CREATE DATABASE `app` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin'"],
                 id="create"),
    pytest.param({"database": "app", "charset": "utf8mb4"},
                 dbs(app={"character_set": "latin1", "collation_name": "latin1_swedish_ci"}),
                 [], id="exists (charset left)"),
    pytest.param({"database": "app", "user": "app", "user_privileges": ["SELECT"]},
                 {**dbs(), **grants()},
                 ["mysql -Be 'CREATE DATABASE `app`'",
                  f"mysql -Be 'GRANT SELECT ON `app`.* TO {APP}'",
                  "mysql -Be 'FLUSH PRIVILEGES'"], id="create and grant"),
    pytest.param({"database": "app", "user": "app"},
                 {**dbs(app={"character_set": "x", "collation_name": "y"}),
                  **grants(app={"ALL PRIVILEGES"})}, [], id="exists and granted"),
    pytest.param({"database": "app", "present": False},
                 dbs(app={"character_set": "x", "collation_name": "y"}),
                 ["mysql -Be 'DROP DATABASE `app`'"], id="drop"),
    pytest.param({"database": "app", "present": False}, dbs(), [], id="already absent"),
]


@pytest.mark.parametrize(("args", "facts", "expected"), DATABASE_CASES)
def test_database(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    assert plan(mysql.database, facts=facts, **args).shell == expected


def test_database_bad_charset() -> None:
    with pytest.raises(OperationValueError):
        plan(mysql.database, database="app", charset="utf8; DROP", facts=dbs())


def test_sql_dump_load() -> None:
    assert plan(mysql.sql, sql="SELECT 1", database="app", mysql_user="u",
                mysql_password=Secret("pw"), mysql_host="127.0.0.1",
                mysql_port=3307).shell == [
        "MYSQL_PWD=pw mysql -u u -h 127.0.0.1 -P 3307 app -Be 'SELECT 1'"]
    shown = str(plan(mysql.sql, sql="SELECT 1", mysql_password="pw").commands[0])
    assert shown == "MYSQL_PWD=*** mysql -Be 'SELECT 1'"
    assert plan(mysql.dump, dest="/tmp/a.sql", database="app").shell == [
        "mysqldump app > /tmp/a.sql"]
    assert plan(mysql.load, src="/tmp/a.sql", database="app").shell == [
        "mysql app < /tmp/a.sql"]
