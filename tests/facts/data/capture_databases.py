"""Re-capture the postgres.* and mysql.* fact outputs stored next to this script (as root).

    .venv/bin/python tests/facts/data/capture_databases.py

Starts a one-host test fleet, installs postgresql and mariadb-server from the image's local
repository, starts both servers (the host has no init system), creates the roles,
databases, accounts and grants below, and stores each fact's command, exit code and stdout
lines as ``<name>.json`` ("where": "fleet").
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from corral.facts import mysql, postgres
from corral.model.facts import FactBase
from corral.testing.fleet import Fleet
from corral.testing.fleet_host import children

HERE = Path(__file__).parent

SETUP = r"""
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && apt-get install -y -q postgresql mariadb-server >/dev/null 2>&1
# fleet hosts share the network namespace: listen on this host's own address only
printf "listen_addresses = '%s'\n" "$ADDR" >> /etc/postgresql/15/main/postgresql.conf
echo "host all all $ADDR/32 scram-sha-256" >> /etc/postgresql/15/main/pg_hba.conf
printf '[mysqld]\nbind-address = %s\n' "$ADDR" > /etc/mysql/mariadb.conf.d/99-corral.cnf
pg_ctlcluster 15 main start && /etc/init.d/mariadb start
for i in $(seq 1 600); do
  runuser -u postgres -- psql -Atc 'SELECT 1' >/dev/null 2>&1 &&
    mysqladmin ping >/dev/null 2>&1 && break
  sleep 0.1
done
runuser -u postgres -- psql -q <<'EOF'
CREATE ROLE app LOGIN CREATEDB CONNECTION LIMIT 5 PASSWORD 'secret';
CREATE ROLE "odd role" NOLOGIN;
CREATE ROLE legacy LOGIN;
SET password_encryption = 'md5';
ALTER ROLE legacy PASSWORD 'legacy-pw';
CREATE DATABASE appdb OWNER app TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
EOF
mysql <<'EOF'
CREATE DATABASE appdb CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE `my_db` CHARACTER SET latin1;
CREATE TABLE appdb.t (id INT, name TEXT);
CREATE USER 'app'@'localhost' IDENTIFIED BY 'secret' WITH MAX_USER_CONNECTIONS 7;
CREATE USER 'app'@'127.0.%' IDENTIFIED BY 'secret';
GRANT SELECT ON appdb.* TO 'app'@'127.0.%';
CREATE USER 'tls'@'%' REQUIRE SSL;
GRANT SELECT, INSERT ON appdb.* TO 'app'@'localhost';
GRANT ALL ON `my\_db`.* TO 'app'@'localhost' WITH GRANT OPTION;
GRANT UPDATE (name) ON appdb.t TO 'app'@'localhost';
GRANT DELETE ON appdb.t TO 'app'@'localhost';
EOF
"""

PG = ("runuser", "-u", "postgres", "--")
ADDR = "127.0.0.1"  # replaced by the fleet host's address
PG_PW = {"psql_user": "app", "psql_password": "secret", "psql_host": ADDR,
         "psql_database": "appdb"}

CAPTURES: list[tuple[tuple[str, ...], str, type[FactBase[Any]], dict[str, Any]]] = [
    (PG, "postgres_roles", postgres.PostgresRoles, {}),
    (PG, "postgres_databases", postgres.PostgresDatabases, {}),
    ((), "postgres_databases_password", postgres.PostgresDatabases, PG_PW),
    (PG, "postgres_rolepassword_scram", postgres.PostgresRolePassword, {"role": "app"}),
    (PG, "postgres_rolepassword_md5", postgres.PostgresRolePassword, {"role": "legacy"}),
    (PG, "postgres_rolepassword_none", postgres.PostgresRolePassword, {"role": "odd role"}),
    (PG, "postgres_rolepassword_missing", postgres.PostgresRolePassword, {"role": "nobody"}),
    ((), "postgres_roles_no_server_user", postgres.PostgresRoles, {}),
    ((), "mysql_databases", mysql.MysqlDatabases, {}),
    ((), "mysql_users", mysql.MysqlUsers, {}),
    ((), "mysql_usergrants_app", mysql.MysqlUserGrants, {"user": "app"}),
    ((), "mysql_usergrants_root", mysql.MysqlUserGrants, {"user": "root"}),
    ((), "mysql_usergrants_tls", mysql.MysqlUserGrants, {"user": "tls", "hostname": "%"}),
    ((), "mysql_usergrants_missing", mysql.MysqlUserGrants, {"user": "nobody"}),
    ((), "mysql_databases_password", mysql.MysqlDatabases,
     {"mysql_user": "app", "mysql_password": "secret", "mysql_host": ADDR}),
]


def on_host(fleet: Fleet, argv: list[str]) -> subprocess.CompletedProcess[str]:
    pid = children(fleet.hosts[0].pid)[0]
    return subprocess.run(["nsenter", "-t", str(pid), "-m", "-u", "-p", "-r", "-w", *argv],
                          capture_output=True, text=True, timeout=300)


def main() -> int:
    with Fleet(1) as fleet:
        address = fleet.hosts[0].address
        setup = on_host(fleet, ["env", f"ADDR={address}", "sh", "-c", SETUP])
        if setup.returncode != 0:
            print(setup.stderr, file=sys.stderr)
            return 1
        for prefix, name, cls, kwargs in CAPTURES:
            kwargs = {k: (address if v == ADDR else v) for k, v in kwargs.items()}
            command = cls().command(**kwargs)
            proc = on_host(fleet, [*prefix, "sh", "-c", f"LC_ALL=C; export LC_ALL; {command}"])
            output = proc.stdout.splitlines()
            record = {"fact": cls.name, "kwargs": kwargs, "where": "fleet",
                      "command": str.__str__(command), "exit": proc.returncode,
                      "output": output}
            (HERE / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
            print(name, proc.returncode, len(output), proc.stderr.strip()[:100])
    return 0


if __name__ == "__main__":
    sys.exit(main())
