"""Opening the history store: where it is, its engine, its migrations.

A target is a SQLAlchemy URL (``postgresql://user@host/db``, ``sqlite:///path``) or the path
of a SQLite file. A SQLite store is created on first use (its directory too), in WAL mode
so readers never wait for the writer, and every write transaction starts with ``BEGIN
IMMEDIATE`` so two runs writing at once queue on the lock (``busy_timeout``) instead of
failing halfway through a transaction. A store at an older revision is migrated by Alembic
when it is opened; a store at :data:`~corral.history.schema.HEAD` is opened without
loading Alembic.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from .schema import HEAD
from .where import store_url

#: how long a SQLite writer waits for another one (milliseconds)
BUSY_TIMEOUT_MS = 30_000
#: how long connecting to a database server may take (seconds)
CONNECT_TIMEOUT = 5


class HistoryError(Exception):
    """The store cannot be opened, read or written (the message says which and why)."""


def describe(url: str) -> str:
    """The URL as said in messages: a file's path, a server's URL without its password."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///"):]
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    path = url[len("sqlite:///"):]
    if path and path != ":memory:":
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise HistoryError(f"cannot create {Path(path).parent}: {exc.strerror}") from None
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # transactions are ours (BEGIN below), not the sqlite3 module's
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engine(url: str, *, writing: bool = True) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, immediate=writing)
    if url.startswith("postgresql"):
        return create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT},
                             pool_pre_ping=True)
    return create_engine(url)


def revision(conn: Connection) -> str | None:
    """The store's Alembic revision, None for an empty database."""
    try:
        with conn.begin_nested() if conn.in_transaction() else conn.begin():
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except SQLAlchemyError:
        return None
    return None if row is None else str(row[0])


def migrate(engine: Engine, to: str = "head") -> None:
    """Bring the store to revision ``to`` (Alembic's migrations shipped in this package)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, to)
        conn.commit()


class Store:
    """An open history store: its engine, at the newest revision."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    @property
    def where(self) -> str:
        return describe(self.url)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in one transaction, committed at the end (rolled back on error)."""
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def open_store(target: str | os.PathLike[str], *, writing: bool = True) -> Store:
    """Open (creating and migrating as needed) the store at ``target``. Raises
    :class:`HistoryError` with a one-line reason."""
    url = store_url(target)
    if not writing and url.startswith("sqlite:///") and not Path(url[10:]).exists():
        raise HistoryError(f"{describe(url)}: no history recorded here")
    try:
        engine = make_engine(url, writing=writing)
    except HistoryError:
        raise
    except Exception as exc:  # a malformed URL, a driver not installed
        raise HistoryError(f"{describe_safely(url)}: {_reason(exc)}") from None
    try:
        with engine.connect() as conn:
            current = revision(conn)
        if current != HEAD:
            migrate(engine)
    except HistoryError:
        engine.dispose()
        raise
    except Exception as exc:
        engine.dispose()
        raise HistoryError(f"{describe_safely(url)}: {_reason(exc)}") from None
    return Store(url, engine)


def describe_safely(url: str) -> str:
    try:
        return describe(url)
    except Exception:
        return "the history store"


def _reason(exc: BaseException) -> str:
    """One line: the database's own message, without SQLAlchemy's background links."""
    orig = getattr(exc, "orig", None)
    text_ = str(orig if orig is not None else exc) or type(exc).__name__
    return " ".join(text_.split("\n")[0].split())
