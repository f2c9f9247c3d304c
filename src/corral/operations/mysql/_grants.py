"""The privileges logic shared by ``mysql.privileges``, ``mysql.user`` and
``mysql.database``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from corral.facts.mysql import MysqlUserGrants, account, ident
from corral.model.command import StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.operations._util.databases import MysqlConnection


def grants_fact(user: str, hostname: str, conn: MysqlConnection) -> dict[str, set[str]]:
    """The MysqlUserGrants fact of an account (always read with the same arguments)."""
    grants: dict[str, set[str]] = host.get_fact(MysqlUserGrants, user=user, hostname=hostname,
                                                **conn.facts())
    return grants


_PRIVILEGE = re.compile(r"^[A-Z][A-Z_ ]*$")


def normalise(privileges: str | list[str] | set[str] | tuple[str, ...]) -> set[str]:
    """Upper-case privilege names; ``ALL PRIVILEGES`` is ``ALL``."""
    given = [privileges] if isinstance(privileges, str) else list(privileges)
    out = set()
    for item in given:
        name = " ".join(str(item).upper().split())
        if not _PRIVILEGE.match(name):
            raise OperationValueError(f"bad privilege {item!r}")
        out.add("ALL" if name == "ALL PRIVILEGES" else name)
    return out


def _target(database: str, table: str) -> str:
    if table != "*" and database == "*":
        raise OperationValueError(f"privileges on table {table!r} need a database")
    try:
        db = "*" if database == "*" else ident(database)
        tb = "*" if table == "*" else ident(table)
    except ValueError as exc:
        raise OperationValueError(str(exc)) from None
    return f"{db}.{tb}"


def privilege_commands(
    user: str,
    privileges: str | list[str] | set[str] | tuple[str, ...],
    user_hostname: str,
    database: str,
    table: str,
    flush: bool,
    with_grant_option: bool,
    conn: MysqlConnection,
) -> Iterator[StringCommand]:
    """Commands making the account's privileges on one target exactly ``privileges``:
    REVOKE what is extra first, then GRANT what is missing (so that narrowing ``ALL`` to a
    few privileges keeps those)."""
    wanted = normalise(privileges)
    if with_grant_option:
        wanted.add("GRANT OPTION")
    wanted.discard("USAGE")  # the "no privileges" privilege
    target = _target(database, table)
    name = account(user, user_hostname)
    grants = grants_fact(user, user_hostname, conn)
    existing = {"ALL" if p == "ALL PRIVILEGES" else p for p in grants.get(target, set())}
    existing.discard("USAGE")

    revoke = existing - wanted
    grant = wanted - existing
    if not revoke and not grant:
        host.noop(f"mysql privileges of {user}@{user_hostname} on {target} are correct")
        return
    plain = sorted(revoke - {"GRANT OPTION"})
    if plain:
        yield conn.run(f"REVOKE {', '.join(plain)} ON {target} FROM {name}")
    if "GRANT OPTION" in revoke:
        yield conn.run(f"REVOKE GRANT OPTION ON {target} FROM {name}")
    plain = sorted(grant - {"GRANT OPTION"})
    with_option = " WITH GRANT OPTION" if "GRANT OPTION" in grant else ""
    if plain or with_option:
        yield conn.run(f"GRANT {', '.join(plain) or 'USAGE'} ON {target} TO {name}{with_option}")
    if flush:
        yield conn.run("FLUSH PRIVILEGES")
