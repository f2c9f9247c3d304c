"""Deploy text inside shell words, here-documents and sed/grep programs, with only
``$NAME`` and ``${NAME}`` left for the host's shell to expand (``interpolate_variables``).

pyinfra put such text in double quotes as it was, so ``$(cmd)``, backquotes,
``${X:-$(cmd)}`` and ``$((...))`` ran on the host. Here the text is cut into literal parts
and variable references first; only the references are written so the shell expands them,
every literal part is escaped for where it goes.

A variable's value is not known when the command is built. Where it lands inside a
program (a regex for grep or sed, a sed replacement) the host escapes it first, with
builtins only (:func:`escape_value`), so the value is matched or written as text and
cannot end the program early.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Var:
    """A reference to the host's variable ``name`` (``$name`` or ``${name}``)."""

    name: str


Part = str | Var
#: how a backslash is read while looking for variables: not at all ("text": files.line's
#: literal line), as escaping the next character ("replacement": sed's), or also with
#: bracket expressions in which ``$`` is a member ("regex")
Mode = Literal["text", "replacement", "regex"]

_REFERENCE = re.compile(r"\$(?:([A-Za-z_][A-Za-z0-9_]*)|\{([A-Za-z_][A-Za-z0-9_]*)\})")


def bracket_end(text: str, start: int) -> int:
    """The index just past the bracket expression that opens at ``text[start]`` (a ``[``),
    or -1 when it is not closed. POSIX rules: a ``]`` first (after an optional ``^``) is a
    member; ``[:class:]``, ``[=x=]`` and ``[.x.]`` are single members; a backslash is an
    ordinary member."""
    i, n = start + 1, len(text)
    if i < n and text[i] == "^":
        i += 1
    if i < n and text[i] == "]":
        i += 1
    while i < n:
        c = text[i]
        if c == "]":
            return i + 1
        if c == "[" and i + 1 < n and text[i + 1] in ":.=":
            close = text.find(text[i + 1] + "]", i + 2)
            if close < 0:
                return -1
            i = close + 2
            continue
        i += 1
    return -1


def split_variables(text: str, mode: Mode = "text") -> list[Part]:
    """``text`` as literal parts and variable references, in order (adjacent literals
    joined). A ``$`` that does not start ``$NAME``/``${NAME}`` is literal, and so is one
    escaped by a backslash (modes "replacement" and "regex") or inside a bracket
    expression (mode "regex")."""
    parts: list[Part] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and mode != "text" and i + 1 < n:
            buf.append(text[i : i + 2])
            i += 2
            continue
        if c == "[" and mode == "regex":
            end = bracket_end(text, i)
            if end > 0:
                buf.append(text[i:end])
                i = end
                continue
        if c == "$":
            m = _REFERENCE.match(text, i)
            if m:
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(Var(m.group(1) or m.group(2)))
                i = m.end()
                continue
        buf.append(c)
        i += 1
    if buf:
        parts.append("".join(buf))
    return parts


def has_variables(parts: list[Part]) -> bool:
    return any(isinstance(p, Var) for p in parts)


def literal_text(parts: list[Part]) -> str:
    """The literal parts joined (what must not hold a delimiter, say)."""
    return "".join(p for p in parts if isinstance(p, str))


def escape_double_quoted(text: str) -> str:
    """``text`` for the inside of double quotes, where it stays exactly as it is."""
    return re.sub(r'([\\"$`])', r"\\\1", text)


def escape_here_document(text: str) -> str:
    """``text`` for the body of a here-document with an unquoted delimiter."""
    return re.sub(r"([\\$`])", r"\\\1", text)


def _reference(var: Var, values: dict[str, str] | None) -> str:
    name = (values or {}).get(var.name, var.name)
    return f"${{{name}}}"


def double_quoted(parts: list[Part], values: dict[str, str] | None = None) -> str:
    """One double-quoted shell word: literal parts kept as they are, variables expanded
    (as ``${NAME}``, or as the shell variable ``values[NAME]`` holding an escaped copy)."""
    out = []
    for part in parts:
        if isinstance(part, Var):
            out.append(_reference(part, values))
        else:
            out.append(escape_double_quoted(part))
    return '"' + "".join(out) + '"'


def here_document_text(parts: list[Part], values: dict[str, str] | None = None) -> str:
    """The body of an unquoted here-document: as :func:`double_quoted`."""
    out = []
    for part in parts:
        if isinstance(part, Var):
            out.append(_reference(part, values))
        else:
            out.append(escape_here_document(part))
    return "".join(out)


def _single(char: str) -> str:
    return "\"'\"" if char == "'" else f"'{char}'"


def escape_value(name: str, target: str, chars: str) -> str:
    """sh code (builtins only) setting the variable ``target`` to the value of ``$name``
    with a backslash before each character of ``chars``. It walks the value byte by byte
    (a ``case`` of single-quoted characters: no pattern syntax to get wrong), so a value
    holding a delimiter, a backslash or a newline reaches the program as text."""
    if not chars:
        return f"{target}=${{{name}}}"
    cases = "|".join(_single(c) for c in dict.fromkeys(chars))
    return (
        f"__v=${{{name}}}; {target}=; while [ -n \"$__v\" ]; do __r=${{__v#?}}; "
        f'__c=${{__v%"$__r"}}; case $__c in {cases}) {target}=${target}\\\\$__c;; '
        f"*) {target}=${target}$__c;; esac; __v=$__r; done"
    )


def escaped_values(parts: list[Part], chars: str,
                   prefix: str = "__cv") -> tuple[str, dict[str, str]]:
    """The sh code escaping every variable of ``parts`` (see :func:`escape_value`), and
    the shell variable holding each one's escaped copy."""
    names: dict[str, str] = {}
    code = []
    for part in parts:
        if isinstance(part, Var) and part.name not in names:
            target = f"{prefix}_{len(names)}"
            names[part.name] = target
            code.append(escape_value(part.name, target, chars))
    return "; ".join(code), names
