"""Writing and reading facts (``pyinfra.api.facts``)."""

from __future__ import annotations

from typing import Any

from corral.model.facts import FactBase, ShortFactBase
from corral.model.host import Host


def get_fact(state: Any, host: Host, cls: type[FactBase[Any]], args: Any = None,
             kwargs: Any = None, **_ignored: Any) -> Any:
    """pyinfra's function form of ``host.get_fact(cls, *args, **kwargs)``, for the host
    the running deploy code is bound to. (``state`` is not needed: the run is known.)"""
    return host.get_fact(cls, *(args or ()), **(kwargs or {}))


__all__ = ["FactBase", "ShortFactBase", "get_fact"]
