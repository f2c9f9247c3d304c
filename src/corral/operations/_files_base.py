"""Shared by the ``files`` operations kept in private modules: the decorator that names
them ``files.*``, and the rewrite of a file edited locally (block, ini, json, yaml)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from corral.facts.files import File, FileContents
from corral.model.command import Diff, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError
from corral.model.operation import OpGenerator
from corral.model.operation import operation as _untyped_operation

from . import _files_util as u
from ._files_util import qpath

#: the module the operations are listed under (``files.download``...)
FILES_MODULE = "corral.operations.files"


def files_operation(**options: Any) -> Callable[[Callable[..., OpGenerator]], Any]:
    """``@operation(...)`` for an operation defined outside ``files.py`` but belonging to
    the ``files`` module: it is named ``files.<name>`` and listed with the others."""
    decorate: Callable[[Callable[..., OpGenerator]], Any] = _untyped_operation(**options)

    def wrap(fn: Callable[..., OpGenerator]) -> Any:
        fn.__module__ = FILES_MODULE
        return decorate(fn)

    return wrap


def read_document(path: str) -> tuple[Mapping[str, Any] | None, str | None]:
    """A remote text file's details and content (None, None when it is missing).

    The content has a final newline when the file is not empty: the fact gives lines."""
    info = host.get_fact(File, path=path)
    lines = host.get_fact(FileContents, path=path)
    if info is False:
        raise OperationError(f"{path} exists and is not a file")
    if info is None or lines is None:
        return None, None
    return info, u.lines_text(lines)


def rewrite(
    path: str,
    info: Mapping[str, Any] | None,
    old: str | None,
    new: str,
    user: str | None = None,
    group: str | None = None,
    mode: u.Mode = None,
    backup: bool | str = False,
    reason: str = "",
) -> OpGenerator:
    """Upload ``new`` over ``path`` when it differs from ``old`` (atomic, with a Diff);
    otherwise only fix owner and mode. The file keeps its owner and mode unless given."""
    if old == new:
        changes: list[StringCommand] = []
        if info is not None:
            changes = u.metadata_commands(path, info, user, group, u.ensure_mode(mode))
        if not changes:
            host.noop(reason or f"{path} is already as wanted")
        yield from changes
        return
    if backup and info is not None:
        yield StringCommand("cp", "-p", qpath(path), qpath(path) + u.backup_suffix(backup))
    yield Diff(path, old, new)
    yield u.replacing_upload(new.encode(), path, info, u.ensure_mode(mode), user, group)


def as_list(value: str | Iterable[str] | None) -> list[str]:
    """One pattern or several, as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)
