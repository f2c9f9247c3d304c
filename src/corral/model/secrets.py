"""A value that must never be shown: masked in str/repr, revealed only where used."""

from __future__ import annotations

from collections.abc import Callable

MASK = "***"

#: called with the name of each vault key read on a run's behalf (never its value)
_readers: list[Callable[[str], None]] = []


def on_read(listener: Callable[[str], None]) -> Callable[[], None]:
    """Call ``listener(name)`` with the name of every vault key read from now on (the run
    history audits which keys a run decrypted); the answer stops it. A listener must be
    quick and must not raise (it runs in the deploy's code)."""
    _readers.append(listener)

    def forget() -> None:
        if listener in _readers:
            _readers.remove(listener)

    return forget


def key_read(name: str) -> None:
    """The vault key ``name`` was read: by ``corral.secrets`` in this process, or in a
    worker process of this run (its link says so; the listeners are here)."""
    for listener in list(_readers):
        listener(name)


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



class HiddenValue(Secret):
    """pyinfra's name for a secret value: ``HiddenValue(text)``, shown as ``masked_value``;
    ``unmask()`` (or :meth:`reveal`) gives the text. corral masks it as any
    :class:`Secret`."""

    __slots__ = ("masked_value",)

    def __init__(self, content: str = "", masked_value: str = MASK) -> None:
        super().__init__(content)
        self.masked_value = masked_value

    def unmask(self) -> str:
        return self.reveal()

    @property
    def raw_value(self) -> str:
        return self.reveal()

    def __str__(self) -> str:
        return str(self.masked_value)

    def __repr__(self) -> str:
        return repr(self.masked_value)

def reveal(value: object) -> str:
    """The real text of a value, secrets revealed."""
    if isinstance(value, Secret):
        return value.reveal()
    return str(value)


#: secrets shorter than this are not searched for in output (they would mask ordinary text)
MIN_MASKED_LENGTH = 4


def collect(value: object, found: set[str], depth: int = 0) -> None:
    """Add the text of every :class:`Secret` inside ``value`` (containers searched)."""
    if depth > 6:
        return
    if isinstance(value, Secret):
        if len(value.reveal()) >= MIN_MASKED_LENGTH:
            found.add(value.reveal())
    elif isinstance(value, dict):
        for v in value.values():
            collect(v, found, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            collect(v, found, depth + 1)
    elif hasattr(value, "bits"):  # a StringCommand
        collect(value.bits, found, depth + 1)
    elif hasattr(value, "obj"):  # a QuoteString
        collect(value.obj, found, depth + 1)


def mask(text: str, secrets: set[str]) -> str:
    """``text`` with every known secret replaced by ``***``."""
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text
