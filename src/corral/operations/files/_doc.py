"""``files.json`` and ``files.yaml``: a value at a key path in a structured document, read
from the host with one fact, changed locally and uploaded atomically with a Diff."""

from __future__ import annotations

import importlib
import json as _json
from collections.abc import Callable, Sequence
from typing import Any

from corral.model import keys as state_keys
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.operation import OpGenerator, operation

from ._base import read_document, rewrite

_MISSING = object()


def key_path(keys: str | int | Sequence[str | int]) -> list[str | int]:
    """One key or a list of them; never empty."""
    path = [keys] if isinstance(keys, str | int) else list(keys)
    if not path:
        raise OperationValueError("give at least one key")
    return path


def _child(node: Any, key: str | int, where: str) -> Any:
    if isinstance(node, dict):
        return node.get(key, _MISSING) if isinstance(key, str) else _MISSING
    if isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node):
        return node[key]
    if isinstance(node, list | dict):
        return _MISSING
    raise OperationError(f"{where} holds a {type(node).__name__}, not a mapping or list")


def set_value(doc: Any, path: list[str | int], value: Any, present: bool) -> Any:
    """The document with ``value`` at ``path`` (mappings created on the way), or with the
    key removed when not ``present``. ``doc`` is changed in place and returned."""
    if doc is None:
        doc = {}
    node = doc
    for n, key in enumerate(path[:-1]):
        where = "/".join(str(k) for k in path[:n]) or "the document"
        child = _child(node, key, where)
        if child is _MISSING:
            if not present:
                return doc
            if not isinstance(node, dict) or not isinstance(key, str):
                raise OperationError(f"{where}: no item {key!r} to go into")
            child = node[key] = {}
        node = child
    last = path[-1]
    where = "/".join(str(k) for k in path[:-1]) or "the document"
    exists = _child(node, last, where) is not _MISSING
    if not present:
        if exists:
            del node[last]
        return doc
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = value
    elif isinstance(node, list) and exists and isinstance(last, int):
        node[last] = value
    else:
        raise OperationError(f"{where}: cannot set item {last!r} in a {type(node).__name__}")
    return doc


def _canonical(doc: Any) -> str:
    """A text that differs whenever two documents differ (True is not 1 here)."""
    return _json.dumps(doc, sort_keys=True, default=repr)


def edit_document(
    path: str,
    keys: str | int | Sequence[str | int],
    value: Any,
    present: bool,
    parse: Callable[[str], Any],
    dump: Callable[[Any], str],
    kind: str,
    user: str | None,
    group: str | None,
    mode: int | str | None,
) -> OpGenerator:
    where = key_path(keys)
    info, old = read_document(path)
    try:
        text = old.decode() if old is not None else None
        doc = parse(text) if text and text.strip() else None
    except Exception as exc:
        raise OperationError(f"{path} is not valid {kind}: {exc}") from None
    before = _canonical(doc)
    if doc is None and not present:
        host.noop(f"{path} has no {'/'.join(map(str, where))}")
        return
    doc = set_value(doc, where, value, present)
    shown = "/".join(map(str, where))
    if _canonical(doc) == before:
        yield from rewrite(path, info, old, old or b"", user, group, mode,
                           reason=f"{path} already has {shown} as wanted")
        return
    yield from rewrite(path, info, old, dump(doc).encode(), user, group, mode)


@operation(changes=lambda path, *_, **__: [state_keys.path(path)])
def json(
    path: str,
    keys: str | int | list[str | int],
    value: Any = None,
    present: bool = True,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | None = None,
    indent: int = 2,
) -> OpGenerator:
    """Ensure a value at a key path in a JSON document on the host (or its absence).

    + path: remote JSON file (created when missing)
    + keys: the path to the value, ``["server", "port"]`` (an int indexes a list)
    + value: anything JSON can hold
    + present: whether the key should be there (False removes it)
    + user, group, mode: owner and permissions of the file
    + indent: indentation of the written document

    Nothing is written when the document already holds the value; otherwise the whole
    document is written again with this indentation (key order is kept).

    Example:
        files.json(name="App port", path="/etc/app/config.json", keys=["server", "port"],
                   value=8080)
    """
    def dump(doc: Any) -> str:
        return _json.dumps(doc, indent=indent, ensure_ascii=False) + "\n"

    yield from edit_document(path, keys, value, present, _json.loads, dump, "JSON",
                             user, group, mode)


def _yaml() -> Any:
    return importlib.import_module("yaml")


@operation(changes=lambda path, *_, **__: [state_keys.path(path)])
def yaml(
    path: str,
    keys: str | int | list[str | int],
    value: Any = None,
    present: bool = True,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | None = None,
) -> OpGenerator:
    """Ensure a value at a key path in a YAML document on the host (or its absence).

    + path: remote YAML file (created when missing)
    + keys: the path to the value, ``["server", "port"]`` (an int indexes a list)
    + value: anything YAML can hold (plain data: mappings, lists, text, numbers...)
    + present: whether the key should be there (False removes it)
    + user, group, mode: owner and permissions of the file

    Nothing is written when the document already holds the value. Otherwise it is written
    again with PyYAML (block style, key order kept): comments in it are lost.

    Example:
        files.yaml(name="Log level", path="/etc/app/config.yaml", keys=["logging", "level"],
                   value="debug")
    """
    lib = _yaml()

    def parse(text: str) -> Any:
        return lib.safe_load(text)

    def dump(doc: Any) -> str:
        text: str = lib.safe_dump(doc, sort_keys=False, default_flow_style=False,
                                  allow_unicode=True)
        return text

    yield from edit_document(path, keys, value, present, parse, dump, "YAML",
                             user, group, mode)
