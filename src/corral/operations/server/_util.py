"""Helpers shared by the server operation modules."""

from __future__ import annotations

from typing import IO

from corral.model.command import FileUploadCommand, QuoteString, StringCommand
from corral.model.operation import OpGenerator


def joined(words: list[str], separator: str = " ") -> StringCommand:
    """Words as one shell word each, joined by ``separator`` (e.g. ``a,b`` for -G)."""
    parts: list[object] = []
    for word in words:
        if parts:
            parts.append(separator)
        parts.append(QuoteString(word))
    return StringCommand(*parts, _separator="")


def run_and_remove(src: str | bytes | IO[bytes], dest: str, words: list[str]) -> OpGenerator:
    """Upload a script to ``dest`` (readable by its owner only), run it with ``words`` as
    its arguments, and remove it whether it succeeded or not: the script's exit code is
    the command's (server.script, server.script_template)."""
    yield FileUploadCommand(src, dest, mode="700")
    yield StringCommand(
        "(",
        QuoteString(dest),
        *(QuoteString(w) for w in words),
        "; rc=$?; rm -f",
        QuoteString(dest),
        "; exit $rc )",
    )
