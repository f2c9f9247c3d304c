"""The web server's tables in the history store (revision 0004): users, their browser
sessions and API tokens, and the runs asked for from the server (plan, approval, apply).

The server (``corral serve``, docs/dashboard.md) writes and reads them; the store holds
no password and no token: passwords as argon2 hashes, session and API tokens as sha256
digests (they are random 256-bit values, so a plain digest is enough to make a stolen
database useless for logging in)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from .schema import metadata

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    # viewer, operator, approver, admin (docs/dashboard.md)
    Column("role", String(16), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    # the session's CSRF token, compared with every form it posts
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)

run_requests = Table(
    "run_requests", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # the inventory and deploy files, relative to the project directory
    Column("inventory", Text, nullable=False),
    Column("deploy", Text, nullable=False),
    Column("limit", JSON),
    # planning, planned, applying, done, failed, cancelled, interrupted
    Column("state", String(16), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("approved_by", String(64)),
    Column("cancelled_by", String(64)),
    Column("plan_run_id", Integer),
    Column("apply_run_id", Integer),
    Column("plan_exit_code", Integer),
    Column("apply_exit_code", Integer),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
Index("ix_run_requests_target", run_requests.c.inventory, run_requests.c.deploy)
