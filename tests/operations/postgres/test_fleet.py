"""postgres.* operations applied for real on a fleet host running PostgreSQL 15 (installed
from the image's local repository, started without an init system), the end state checked
with psql."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral.model.secrets import Secret
from corral.operations import postgres
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, installed_and_started, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

PG = {"_sudo": True, "_sudo_user": "postgres"}

# Fleet hosts share one network namespace: the server listens on its host's own loopback
# address only, so that another fleet's servers cannot clash with it.
START = r"""
printf "listen_addresses = '%s'\n" "$ADDR" >> /etc/postgresql/15/main/postgresql.conf
echo "host all all $ADDR/32 scram-sha-256" >> /etc/postgresql/15/main/pg_hba.conf
pg_ctlcluster 15 main start
i=0
until runuser -u postgres -- psql -Atc 'SELECT 1' >/dev/null 2>&1
do
  i=$((i+1)); [ $i -gt 600 ] && { echo "postgresql did not start" >&2; exit 1; }
  sleep 0.1
done
"""


@pytest.fixture(scope="module")
def servers(host_fleet: Fleet) -> Iterator[str]:
    """PostgreSQL installed with apt.packages and running; yields the host's address."""
    yield installed_and_started(host_fleet, ["postgresql"], START)
    sh(host_fleet, "pg_ctlcluster 15 main stop", check=False)


def psql(fleet: Fleet, sql: str, database: str = "postgres") -> str:
    return sh(fleet, f"runuser -u postgres -- psql -XAt -d {database} -c \"{sql}\"").strip()


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
