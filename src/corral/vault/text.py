"""The clear text of a vault, as ``view`` shows it and ``edit`` opens it: ``KEY: value``
lines, YAML where a value needs it (several lines, leading spaces, quotes). Every value is
read as a string: ``yes`` stays ``"yes"``, ``0123`` stays ``"0123"``."""

from __future__ import annotations

import importlib
from typing import Any

from .store import VaultError, check_name

HEADER = ("# corral vault {path}: one 'KEY: value' per line (YAML; every value is text).\n"
          "# Saved and encrypted again when the editor exits; delete a line to remove a key.\n")
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"


def _yaml() -> Any:
    return importlib.import_module("yaml")


_BREAKS = frozenset("\x85\u2028\u2029\r")


def _style(value: str) -> str | None:
    """Double quotes (escapes) for what YAML would read as a line break or cannot show;
    a block for several lines; else YAML's choice."""
    if any(c in _BREAKS or not c.isprintable() for c in value.replace("\n", "")):
        return '"'
    return "|" if "\n" in value else None


def dump(values: dict[str, str], path: str = "") -> str:
    """The editable text, with a comment header when ``path`` is given. Plain scalars
    where YAML reads them back as the same text; a block (``|``) for several lines."""
    yaml = _yaml()
    header = HEADER.format(path=path) if path else ""
    if not values:
        return header
    node = yaml.MappingNode(_MAP, [
        (yaml.ScalarNode(_STR, key), yaml.ScalarNode(_STR, value, style=_style(value)))
        for key, value in sorted(values.items())])
    body: str = yaml.serialize(node, Dumper=yaml.SafeDumper, allow_unicode=True,
                               width=1 << 30)
    return header + body


def load(text: str, where: str = "the edited text") -> dict[str, str]:
    """The values in ``text``; :class:`VaultError` naming the line if it is not a mapping
    of key names to text."""
    yaml = _yaml()
    try:
        node = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise VaultError(f"{where}{line}: not 'KEY: value' text: {problem}") from None
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value == ""):
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise VaultError(f"{where}: expected 'KEY: value' lines")
    out: dict[str, str] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise VaultError(f"{where} line {line}: a key must be a name")
        key = key_node.value
        try:
            check_name(key)
        except VaultError as exc:
            raise VaultError(f"{where} line {line}: {exc}") from None
        if key in out:
            raise VaultError(f"{where} line {line}: key {key} given twice")
        if not isinstance(value_node, yaml.ScalarNode):
            raise VaultError(f"{where} line {line}: the value of {key} must be text, not a "
                             "list or mapping")
        out[key] = value_node.value
    return out
