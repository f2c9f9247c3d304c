"""The run history: every run recorded in a database (SQLite in the project by default,
PostgreSQL by URL), and the questions asked of it (docs/history.md).

A front end of its own (layer 4): it reads the engine's events and results, and nothing
below it imports it. SQLAlchemy is loaded only when a store is opened (by the recorder's
thread during a run)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .recorder import Recorder, RunInfo
from .where import default_target, store_url

if TYPE_CHECKING:
    from .queries import QueryError, RunFilter
    from .store import HistoryError, Store

#: the environment: a store's URL or path; turning recording off
URL_VARIABLE = "CORRAL_HISTORY_URL"
OFF_VARIABLE = "CORRAL_NO_HISTORY"

_LAZY = {
    "HistoryError": "store", "Store": "store", "open_store": "store",
    "QueryError": "queries", "RunFilter": "queries", "list_runs": "queries",
    "show_run": "queries", "host_timeline": "queries", "parse_since": "queries",
    "drift_status": "queries", "diff_runs": "queries", "prune_runs": "queries",
    "list_audit": "audit", "verify_audit": "audit", "append_audit": "audit",
}


def __getattr__(name: str) -> Any:
    """The store's and the queries' names, imported (with SQLAlchemy) when first used."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'corral.history' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"corral.history.{module}"), name)


__all__ = [
    "OFF_VARIABLE",
    "URL_VARIABLE",
    "HistoryError",
    "QueryError",
    "Recorder",
    "RunFilter",
    "RunInfo",
    "Store",
    "append_audit",
    "default_target",
    "diff_runs",
    "drift_status",
    "host_timeline",
    "list_audit",
    "list_runs",
    "open_store",
    "parse_since",
    "prune_runs",
    "show_run",
    "store_url",
    "verify_audit",
]
