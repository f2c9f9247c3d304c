"""Which command texts can run in the script's own shell instead of a subshell.

Every step of a framed script used to run in a subshell (``( eval 'cmd' )``), so that
nothing it does (``cd``, ``exit``, a variable, a trap, a syntax error) reaches the script.
A subshell is a fork: about 0.4 ms of host CPU each, some forty on a first run of a
20-operation deploy. Most commands corral sends are plain: external programs with quoted
words, joined by ``&&``, ``||``, ``|`` or ``;``, with file redirections, maybe in a
``{ ...; }`` group (``groupadd app``, ``install -d -m 750 /srv/a``,
``[ -d /srv ] || { mkdir -p /srv && chown app /srv ; }``). Such a command does exactly the
same in the script's shell: the shell forks for each external program anyway, and nothing
in it can change the shell's state or fail to parse.

:func:`is_plain` accepts only that subset, checked token by token: no expansion that runs
code or assigns (``$(``, backquotes, ``${``), no newline, comment, here-document,
background job or subshell, no assignment, and no command word that is a shell keyword or a
builtin that changes the shell (``cd``, ``exit``, ``set``, ``export``, ``trap``, ``.``,
``eval``, ``exec``, ``umask``, ``read``...; ``:`` too, a special builtin whose failed
redirection would end the shell). Anything else keeps its subshell.
"""

from __future__ import annotations

import functools
import re

#: command words that change the shell, end it, or are parsed specially
_BLOCKED = frozenset("""
    ! : . [[ ]] alias bg bind break builtin caller case cd command compgen complete compopt
    continue coproc declare dirs disown do done elif else enable esac eval exec exit export
    fc fg fi for function getopts hash history if in jobs let local logout mapfile popd
    pushd read readarray readonly return select set shift shopt source suspend then time
    times trap type typeset ulimit umask unalias unset until wait while
""".split())

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\+?=")
_OPS = ("&&", "||", ">>", ">&", "<&", ";", "|", ">", "<")
_REDIRECTS = frozenset({">", ">>", "<", ">&", "<&"})


