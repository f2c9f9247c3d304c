"""``files.block`` and ``files.ini``: text files edited locally from their remote content
(one fact read), then uploaded atomically with a Diff."""

from __future__ import annotations

import re

from corral.facts.files import block_markers
from corral.model import keys
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.operation import OpGenerator

from ._files_base import files_operation, read_document, rewrite


def _text(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _lines(text: str | None) -> list[str]:
    """The lines of a file's text as read (each line ends with a newline)."""
    return text[:-1].split("\n") if text else []


def find_block(lines: list[str], first: str, last: str, path: str) -> tuple[int, int] | None:
    """The indexes of a block's begin and end marker lines, or None when there is none."""
    for i, text in enumerate(lines):
        if text == first:
            for j in range(i + 1, len(lines)):
                if lines[j] == last:
                    return i, j
            raise OperationError(f"{path} has the block's begin marker {first!r} "
                                 f"but no end marker {last!r} after it")
    return None


@files_operation(changes=lambda path, *_, **__: [keys.path(path)])
def block(
    path: str,
    content: str | list[str] | None = None,
    present: bool = True,
    line: str | None = None,
    backup: bool | str = False,
    escape_regex_characters: bool = False,
    try_prevent_shell_expansion: bool = False,
    before: bool = False,
    after: bool = False,
    marker: str | None = None,
    begin: str | None = None,
    end: str | None = None,
) -> OpGenerator:
    """Ensure a block of lines between marker lines is (or is not) in a file.

    + path: remote file (created when missing)
    + content: the block's lines (a string is split on newlines)
    + present: whether the block should be in the file
    + line: a regex (Python syntax); a new block goes before or after the first line
      matching it, or at the end when none does
    + before, after: with ``line``, one of them says where; without ``line``, both True
      puts a new block at the start of the file, both False at the end
    + backup: keep a copy of the file before changing it (see ``files.line``)
    + escape_regex_characters: match ``line`` literally
    + try_prevent_shell_expansion: accepted for pyinfra compatibility; no shell ever sees
      the content, which is always written literally
    + marker: the marker line, ``{mark}`` standing for ``begin``/``end``; default
      ``# {mark} PYINFRA BLOCK`` (so blocks written by pyinfra are found)
    + begin, end: the words for ``{mark}`` (``BEGIN``, ``END``)

    An existing block is replaced in place when its content differs. The file keeps its
    owner and mode. Removing ignores ``content`` and ``line``.

    Example:
        files.block(name="Static hosts", path="/etc/hosts", content="10.0.0.5 db\\n10.0.0.6 cache",
                    line=r"^127\\.0\\.0\\.1", after=True, marker="# {mark} corral hosts")
    """
    first, last = block_markers(marker, begin, end)
    if first == last:
        raise OperationValueError(f"the block's begin and end markers are the same: {first!r}")
    if present:
        if not content:
            raise OperationValueError("files.block needs content when present=True")
        if line and before == after:
            raise OperationValueError("with line, give exactly one of before=True, after=True")
        if not line and before != after:
            raise OperationValueError("without line, before and after must be equal")
    info, old = read_document(path)
    lines = _lines(old)
    found = find_block(lines, first, last, path) if old is not None else None

    if not present:
        if found is None:
            host.noop(f"no block {first!r} in {path}")
            return
        i, j = found
        yield from rewrite(path, info, old, _text(lines[:i] + lines[j + 1 :]), backup=backup)
        return

    assert content
    body = content.split("\n") if isinstance(content, str) else list(content)
    wanted = [first, *body, last]
    if found is not None:
        i, j = found
        new = lines[:i] + wanted + lines[j + 1 :]
    elif line:
        regex = re.escape(line) if escape_regex_characters else line
        try:
            match = next((k for k, text in enumerate(lines) if re.search(regex, text)), None)
        except re.error as exc:
            raise OperationValueError(f"bad regex {line!r}: {exc}") from None
        if match is None:
            new = lines + wanted
        else:
            at = match if before else match + 1
            new = lines[:at] + wanted + lines[at:]
    elif before:
        new = wanted + lines
    else:
        new = lines + wanted
    yield from rewrite(path, info, old, _text(new), backup=backup,
                       reason=f"the block is already in {path}")


_SECTION = re.compile(r"^\s*\[([^\]]*)\]\s*$")


def _ini_value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _section_range(lines: list[str], section: str | None) -> tuple[int, int] | None:
    """``[start, end)`` of a section's lines after its header (the lines before the first
    header for ``section=None``), or None when the section is missing."""
    headers = [(i, m.group(1).strip()) for i, text in enumerate(lines)
               if (m := _SECTION.match(text))]
    if section is None:
        return 0, headers[0][0] if headers else len(lines)
    for n, (i, name) in enumerate(headers):
        if name == section:
            stop = headers[n + 1][0] if n + 1 < len(headers) else len(lines)
            return i + 1, stop
    return None


def _key_line(text: str, key: str) -> str | None:
    """The value on a ``key = value`` (or ``key: value``) line for this key, else None."""
    stripped = text.lstrip()
    if not stripped or stripped[0] in "#;":
        return None
    match = re.match(r"([^=:]+?)\s*[=:](.*)$", stripped)
    if match and match.group(1) == key:
        return match.group(2).strip()
    return None


@files_operation(changes=lambda path, *_, **__: [keys.path(path)])
def ini(
    path: str,
    section: str | None,
    key: str | None = None,
    value: str | int | float | bool | None = None,
    present: bool = True,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | None = None,
    backup: bool | str = False,
    separator: str = " = ",
) -> OpGenerator:
    """Ensure a ``key = value`` setting in a section of an INI file (or its absence).

    + path: remote file (created when missing)
    + section: the section's name, or None for settings before the first section
    + key: the setting; without it, the whole section is ensured (``present=False``
      removes the section and its settings)
    + value: the setting's value (booleans are written ``true``/``false``)
    + present: whether the setting (or section) should be there
    + user, group, mode: owner and permissions of the file
    + backup: keep a copy of the file before changing it (see ``files.line``)
    + separator: written between key and value

    Comments, blank lines and the order of everything else are kept; a missing section is
    added at the end, a missing key after the section's last setting. Other lines setting
    the same key in the section are removed.

    Example:
        files.ini(name="PHP memory", path="/etc/php/8.2/apache2/php.ini", section="PHP",
                  key="memory_limit", value="256M")
    """
    if present and key is not None and value is None:
        raise OperationValueError("files.ini needs a value when present=True and key is given")
    if section is None and key is None:
        raise OperationValueError("files.ini needs a section or a key")
    info, old = read_document(path)
    lines = _lines(old)
    span = _section_range(lines, section)
    header = [] if section is None else [f"[{section}]"]

    if key is None:
        if present:
            new = lines if span else lines + ([""] if lines and lines[-1].strip() else []) + header
        elif span:
            new = lines[: span[0] - 1] + lines[span[1] :]
        else:
            new = lines
    else:
        wanted = f"{key}{separator}{_ini_value(value)}" if value is not None else ""
        if span is None:
            if not present:
                new = lines
            else:
                gap = [""] if lines and lines[-1].strip() and header else []
                new = lines + gap + header + [wanted]
        else:
            start, stop = span
            hits = [i for i in range(start, stop) if _key_line(lines[i], key) is not None]
            body = list(lines[start:stop])
            if not present:
                body = [t for i, t in enumerate(body) if start + i not in hits]
            elif hits:
                keep = hits[0]
                current = _key_line(lines[keep], key)
                same = value is not None and current == _ini_value(value)
                body = [(t if same else wanted) if start + i == keep else t
                        for i, t in enumerate(body) if start + i not in hits[1:]]
            else:
                at = max((i for i, t in enumerate(body) if t.strip()), default=-1) + 1
                body = [*body[:at], wanted, *body[at:]]
            new = lines[:start] + body + lines[stop:]
    if old is None and not new:
        host.noop(f"{path} does not exist")
        return
    yield from rewrite(path, info, old, _text(new), user, group, mode, backup,
                       reason=f"{path} already has the setting")
