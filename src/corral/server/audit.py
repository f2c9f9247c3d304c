"""The server's actions in the history's audit log (docs/history.md): logins (and refused
ones), logouts, users and tokens made or revoked, runs asked for, approved, cancelled. The
details name things (a user, a token's id and purpose, a request's files) and never hold a
password or a token."""

from __future__ import annotations

from typing import Any

from corral.history import Store
from corral.history import audit as log
from corral.history.provenance import controller

LOGIN, LOGIN_REFUSED, LOGOUT = log.LOGIN, "login.refused", "logout"
USER_CREATE, TOKEN_CREATE, TOKEN_REVOKE = "user.create", "token.create", "token.revoke"
RUN_REQUEST, RUN_APPROVE, RUN_CANCEL = "run.request", "run.approve", "run.cancel"


def record(store: Store, kind: str, actor: str | None, **detail: Any) -> None:
    """Append one record (its own transaction, after the action it records)."""
    with store.write() as conn:
        log.append(conn, kind, detail, actor=actor, controller=controller())
