"""Helpers shared by the server operation modules."""

from __future__ import annotations

from corral.model.command import QuoteString, StringCommand


def joined(words: list[str], separator: str = " ") -> StringCommand:
    """Words as one shell word each, joined by ``separator`` (e.g. ``a,b`` for -G)."""
    parts: list[object] = []
    for word in words:
        if parts:
            parts.append(separator)
        parts.append(QuoteString(word))
    return StringCommand(*parts, _separator="")
