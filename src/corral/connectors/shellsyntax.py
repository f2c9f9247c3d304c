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
background job or subshell, no assignment, and every command word one that is known not to
change the shell: an allowlist, not a list of the builtins that do (shells have more of
them than any list: dash's ``chdir``, bash's ``enable``, busybox's own). Allowed are the
external programs corral itself runs (:data:`PROGRAMS`), any word holding a ``/`` (a path
names a program, never a builtin), and the builtins that change nothing in the shell
(:data:`SAFE_BUILTINS`): ``printf`` (with a first argument that cannot be bash's ``-v``
assignment), ``echo``, ``test``, ``[``, ``true``, ``false``, and ``command -v`` (it only
looks a name up). Anything else keeps its subshell.
"""

from __future__ import annotations

import functools
import re

#: builtins that change nothing in the shell that runs them (printf's and command's first
#: arguments are checked too), none of them special: a failed redirection does not end
#: the shell
SAFE_BUILTINS = frozenset({"printf", "echo", "test", "[", "true", "false", "command"})

#: external programs corral's operations and facts run (none is a builtin of dash, bash
#: or busybox ash): run in the script's shell, each is the same fork and exec as in a
#: subshell. A program missing here only costs a subshell.
PROGRAMS = frozenset("""
    apk apt apt-get apt-key apt-add-repository base64 basename brew cat chattr chflags
    chgrp chkconfig chmod chown chpasswd chroot cmp cp createdb createuser crontab curl cut
    date dd debconf-set-selections df diff dirname dnf dpkg dpkg-deb dpkg-query dropdb
    dropuser du env find gem getconf getent git gpg gpasswd grep groupadd groupdel groupmod
    gunzip gzip head hostname hostnamectl id initctl install ip ip6tables ip6tables-restore
    ip6tables-save iptables iptables-restore iptables-save ln locale locale-gen ls
    lsb_release md5sum mkdir mktemp modprobe mount mv mysql mysqldump npm pacman passwd
    pg_dump pip pip3 pipx psql python python3 rc-service rc-status rc-update readlink
    realpath rm rmdir rpm sed service sestatus sha1sum sha256sum sleep sort ss ssh-keygen
    ssh-keyscan stat sv sysctl systemctl tail tar tee timedatectl touch tr udevadm ufw
    umount uname uniq unzip update-locale update-rc.d useradd userdel usermod virtualenv
    wc wget xargs yum zypper
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
        args: list[tuple[str, bool]] = []
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
                _check_first_argument(first, text, literal)
            if words == 0:
                if text in ("{", "}") or _ASSIGNMENT.match(text):
                    raise _Unsafe(text)
                first = _command_word(text)
            else:
                args.append((text, literal))
            words += 1
            self.i += 1
        if first in ("test", "[") and not _simple_test(first, args):
            raise _Unsafe(first)
        if words == 1 and first == "command":
            raise _Unsafe(first)  # ``command`` alone: nothing to look up
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
    """The word without its quotes and backslashes: the word itself when those were all
    quoting (a command word naming a builtin has none of them left)."""
    return word.replace("'", "").replace('"', "").replace("\\", "")


def _has_pattern(word: str) -> bool:
    """Whether the word has a pattern character (``*``, ``?``, ``[``) outside quotes."""
    i, n = 0, len(word)
    while i < n:
        c = word[i]
        if c in "'\"":
            i = word.index(c, i + 1) + 1  # the tokenizer found the closing quote
        elif c == "\\":
            i += 2
        elif c in "*?[":
            return True
        else:
            i += 1
    return False


def _command_word(word: str) -> str:
    """The program a command word names, after quote removal, if it is allowed: a path,
    one of corral's programs, or a builtin that changes nothing; else unsafe. A word with
    an expansion (``$x``) or a pattern (``c?``, which a file named ``cd`` would turn into
    ``cd``) names nothing known in advance."""
    if "$" in word:
        raise _Unsafe(word)
    bare = _unquoted(word)
    if "/" in bare:  # a pattern in a path still expands to paths
        if bare.rsplit("/", 1)[1] == "kill":  # /bin/kill 0 signals the shell's own group
            raise _Unsafe(word)
        return bare
    if word != "[" and _has_pattern(word):
        raise _Unsafe(word)
    if bare in PROGRAMS or bare in SAFE_BUILTINS:
        return bare
    raise _Unsafe(word)


def _check_first_argument(command: str, word: str, literal: bool) -> None:
    """bash's ``printf -v NAME`` assigns a variable: printf's first argument must not start
    with ``-`` once quotes are removed, nor become one (an expansion, or a pattern that a
    file named ``-vPATH`` would match); ``command`` only as ``command -v``/``-V``."""
    if command == "printf":
        if _unquoted(word).startswith("-") or "$" in word or _has_pattern(word):
            raise _Unsafe(command)
    elif command == "command" and (word not in ("-v", "-V") or not literal):
        raise _Unsafe(command)


_TEST_UNARY = frozenset("-" + c for c in "bcdefghkLnOGprsStuwxz")
_TEST_BINARY = frozenset({"=", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot",
                          "-ef"})
_TEST_SYNTAX = frozenset({"-a", "-o", "!", "(", ")", "]"})


def _simple_test(command: str, args: list[tuple[str, bool]]) -> bool:
    """Whether a ``test``/``[`` command is one simple primary, maybe negated: ``[ X ]``,
    ``[ -d X ]``, ``[ X = Y ]``, ``[ ! -e X ]``, with operands that are neither expansions,
    patterns nor test's own syntax words. dash's builtin ``test`` crashes the shell on
    some malformed expressions (a trailing ``-a`` or ``-o`` with a redirection:
    ``test / -a >/dev/null`` is a segmentation fault), and a crash of the script's own
    shell would end the connection: any other form runs in a subshell."""
    words = []
    for text, _literal in args:
        if "$" in text or _has_pattern(text):
            return False
        words.append(_unquoted(text))
    if command == "[":
        if not words or words[-1] != "]":
            return False
        words = words[:-1]
    if words[:1] == ["!"]:
        words = words[1:]

    def operand(word: str) -> bool:
        return word not in _TEST_SYNTAX

    if len(words) == 1:
        return operand(words[0])
    if len(words) == 2:
        return words[0] in _TEST_UNARY and operand(words[1])
    if len(words) == 3:
        return operand(words[0]) and words[1] in _TEST_BINARY and operand(words[2])
    return False


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
