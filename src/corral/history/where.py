"""Where a history store is: its URL from what the user gave, its default place in a
project. (No SQLAlchemy here: the run's own thread decides where, the recorder's opens.)"""

from __future__ import annotations

import os
from pathlib import Path

#: the store's place in a project, beside the inventory
DEFAULT_PATH = Path(".corral") / "history.db"


def store_url(target: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of a target: a URL as given (``postgresql://`` uses psycopg 3),
    a path as a SQLite file's URL (absolute)."""
    given = os.fspath(target)
    if "://" not in given:
        return "sqlite:///" + str(Path(given).expanduser().resolve())
    scheme, rest = given.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        return "postgresql+psycopg://" + rest
    return given


def default_target(inventory: str | None, cwd: str | os.PathLike[str] | None = None) -> Path:
    """``.corral/history.db`` beside the inventory file, or in the working directory when
    the inventory is no file (``@local``, a list of hosts, an Inventory object)."""
    base = Path(cwd) if cwd is not None else Path.cwd()
    if inventory:
        path = base / inventory
        if path.is_file():
            return path.resolve().parent / DEFAULT_PATH
    return base.resolve() / DEFAULT_PATH
