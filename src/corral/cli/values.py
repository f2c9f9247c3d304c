"""Values written on the command line: ``key=value`` words, ``--data``, function arguments."""

from __future__ import annotations

import json
from typing import Any

from corral.api import BadInput, value_matches


def parse_cli_value(raw: str) -> Any:
    """A value as pyinfra reads ``--data`` and untyped arguments: ``true``/``false`` (any
    case) as booleans, then an integer, then JSON, else the text itself."""
    lowered = raw.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def parse_typed_value(raw: str, hint: Any) -> Any:
    """A value for an argument annotated ``hint``: the text when the annotation takes text
    (``name=123`` stays the text ``"123"`` for a ``str`` argument), else read as JSON where
    that gives what the annotation wants (a list, a number, ``true``), a comma list for a
    list of text, or the text. With no annotation: :func:`parse_cli_value`."""
    if hint is None:
        return parse_cli_value(raw)
    if raw[:1] in "[{" and hint not in (str, str | None):
        # a list or a dict, even where a string would do too (an Iterable argument)
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    if value_matches(raw, hint):
        return raw
    lowered = raw.lower()
    if lowered in ("true", "false") and value_matches(lowered == "true", hint):
        return lowered == "true"
    try:
        return json.loads(raw)
    except ValueError:
        if "," in raw:
            return raw.split(",")
    return raw


def split_assignment(item: str, what: str) -> tuple[str, str]:
    """``key=value`` -> (key, value); anything else is bad input naming ``what``."""
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise BadInput(f"{what} takes key=value, got {item!r}", file="command line")
    if "\0" in key:
        raise BadInput(f"{what}: a key holds a NUL byte", file="command line")
    return key, value
