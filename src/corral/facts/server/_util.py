"""Helpers shared by the server fact modules."""

from __future__ import annotations

import re

from corral.model.keys import Key

NOTHING: frozenset[Key] = frozenset()

_INT = re.compile(r"-?\d{1,30}", re.ASCII)


def try_int(value: str) -> int | str:
    """``"12"`` -> 12; anything that is not a plain integer stays a string."""
    return int(value) if _INT.fullmatch(value) else value


def first_line(output: list[str]) -> str | None:
    """The first non-blank line, stripped, or None."""
    for line in output:
        if line.strip():
            return line.strip()
    return None


def unquote(value: str) -> str:
    """A shell-style value with its quotes removed (``"a b"`` -> ``a b``)."""
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r'\\([\\"$`])', r"\1", value[1:-1])
    return value
