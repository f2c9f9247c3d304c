"""``files.put``'s ``atime`` and ``mtime``: a time asked for, as the host's ``touch`` sets it.

A time is a ``datetime`` (without a zone: the host's), a POSIX timestamp, an ISO 8601
string (without a zone: the host's), ``True`` (the local source file's own time), or the
path of a file on the host whose time is copied. Times are compared to the second, which
is what the ``File`` fact reads.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from corral.facts.files import File
from corral.facts.server import Date
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError

TimeSpec = datetime | float | int | str | bool | None


def wanted_time(field: str, spec: TimeSpec, local_path: str | None) -> datetime | None:
    """The UTC time ``spec`` asks ``field`` ("atime" or "mtime") to have, or None."""
    if spec is None or spec is False:
        return None
    if spec is True:
        if local_path is None or not os.path.isfile(local_path):
            raise OperationValueError(f"{field}=True needs src to be a local file path")
        st = os.stat(local_path)
        return datetime.fromtimestamp(st.st_atime if field == "atime" else st.st_mtime, UTC)
    if isinstance(spec, datetime):
        return _in_utc(spec)
    if isinstance(spec, int | float):
        return _from_timestamp(field, spec)
    if not isinstance(spec, str) or not spec:
        raise OperationValueError(f"bad {field} {spec!r}")
    try:
        return _in_utc(datetime.fromisoformat(spec))
    except ValueError:
        pass
    try:
        return _from_timestamp(field, float(spec))
    except ValueError:
        pass
    if not spec.startswith("/"):
        raise OperationValueError(f"{field} {spec!r} is no time, timestamp or absolute path "
                                  "of a file on the host")
    other = host.get_fact(File, path=spec)
    value = other.get(field) if isinstance(other, dict) else None
    if value is None:
        raise OperationValueError(f"{field}: {spec} is no file on the host to take it from")
    return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]


def _from_timestamp(field: str, value: float) -> datetime:
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise OperationValueError(f"bad {field} timestamp {value!r}") from None


def _in_utc(when: datetime) -> datetime:
    if when.tzinfo is None:  # the host's local time, as the host's clock reads it
        when = when.replace(tzinfo=host.get_fact(Date).tzinfo)
    return when.astimezone(UTC)


def differs(wanted: datetime, current: Any) -> bool:
    """Whether a file's time (naive UTC, whole seconds, from the File fact) is not the one
    wanted, to the second."""
    if not isinstance(current, datetime):
        return True
    return int(current.replace(tzinfo=UTC).timestamp()) != int(wanted.timestamp())


def touch(path: str, field: str, when: datetime) -> StringCommand:
    """``touch -m -d 2024-01-02T03:04:05Z PATH`` (``-a`` for atime): a form GNU and BSD
    touch both read."""
    text = when.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"
    return StringCommand("touch", "-a" if field == "atime" else "-m", "-d", text, "--",
                         QuoteString(path))
