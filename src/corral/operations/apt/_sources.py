"""apt.sources_file's pure part: the deb822 ``.sources`` text for the arguments, and the
repositories it stands for (as the AptSources fact reads them)."""

from __future__ import annotations

from collections.abc import Sequence

from corral.facts.apt import SOURCES_FILE_MARKER, AptRepoDict, AptSources
from corral.model.errors import OperationValueError

SOURCES_DIR = "/etc/apt/sources.list.d"


def sources_path(filename: str) -> str:
    """``/etc/apt/sources.list.d/<filename>.sources``; the name is one file's name."""
    if (not filename or filename in (".", "..") or "/" in filename
            or not filename.isprintable()):
        raise OperationValueError(f"bad sources file name {filename!r}")
    return f"{SOURCES_DIR}/{filename}.sources"


def words(what: str, value: str | Sequence[str] | None) -> list[str]:
    """A field's values: a list, or a string of space-separated values. Each is one word
    of one line (a line break would add fields to the file)."""
    if value is None:
        return []
    items = value.split() if isinstance(value, str) else [str(v) for v in value]
    for item in items:
        if not item or not item.isprintable() or any(c.isspace() for c in item):
            raise OperationValueError(f"bad {what} {item!r}: one word each")
    return items


def deb822_text(
    types: list[str], uris: list[str], suites: list[str], components: list[str],
    architectures: list[str], signed_by: str | None,
) -> str:
    if not uris or not suites:
        raise OperationValueError("apt.sources_file needs at least one URI and one suite")
    for kind in types:
        if kind not in ("deb", "deb-src"):
            raise OperationValueError(f"types are deb and deb-src, not {kind!r}")
    if signed_by is not None and (not signed_by.strip() or not signed_by.isprintable()):
        raise OperationValueError(f"bad signed_by {signed_by!r}: one line")
    lines = [f"Types: {' '.join(types)}", f"URIs: {' '.join(uris)}",
             f"Suites: {' '.join(suites)}"]
    if components:
        lines.append(f"Components: {' '.join(components)}")
    if architectures:
        lines.append(f"Architectures: {' '.join(architectures)}")
    if signed_by:
        lines.append(f"Signed-By: {signed_by.strip()}")
    return "\n".join(lines) + "\n"


def repos_of(path: str, text: str) -> list[AptRepoDict]:
    """The repositories a ``.sources`` file with ``text`` adds, read as the AptSources fact
    reads them (so they compare equal to the fact's entries)."""
    return AptSources().process([f"{SOURCES_FILE_MARKER}{path}", *text.split("\n")])
