"""A value that must never be shown: masked in str/repr, revealed only where used."""

from __future__ import annotations

MASK = "***"


class Secret:
    """Wraps a secret string. ``str()`` and ``repr()`` are masked; ``reveal()`` gives the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __str__(self) -> str:
        return MASK

    def __repr__(self) -> str:
        return f"Secret({MASK})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def reveal(value: object) -> str:
    """The real text of a value, secrets revealed."""
    if isinstance(value, Secret):
        return value.reveal()
    return str(value)
