"""postgres.* and mysql.* operations applied for real on a fleet host running PostgreSQL 15
and MariaDB 10.11 (installed from the image's local repository, started without an init
system), the end state checked with psql and mysql."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral.model.secrets import Secret
from corral.operations import apt, mysql, postgres
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

PG = {"_sudo": True, "_sudo_user": "postgres"}

# Fleet hosts share one network namespace: each server listens on its host's own
# loopback address only, so that another fleet's servers cannot clash with these.
START = r"""
printf "listen_addresses = '%s'\n" "$ADDR" >> /etc/postgresql/15/main/postgresql.conf
echo "host all all $ADDR/32 scram-sha-256" >> /etc/postgresql/15/main/pg_hba.conf
printf '[mysqld]\nbind-address = %s\n' "$ADDR" > /etc/mysql/mariadb.conf.d/99-corral.cnf
pg_ctlcluster 15 main start
/etc/init.d/mariadb start >/dev/null
i=0
until runuser -u postgres -- psql -Atc 'SELECT 1' >/dev/null 2>&1 && mysqladmin ping >/dev/null 2>&1
do
  i=$((i+1)); [ $i -gt 600 ] && { echo "servers did not start" >&2; exit 1; }
  sleep 0.1
done
"""


@pytest.fixture(scope="module")
def servers(host_fleet: Fleet) -> Iterator[str]:
    """Both servers installed with apt.packages and running; yields the host's address."""

    def install() -> None:
        apt.update()
        apt.packages(packages=["postgresql", "mariadb-server"])

    result = run(host_fleet, install)
    assert not result.failed, [op.error for h in result.hosts for op in h.operations]
    address = host_fleet.hosts[0].address
    sh(host_fleet, f"ADDR={address}; {START}")
    yield address
    sh(host_fleet, "pg_ctlcluster 15 main stop; /etc/init.d/mariadb stop >/dev/null",
       check=False)


def psql(fleet: Fleet, sql: str, database: str = "postgres") -> str:
    return sh(fleet, f"runuser -u postgres -- psql -XAt -d {database} -c \"{sql}\"").strip()


def mysql_q(fleet: Fleet, sql: str) -> str:
    return sh(fleet, f"mysql -N -B -e \"{sql}\"").strip()


def test_postgres(host_fleet: Fleet, servers: str) -> None:
    password = Secret("app pa'ss")

    def deploy() -> None:
        postgres.role(role="app", password=password, createdb=True, connection_limit=5, **PG)
        postgres.role(role="reader", login=False, **PG)
        postgres.role(role="gone", **PG)
        postgres.database(database="appdb", owner="app", template="template0",
                          encoding="LATIN1", lc_collate="C", lc_ctype="C", **PG)
        postgres.database(database="scratch", connection_limit=3, **PG)

    converge(host_fleet, deploy)
    assert psql(host_fleet, "SELECT rolcanlogin, rolcreatedb, rolconnlimit FROM pg_roles "
                            "WHERE rolname = 'app'") == "t|t|5"
    assert psql(host_fleet, "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'reader'") == "f"
    assert psql(host_fleet, "SELECT pg_encoding_to_char(encoding), datcollate, "
                            "pg_get_userbyid(datdba) FROM pg_database "
                            "WHERE datname = 'appdb'") == "LATIN1|C|app"
    assert psql(host_fleet, "SELECT datconnlimit FROM pg_database "
                            "WHERE datname = 'scratch'") == "3"

    # the password works over TCP, given through PGPASSWORD by the operations themselves
    def as_app() -> None:
        postgres.sql(sql="CREATE TABLE IF NOT EXISTS notes (body text)", psql_user="app",
                     psql_password=password, psql_host=servers, psql_database="appdb")
        postgres.sql(sql="INSERT INTO notes VALUES ('hello')", psql_user="app",
                     psql_password=password, psql_host=servers, psql_database="appdb")
        postgres.dump(dest="/tmp/appdb.sql", psql_database="appdb", **PG)
        postgres.database(database="appcopy", owner="app", **PG)
        postgres.load(src="/tmp/appdb.sql", psql_database="appcopy", **PG)

    result = run(host_fleet, as_app)
    assert not result.failed, [op.error for h in result.hosts for op in h.operations]
    shown = " ".join(str(c) for h in result.hosts for op in h.operations for c in op.commands)
    assert "pa'ss" not in shown and "PGPASSWORD=***" in shown
    assert psql(host_fleet, "SELECT body FROM notes", database="appcopy") == "hello"

    # changes to existing roles and databases; removals
    def change() -> None:
        postgres.role(role="app", password=Secret("new-one"), createrole=True, **PG)
        postgres.role(role="gone", present=False, **PG)
        postgres.database(database="scratch", owner="reader", tablespace="spare", **PG)
        postgres.database(database="appcopy", present=False, **PG)

    sh(host_fleet, "mkdir -p /srv/pg-spare && chown postgres /srv/pg-spare && "
                   "runuser -u postgres -- psql -XAtc \"SELECT 1 FROM pg_tablespace WHERE "
                   "spcname = 'spare'\" | grep -q 1 || runuser -u postgres -- psql -Xc "
                   "\"CREATE TABLESPACE spare LOCATION '/srv/pg-spare'\"")
    converge(host_fleet, change)
    assert psql(host_fleet, "SELECT rolcreaterole, rolcreatedb FROM pg_roles "
                            "WHERE rolname = 'app'") == "t|t"
    assert psql(host_fleet, "SELECT count(*) FROM pg_roles WHERE rolname = 'gone'") == "0"
    assert psql(host_fleet, "SELECT pg_get_userbyid(datdba), spcname FROM pg_database d "
                            "JOIN pg_tablespace s ON s.oid = d.dattablespace "
                            "WHERE datname = 'scratch'") == "reader|spare"
    assert psql(host_fleet, "SELECT count(*) FROM pg_database "
                            "WHERE datname = 'appcopy'") == "0"
    login = sh(host_fleet, f"PGPASSWORD=new-one psql -XAt -h {servers} -U app -d appdb "
                           "-c 'SELECT current_user'")
    assert login.strip() == "app"


