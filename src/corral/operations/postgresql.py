"""``postgresql.*``: pyinfra's older name of the ``postgres`` operations, kept by pyinfra
as deprecated aliases. They are the same operations (same arguments, checks and
behaviour), listed under this name too; new deploys should call ``postgres.*``."""

from __future__ import annotations

from .postgres import database, dump, load, role, sql

__all__ = ["database", "dump", "load", "role", "sql"]
