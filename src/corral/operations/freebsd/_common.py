"""What the FreeBSD operations share: the ``-j JAIL`` option."""

from __future__ import annotations

from typing import Any

from corral.model.command import QuoteString


def jail_option(jail: str | None) -> list[Any]:
    """``-j JAIL`` (the jail an option's argument: never read as an option itself)."""
    return ["-j", QuoteString(jail)] if jail is not None else []