def test_mysql(host_fleet: Fleet, servers: str) -> None:
    password = Secret("my\\pa'ss")

    def deploy() -> None:
        mysql.user(user="app", password=password, max_connections=7)
        mysql.user(user="app", user_hostname=servers, password=password)
        mysql.user(user="ops", privileges=["PROCESS", "RELOAD"])
        mysql.database(database="appdb", charset="utf8mb4", collate="utf8mb4_bin",
                       user="app", user_privileges=["SELECT", "INSERT", "CREATE"])
        mysql.database(database="appdb", user="app", user_hostname=servers,
                       user_privileges=["SELECT", "INSERT", "CREATE"])
        mysql.database(database="other")
        mysql.privileges(user="app", privileges="ALL", database="other",
                         with_grant_option=True)

    converge(host_fleet, deploy)
    assert mysql_q(host_fleet, "SELECT max_user_connections FROM mysql.user "
                               "WHERE user = 'app' AND host = 'localhost'") == "7"
    assert mysql_q(host_fleet, "SELECT DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA "
                               "WHERE SCHEMA_NAME = 'appdb'") == "utf8mb4_bin"
    grants = mysql_q(host_fleet, "SHOW GRANTS FOR 'app'@'localhost'")
    assert "GRANT SELECT, INSERT, CREATE ON `appdb`.*" in grants
    assert "GRANT ALL PRIVILEGES ON `other`.* TO `app`@`localhost` WITH GRANT OPTION" in grants
    ops = mysql_q(host_fleet, "SHOW GRANTS FOR 'ops'@'localhost'")
    assert "GRANT RELOAD, PROCESS ON *.*" in ops

    # the password works over TCP, given through MYSQL_PWD by the operations themselves
    def as_app() -> None:
        mysql.sql(sql="CREATE TABLE IF NOT EXISTS notes (body TEXT)", database="appdb",
                  mysql_user="app", mysql_password=password, mysql_host=servers)
        mysql.sql(sql="INSERT INTO notes VALUES ('hello')", database="appdb",
                  mysql_user="app", mysql_password=password, mysql_host=servers)
        mysql.dump(dest="/tmp/appdb.sql", database="appdb")
        mysql.database(database="appcopy")
        mysql.load(src="/tmp/appdb.sql", database="appcopy")

    result = run(host_fleet, as_app)
    assert not result.failed, [op.error for h in result.hosts for op in h.operations]
    shown = " ".join(str(c) for h in result.hosts for op in h.operations for c in op.commands)
    assert "pa'ss" not in shown and "MYSQL_PWD=***" in shown
    assert mysql_q(host_fleet, "SELECT body FROM appcopy.notes") == "hello"

    # narrowing privileges, a new password, removals
    def change() -> None:
        mysql.user(user="app", password=Secret("new-one"))
        mysql.privileges(user="app", privileges=["SELECT"], database="other")
        mysql.privileges(user="ops", privileges=[])
        mysql.user(user="app", user_hostname=servers, present=False)
        mysql.database(database="appcopy", present=False)

    converge(host_fleet, change)
    grants = mysql_q(host_fleet, "SHOW GRANTS FOR 'app'@'localhost'")
    assert "GRANT SELECT ON `other`.* TO `app`@`localhost`" in grants
    assert "WITH GRANT OPTION" not in grants
    assert mysql_q(host_fleet, "SHOW GRANTS FOR 'ops'@'localhost'").count("GRANT ") == 1
    assert mysql_q(host_fleet, f"SELECT count(*) FROM mysql.user WHERE host = '{servers}'") == "0"
    assert "appcopy" not in mysql_q(host_fleet, "SHOW DATABASES")
    login = sh(host_fleet, "MYSQL_PWD=new-one mysql -N -B -u app -e 'SELECT current_user()'")
    assert login.strip() == "app@localhost"