class _Unsafe(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str, bool]]:
    """(kind, text, literal) tokens: kind "w" (word) or "o" (operator); ``literal`` when a
    word has no quoting, escape or expansion (so ``{`` and keywords are recognised)."""
    out: list[tuple[str, str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in " \t":
            i += 1
            continue
        if c in "\n`()" or (c == "#"):
            raise _Unsafe(c)
        op = next((o for o in _OPS if text.startswith(o, i)), None)
        if op is not None:
            if text.startswith(("<<", "<>", ">|"), i) or (op == "|" and text.startswith(
                    "|&", i)):
                raise _Unsafe(op)
            out.append(("o", op, True))
            i += len(op)
            continue
        if c == "&":  # a background job
            raise _Unsafe(c)
        # a word: runs of plain characters, quotes, escapes and simple $NAME
        start, literal = i, True
        while i < n and text[i] not in " \t\n&|;<>()`":
            c = text[i]
            if c == "'":
                end = text.find("'", i + 1)
                if end < 0:
                    raise _Unsafe("'")
                i, literal = end + 1, False
            elif c == '"':
                end = text.find('"', i + 1)
                if end < 0:
                    raise _Unsafe('"')
                inner = text[i + 1:end]
                if "`" in inner or "\\" in inner or not _simple_dollars(inner):
                    raise _Unsafe('"')
                i, literal = end + 1, False
            elif c == "\\":
                if i + 1 >= n or text[i + 1] == "\n":
                    raise _Unsafe("\\")
                i, literal = i + 2, False
            elif c == "$":
                m = _NAME.match(text, i + 1)
                if m is None:
                    raise _Unsafe("$")
                i, literal = m.end(), False
            else:
                i += 1
        word = text[start:i]
        # a redirection's file descriptor: 2>file
        if word.isdigit() and i < n and text[i] in "<>":
            op = next(o for o in _OPS if text.startswith(o, i))
            if text.startswith(("<<", "<>", ">|"), i):
                raise _Unsafe(op)
            out.append(("o", word + op, True))
            i += len(op)
            continue
        out.append(("w", word, literal))
    return out


def _simple_dollars(inner: str) -> bool:
    i = inner.find("$")
    while i >= 0:
        if _NAME.match(inner, i + 1) is None:
            return False
        i = inner.find("$", i + 1)
    return True


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, bool]]) -> None:
        self.t = tokens
        self.i = 0

    def peek(self) -> tuple[str, str, bool] | None:
        return self.t[self.i] if self.i < len(self.t) else None

    def list_(self, closing: bool) -> None:
        """and_or ((';') and_or)* [';'], up to the end or a closing brace."""
        self.and_or()
        while True:
            tok = self.peek()
            if tok is None or tok[:2] != ("o", ";"):
                break
            self.i += 1
            nxt = self.peek()
            if nxt is None or (closing and nxt == ("w", "}", True)):
                break
            self.and_or()

    def and_or(self) -> None:
        self.pipeline()
        while (tok := self.peek()) is not None and tok[0] == "o" and tok[1] in ("&&", "||"):
            self.i += 1
            self.pipeline()

    def pipeline(self) -> None:
        self.command()
        while (tok := self.peek()) is not None and tok[:2] == ("o", "|"):
            self.i += 1
            self.command()

    def command(self) -> None:
        tok = self.peek()
        if tok == ("w", "{", True):
            self.i += 1
            self.list_(closing=True)
            if self.peek() != ("w", "}", True) or self.t[self.i - 1][:2] != ("o", ";"):
                raise _Unsafe("{")
            self.i += 1
            self.redirects_only()
            return
        words = 0
        first = ""
        while (tok := self.peek()) is not None:
            kind, text, literal = tok
            if kind == "o" and text.lstrip("0123456789") in _REDIRECTS:
                self.i += 1
                target = self.peek()
                if target is None or target[0] != "w":
                    raise _Unsafe(text)
                if text.endswith("&") and not (target[1].isdigit() or target[1] == "-"):
                    raise _Unsafe(text)
                self.i += 1
                continue
            if kind == "o":
                break
            if words == 1:
                # bash's printf -v assigns a variable; command -v only looks a name up
                bare = _unquoted(text)
                if first == "printf" and bare.startswith("-v"):
                    raise _Unsafe(first)
                if first == "command" and bare not in ("-v", "-V"):
                    raise _Unsafe(first)
            if words == 0:
                first = text if literal else ""
                if first == "command":
                    pass
                elif (text in _BLOCKED and literal) or text in ("{", "}") \
                        or text.startswith("__") or _ASSIGNMENT.match(text):
                    raise _Unsafe(text)
                if not literal and not _quoted_plain(text):
                    raise _Unsafe(text)
            words += 1
            self.i += 1
        if words == 0:
            raise _Unsafe("empty command")

    def redirects_only(self) -> None:
        while (tok := self.peek()) is not None and tok[0] == "o" \
                and tok[1].lstrip("0123456789") in _REDIRECTS:
            self.i += 1
            target = self.peek()
            if target is None or target[0] != "w":
                raise _Unsafe(tok[1])
            self.i += 1


def _unquoted(word: str) -> str:
    return word.replace("'", "").replace('"', "").replace("\\", "")


def _quoted_plain(word: str) -> bool:
    """A quoted or expanded command word is accepted only when it cannot name a keyword
    or blocked builtin after quote removal (``'cd'`` is still ``cd``): plain quoted
    program names pass, expansions do not."""
    if "$" in word:
        return False
    bare = _unquoted(word)
    return bare not in _BLOCKED and bare not in ("{", "}") and not bare.startswith("__") \
        and bool(bare)


#: characters no plain command holds anywhere (quoted ones are rare enough to go to a
#: subshell): a quick answer for the long multi-line commands of facts
_NEVER = re.compile(r"[\n\r\x00`()]")


@functools.lru_cache(maxsize=4096)
def is_plain(text: str) -> bool:
    """Whether ``text`` can run in the script's own shell, unchanged, with the same effect
    as in a subshell (see the module's docstring). The same commands recur on every host:
    answers are kept."""
    if not text.strip() or _NEVER.search(text):
        return False
    try:
        tokens = _tokens(text)
        parser = _Parser(tokens)
        parser.list_(closing=False)
        return parser.i == len(tokens)
    except _Unsafe:
        return False
