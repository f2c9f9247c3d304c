"""Extra command-line arguments given to a package manager by a deploy, made safe for the
shell by construction."""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from corral.model.command import QuoteString
from corral.model.errors import OperationValueError


def shell_words(extra_args: str | Sequence[str] | None) -> list[QuoteString]:
    """``extra_args`` as quoted words of a command: a string is split as sh splits words
    (``"--index-url URL --no-cache"`` is three), a list is one word per item. Each word
    then reaches the program as it is: ``;``, ``$(...)``, quotes or a line break in it are
    text, never shell syntax."""
    if extra_args is None:
        return []
    if isinstance(extra_args, str):
        try:
            words = shlex.split(extra_args)
        except ValueError as exc:  # an unbalanced quote
            raise OperationValueError(f"extra arguments {extra_args!r}: {exc}") from exc
    else:
        words = [str(w) for w in extra_args]
    if any("\0" in w for w in words):
        raise OperationValueError(f"extra arguments {extra_args!r} contain a NUL byte")
    return [QuoteString(w) for w in words]
