"""``files.block`` and ``files.ini``: text files edited locally from their remote bytes
(one fact read), then uploaded and moved over the file, with a Diff, unless the file
changed on the host meanwhile (see ``_base.rewrite``)."""

from __future__ import annotations

import re

from corral.facts.files import block_markers
from corral.model import keys
from corral.model.context import host
from corral.model.errors import BadInput, OperationError, OperationValueError
from corral.model.operation import OpGenerator, operation

from ._base import read_document, rewrite


class Document:
    """A file's lines, from its exact bytes, for an edit that must keep every byte it does
    not own.

    The bytes are decoded as UTF-8 with ``surrogateescape`` (any byte survives the round
    trip: Latin-1 text, a NUL) and split on ``\\n`` only (``str.splitlines`` would also
    split on a form feed, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028...), so a carriage return
    stays at the end of its line. A last line without a newline keeps lacking it while it
    is still the file's last line; a line added after it makes it a line of its own.
    Lines corral adds end the way the file's lines do (CRLF when every line does)."""

    def __init__(self, data: bytes | None) -> None:
        text = (data or b"").decode("utf-8", "surrogateescape")
        parts = text.split("\n")
        self.open_end = parts[-1] != ""
        if not self.open_end:
            parts.pop()
        self.lines = parts
        ended = parts[:-1] if self.open_end else parts
        self.crlf = bool(ended) and all(p.endswith("\r") for p in ended)

    def ours(self, text: str) -> str:
        """A line corral writes, ended as the file's lines are."""
        return text + "\r" if self.crlf else text

    def data(self, lines: list[str], kept_last: bool) -> bytes:
        """The bytes of ``lines``; ``kept_last``: the last of them is the file's old last
        line (a file without a final newline keeps lacking it)."""
        text = "".join(line + "\n" for line in lines)
        if self.open_end and kept_last and text:
            text = text[:-1]
        return text.encode("utf-8", "surrogateescape")


def _same_line(text: str, wanted: str) -> bool:
    """Whether a file's line is ``wanted`` (a marker), its carriage return aside."""
    return text == wanted or text == wanted + "\r"


def find_block(lines: list[str], first: str, last: str, path: str) -> tuple[int, int] | None:
    """The indexes of a block's begin and end marker lines, or None when there is none."""
    for i, text in enumerate(lines):
        if _same_line(text, first):
            for j in range(i + 1, len(lines)):
                if _same_line(lines[j], last):
                    return i, j
            raise OperationError(f"{path} has the block's begin marker {first!r} "
                                 f"but no end marker {last!r} after it")
    return None


@operation(changes=lambda path, *_, **__: [keys.path(path)])
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
    doc = Document(old)
    lines = doc.lines
    found = find_block(lines, first, last, path) if old is not None else None
    n = len(lines)

    if not present:
        if found is None:
            host.noop(f"no block {first!r} in {path}")
            return
        i, j = found
        new = doc.data(lines[:i] + lines[j + 1 :], kept_last=j + 1 < n)
        yield from rewrite(path, info, old, new, backup=backup)
        return

    assert content
    body = content.split("\n") if isinstance(content, str) else list(content)
    for text in (first, last, *body):
        if "\n" in text:
            raise OperationValueError(f"a block line holds a newline: {text!r}")
    wanted = [doc.ours(text) for text in (first, *body, last)]
    if found is not None:
        i, j = found
        new_lines, kept = lines[:i] + wanted + lines[j + 1 :], j + 1 < n
    elif line:
        regex = re.escape(line) if escape_regex_characters else line
        try:
            match = next((k for k, text in enumerate(lines) if re.search(regex, text)), None)
        except re.error as exc:
            raise OperationValueError(f"bad regex {line!r}: {exc}") from None
        if match is None:
            new_lines, kept = lines + wanted, False
        else:
            at = match if before else match + 1
            new_lines, kept = lines[:at] + wanted + lines[at:], at < n
    elif before:
        new_lines, kept = wanted + lines, n > 0
    else:
        new_lines, kept = lines + wanted, False
    yield from rewrite(path, info, old, doc.data(new_lines, kept), backup=backup,
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


def _check_ini_text(section: str | None, key: str | None,
                    value: str | int | float | bool | None, separator: str) -> None:
    """Refuse what could not be read back as written: a line break (another line), a ``]``
    in a section name (it ends the header), blanks around a name or value (a reader drops
    them), a key a reader would split or take for a comment, a separator that is not
    ``=`` or ``:`` with blanks."""
    texts = {"section": section or "", "key": key or "", "separator": separator,
             "value": _ini_value(value) if value is not None else ""}
    for name, text in texts.items():
        if any(c in text for c in "\n\r"):
            raise BadInput(f"files.ini: the {name} {text!r} holds a line break")
        if name != "separator" and text != text.strip():
            raise BadInput(f"files.ini: the {name} {text!r} has blanks around it, which a "
                           "reader of the file drops")
    if section is not None and "]" in section:
        raise BadInput(f"files.ini: the section {section!r} holds ], which ends its header")
    if key is not None and (not key or any(c in key for c in "=:")
                            or key.startswith(("#", ";", "["))):
        raise BadInput(f"files.ini: the key {key!r} cannot be read back (empty, holding = or "
                       ":, or starting like a comment or a section)")
    if separator.strip() not in ("=", ":"):
        raise BadInput(f"files.ini: the separator {separator!r} is not = or : (with blanks)")


@operation(changes=lambda path, *_, **__: [keys.path(path)])
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
    _check_ini_text(section, key, value, separator)
    info, old = read_document(path)
    doc = Document(old)
    lines = doc.lines
    n = len(lines)
    span = _section_range(lines, section)
    header = [] if section is None else [doc.ours(f"[{section}]")]
    # the file's old last line is still last when nothing is added after it
    kept = True

    if key is None:
        if present:
            if span:
                new = lines
            else:
                gap = [doc.ours("")] if lines and lines[-1].strip() else []
                new, kept = lines + gap + header, False
        elif span:
            new = lines[: span[0] - 1] + lines[span[1] :]
            kept = span[1] < n
        else:
            new = lines
    else:
        wanted = doc.ours(f"{key}{separator}{_ini_value(value)}") if value is not None else ""
        if span is None:
            if not present:
                new = lines
            else:
                gap = [doc.ours("")] if lines and lines[-1].strip() and header else []
                new, kept = lines + gap + header + [wanted], False
        else:
            start, stop = span
            hits = [i for i in range(start, stop) if _key_line(lines[i], key) is not None]
            body = list(range(start, stop))  # indexes into lines; -1: the wanted line
            if not present:
                body = [i for i in body if i not in hits]
            elif hits:
                keep = hits[0]
                current = _key_line(lines[keep], key)
                same = value is not None and current == _ini_value(value)
                body = [(i if same or i != keep else -1) for i in body if i not in hits[1:]]
            else:
                at = max((k for k, i in enumerate(body) if lines[i].strip()), default=-1) + 1
                body = [*body[:at], -1, *body[at:]]
            middle = [lines[i] if i >= 0 else wanted for i in body]
            new = lines[:start] + middle + lines[stop:]
            kept = stop < n or (bool(body) and body[-1] == n - 1)
    if old is None and not new:
        host.noop(f"{path} does not exist")
        return
    yield from rewrite(path, info, old, doc.data(new, kept and bool(new)), user, group, mode,
                       backup, reason=f"{path} already has the setting")
