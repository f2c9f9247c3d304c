"""mysql.* operations applied for real on a fleet host running MariaDB 10.11 (installed from
the image's local repository, started without an init system), the end state checked with
mysql."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral.model.secrets import Secret
from corral.operations import mysql
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, installed_and_started, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

# Fleet hosts share one network namespace: the server listens on its host's own loopback
# address only, so that another fleet's servers cannot clash with it.
START = r"""
printf '[mysqld]\nbind-address = %s\n' "$ADDR" > /etc/mysql/mariadb.conf.d/99-corral.cnf
/etc/init.d/mariadb start >/dev/null
i=0
until mysqladmin ping >/dev/null 2>&1
do
  i=$((i+1)); [ $i -gt 600 ] && { echo "mariadb did not start" >&2; exit 1; }
  sleep 0.1
done
"""


@pytest.fixture(scope="module")
def servers(host_fleet: Fleet) -> Iterator[str]:
    """MariaDB installed with apt.packages and running; yields the host's address."""
    yield installed_and_started(host_fleet, ["mariadb-server"], START)
    sh(host_fleet, "/etc/init.d/mariadb stop >/dev/null", check=False)


def mysql_q(fleet: Fleet, sql: str) -> str:
    return sh(fleet, f"mysql -N -B -e \"{sql}\"").strip()


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
