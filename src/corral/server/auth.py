"""Users, roles, sessions, API tokens and the login rate limit.

Passwords are hashed with argon2id (argon2-cffi's defaults). Session and API tokens are
256 random bits, given to the client once and kept as their sha256 digest only. Roles are
ordered: each one may do what the ones before it may (docs/dashboard.md)."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update

from corral.history import Store
from corral.history.accounts import api_tokens, sessions, users

ROLES = ("viewer", "operator", "approver", "admin")
#: how long a browser session lasts without logging in again
SESSION_LIFETIME = timedelta(hours=12)
#: a token's prefix, so a leaked one is recognisable (secret scanners, logs)
TOKEN_PREFIX = "corral_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")

_hasher = PasswordHasher()
# verified against when the user does not exist, so an unknown name costs the same time
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class AuthError(ValueError):
    """Bad input to an account operation (a name, a role): the message says which."""


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str

    def may(self, role: str) -> bool:
        """Whether this user's role is ``role`` or above it."""
        return ROLES.index(self.role) >= ROLES.index(role)


def now() -> datetime:
    return datetime.now(UTC)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    # SQLite gives back what it was given, without the zone
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise AuthError(f"user name {name!r}: letters, digits, . _ @ - (at most 64)")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"role {role!r}: one of {', '.join(ROLES)}")
    return role


def new_password() -> str:
    return secrets.token_urlsafe(15)


def create_user(store: Store, name: str, password: str, role: str) -> User:
    check_name(name)
    check_role(role)
    if len(password) < 12:
        raise AuthError("a password has at least 12 characters")
    with store.write() as conn:
        if conn.execute(select(users.c.id).where(users.c.name == name)).first():
            raise AuthError(f"user {name} exists already")
        key = conn.execute(insert(users).values(
            name=name, password_hash=_hasher.hash(password), role=role, disabled=False,
            created_at=now())).inserted_primary_key
    assert key is not None
    return User(int(key[0]), name, role)


def set_password(store: Store, name: str, password: str) -> bool:
    """Set a user's password and end their sessions; False when there is no such user."""
    with store.write() as conn:
        row = conn.execute(select(users.c.id).where(users.c.name == name)).first()
        if row is None:
            return False
        conn.execute(update(users).where(users.c.id == row.id).values(
            password_hash=_hasher.hash(password), disabled=False))
        conn.execute(delete(sessions).where(sessions.c.user_id == row.id))
    return True


def list_users(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        return [{"id": r.id, "name": r.name, "role": r.role, "disabled": bool(r.disabled)}
                for r in conn.execute(select(users).order_by(users.c.name))]


def authenticate(store: Store, name: str, password: str) -> User | None:
    with store.read() as conn:
        row = conn.execute(select(users).where(users.c.name == name)).first()
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled:
        return None
    return User(row.id, row.name, row.role)


def open_session(store: Store, user: User) -> tuple[str, str]:
    """A new session for ``user``: ``(cookie value, CSRF token)``."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with store.write() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < now()))
        conn.execute(insert(sessions).values(
            token_hash=digest(token), user_id=user.id, csrf=csrf, created_at=now(),
            expires_at=now() + SESSION_LIFETIME))
    return token, csrf


def session_user(store: Store, token: str) -> tuple[User, str] | None:
    """The user of a session cookie and the session's CSRF token; None when it is no
    live session."""
    with store.read() as conn:
        row = conn.execute(
            select(users.c.id, users.c.name, users.c.role, users.c.disabled,
                   sessions.c.csrf, sessions.c.expires_at)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == digest(token))).first()
    if row is None or row.disabled or _aware(row.expires_at) <= now():
        return None
    return User(row.id, row.name, row.role), row.csrf


def close_session(store: Store, token: str) -> None:
    with store.write() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == digest(token)))


def create_token(store: Store, user: User, name: str,
                 lifetime: timedelta | None = None) -> tuple[int, str]:
    """A new API token of ``user``: ``(its id, the token)``; the token is not kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = now() + lifetime if lifetime is not None else None
    with store.write() as conn:
        key = conn.execute(insert(api_tokens).values(
            token_hash=digest(token), user_id=user.id, name=name[:128], created_at=now(),
            expires_at=expires)).inserted_primary_key
    assert key is not None
    return int(key[0]), token


def token_user(store: Store, token: str) -> User | None:
    """The user of a live API token (not revoked, not expired); its last use noted."""
    with store.read() as conn:
        row = conn.execute(
            select(users.c.id, users.c.name, users.c.role, users.c.disabled,
                   api_tokens.c.id.label("token_id"), api_tokens.c.expires_at,
                   api_tokens.c.revoked_at)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(api_tokens.c.token_hash == digest(token))).first()
    if row is None or row.disabled or row.revoked_at is not None:
        return None
    if row.expires_at is not None and _aware(row.expires_at) <= now():
        return None
    return User(row.id, row.name, row.role)


def list_tokens(store: Store, user: User) -> list[dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(select(api_tokens).where(api_tokens.c.user_id == user.id)
                            .order_by(api_tokens.c.id))
        return [{"id": r.id, "name": r.name, "created_at": _iso(r.created_at),
                 "expires_at": _iso(r.expires_at), "revoked": r.revoked_at is not None}
                for r in rows]


def revoke_token(store: Store, user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s tokens (an admin's: anyone's); False when there is none."""
    condition = api_tokens.c.id == token_id
    if not user.may("admin"):
        condition = condition & (api_tokens.c.user_id == user.id)
    with store.write() as conn:
        done = conn.execute(update(api_tokens).where(condition).values(revoked_at=now()))
    return bool(done.rowcount)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else _aware(value).isoformat(timespec="seconds")


class RateLimit:
    """At most ``attempts`` failed logins per ``window`` seconds, per client address and
    per user name (either one over: refused until the oldest failure leaves the window).
    In memory: a restart forgets, which costs an attacker a restart of the server."""

    def __init__(self, attempts: int = 10, window: float = 300.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, at: float) -> deque[float]:
        found = self._failures.setdefault(key, deque())
        while found and found[0] <= at - self.window:
            found.popleft()
        return found

    def retry_after(self, *keys: str) -> int:
        """Seconds until a login is allowed again for these keys (0: now)."""
        at = time.monotonic()
        wait = 0.0
        for key in keys:
            found = self._recent(key, at)
            if len(found) >= self.attempts:
                wait = max(wait, found[0] + self.window - at)
        return int(wait) + 1 if wait else 0

    def failed(self, *keys: str) -> None:
        at = time.monotonic()
        for key in keys:
            self._recent(key, at).append(at)
        if len(self._failures) > 10_000:  # forget the quiet ones
            for key in [k for k, v in self._failures.items() if not self._recent(k, at)]:
                del self._failures[key]
