"""Regexes and sed programs built from a deploy's text, correct by construction.

``files.line`` and ``files.replace`` find lines with ``grep`` (the ``FindInFile`` fact) and
change them with ``sed -i``. Both tools get the same regex, so they must read it the same
way, and the sed program around it must end where corral means it to, whatever the text:

- :func:`check_regex` refuses, at planning time, what GNU grep or GNU sed would refuse
  (an unclosed bracket or group, a bad interval or back-reference, a repetition with
  nothing to repeat...), and rewrites the escapes only sed knows (``\\t``, ``\\xHH``...)
  as the characters they stand for, so grep sees them too;
- :func:`delimiter` picks a character for ``s`` that the text does not hold; failing
  that, every unescaped one is escaped (:func:`program_text`), which only a bracket
  expression could not take;
- the replacement of ``files.line`` is literal text: ``\\``, ``&``, the delimiter and a
  newline are escaped; ``files.replace``'s keeps sed's backslash syntax (``\\1``), with
  ``&`` literal as pyinfra writes it, and a backslash always pairs with the next
  character, so it cannot end the command;
- only flags that change what matches are accepted (:func:`substitute_flags`): ``e``
  (run the pattern space as a command), ``w FILE``, ``p`` and the rest are bad input;
- with ``interpolate_variables``, only ``$NAME``/``${NAME}`` expand, and the host escapes
  their values before sed sees them (``facts._util.shelltext``).
"""

from __future__ import annotations

import re
import shlex

from corral.facts._util.shelltext import (
    Part,
    Var,
    bracket_end,
    double_quoted,
    escaped_values,
    has_variables,
    literal_text,
    split_variables,
)
from corral.model.command import MaskString, StringCommand
from corral.model.errors import BadInput

#: sed ``s`` delimiters tried in turn: none is special in a regex (basic or extended) or
#: a replacement, and the control characters are unlikely in a line of text
DELIMITERS = "/#@%,~!:;=" + "".join(chr(c) for c in [*range(1, 9), *range(14, 32), 127])

_CLASSES = frozenset(
    "alpha digit alnum upper lower space blank punct print graph cntrl xdigit".split())
#: the largest count in an interval (glibc's RE_DUP_MAX)
DUP_MAX = 32767
_BRE_SPECIAL = set(".[]\\*^$")
_ERE_SPECIAL = _BRE_SPECIAL | set("+?(){}|")
#: sed-only escapes of one letter, and the character each stands for
_SED_ESCAPES = {"a": "\a", "f": "\f", "r": "\r", "t": "\t", "v": "\v"}
#: sed's numeric escapes: (base, digits at most)
_NUMBER_ESCAPES = {"d": (10, 3), "o": (8, 3), "x": (16, 2)}
_DIGITS = {10: "0123456789", 8: "01234567", 16: "0123456789abcdefABCDEF"}


def escape_regex(text: str, extended: bool = False) -> str:
    """``text`` matched literally by grep and sed (basic, or extended with ``extended``)."""
    special = _ERE_SPECIAL if extended else _BRE_SPECIAL
    return "".join("\\" + c if c in special else c for c in text)


class _Scan:
    """One pass over a regex: checks it, counts its groups, and rewrites sed-only escapes."""

    def __init__(self, regex: str, extended: bool, what: str) -> None:
        self.regex, self.extended, self.what = regex, extended, what
        self.out: list[str] = []
        self.groups = 0
        self.open: list[int] = []
        self.closed: set[int] = set()
        #: what the last item was: "start" (of the regex, a group or a branch), "anchor",
        #: "atom", "star" (``*``, or an interval in a basic regex), "repeat" (other)
        self.prev = "start"

    def fail(self, why: str) -> BadInput:
        return BadInput(f"{self.what} {self.regex!r} is not a valid regex for grep and sed: "
                        f"{why}")

    def run(self) -> str:
        text, n, i = self.regex, len(self.regex), 0
        if "\n" in text:
            raise self.fail("it holds a newline (a line never does)")
        while i < n:
            c = text[i]
            if c == "\\":
                i = self._escape(i)
            elif c == "[":
                end = bracket_end(text, i)
                if end < 0:
                    raise self.fail("a bracket expression [...] is not closed")
                self._bracket(text[i:end])
                self.out.append(text[i:end])
                self.prev, i = "atom", end
            elif c == "^" and (self.extended or self.prev == "start"):
                self.out.append(c)
                self.prev, i = "anchor", i + 1  # a second ^ is a literal in a basic regex
            elif c == "$" and self.extended:
                self.out.append(c)
                self.prev, i = "anchor", i + 1
            elif c == "*":
                self._repeat("*", star=True)
                i += 1
            elif self.extended and c in "+?":
                self._repeat(c, star=False)
                i += 1
            elif self.extended and c == "{":
                i = self._interval(i + 1, "}")
            elif self.extended and c == "(":
                self._open()
                i += 1
            elif self.extended and c == ")":
                self._close()
                i += 1
            elif self.extended and c == "|":
                self.out.append(c)
                self.prev, i = "start", i + 1
            else:
                self.out.append(c)
                self.prev, i = "atom", i + 1
        if self.open:
            raise self.fail("a group ( is not closed")
        return "".join(self.out)

    def _word_repeated(self, op: str) -> None:
        if self.prev == "word":
            raise self.fail(f"{op!r} after a word anchor: grep and sed do not agree on "
                            "what it repeats")

    def _repeat(self, op: str, star: bool) -> None:
        self._word_repeated(op)
        if not self.extended and self.prev in ("start", "anchor"):
            self.out.append(op)  # a literal star at the start of a basic regex
            self.prev = "atom"
            return
        if self.prev in ("start", "anchor"):
            raise self.fail(f"{op!r} has nothing to repeat")
        if star and self.prev == "star" and not self.extended:
            raise self.fail(f"{op!r} repeats a repetition (sed refuses it)")
        self.out.append(op)
        self.prev = "star" if star else "repeat"

    def _open(self) -> None:
        self.groups += 1
        self.open.append(self.groups)
        self.out.append("(" if self.extended else "\\(")
        self.prev = "start"

    def _close(self) -> None:
        if not self.open:
            raise self.fail("a group is closed but never opened")
        self.closed.add(self.open.pop())
        self.out.append(")" if self.extended else "\\)")
        self.prev = "atom"

    def _interval(self, i: int, close: str) -> int:
        """An interval whose ``{`` (or ``\\{``) ends just before ``i``; returns the index
        after its closing brace."""
        text = self.regex
        end = text.find(close, i)
        body = text[i:end] if end >= 0 else ""
        match = re.fullmatch(r"(\d*)(,?)(\d*)", body) if end >= 0 else None
        if match is None or not (match.group(1) or match.group(2)):
            raise self.fail("a brace { does not start an interval like {2}, {2,} or {2,5}")
        low = int(match.group(1) or 0)
        high = int(match.group(3)) if match.group(3) else (low if not match.group(2) else None)
        if low > DUP_MAX or (high is not None and (high > DUP_MAX or high < low)):
            raise self.fail(f"bad interval {{{body}}}")
        self._word_repeated("{")
        if self.prev in ("start", "anchor") or (self.prev == "star" and not self.extended):
            raise self.fail("an interval has nothing to repeat")
        opening = "{" if self.extended else "\\{"
        self.out.append(opening + body + close)
        self.prev = "repeat" if self.extended else "star"
        return end + len(close)

    def _escape(self, i: int) -> int:
        text, n = self.regex, len(self.regex)
        if i + 1 >= n:
            raise self.fail("it ends with a lone backslash")
        c = text[i + 1]
        if not self.extended and c == "(":
            self._open()
        elif not self.extended and c == ")":
            self._close()
        elif not self.extended and c == "{":
            return self._interval(i + 2, "\\}")
        elif not self.extended and c == "|":
            self.out.append("\\|")
            self.prev = "start"
        elif not self.extended and c in "+?":
            self._word_repeated("\\" + c)
            if self.prev in ("start", "anchor"):
                self.out.append("\\" + c)  # GNU: literal here
                self.prev = "atom"
            else:
                self.out.append("\\" + c)
                self.prev = "star"  # sed refuses a star after it
        elif c in "123456789":
            if int(c) not in self.closed:
                raise self.fail(f"\\{c} refers to no group closed before it")
            self.out.append("\\" + c)
            self.prev = "atom"
        elif c == "n":
            raise self.fail("\\n stands for a newline, which a line never holds")
        elif c in "<>bB`'":
            self.out.append("\\" + c)
            self.prev = "word"  # an anchor whose repetition grep and sed read apart
        elif c in _SED_ESCAPES or c in _NUMBER_ESCAPES or c == "c":
            char, length = self._sed_escape(i)
            self.out.append(escape_regex(char, self.extended))
            self.prev = "atom"
            return i + length
        else:
            self.out.append("\\" + c)
            self.prev = "atom"
        return i + 2

    def _sed_escape(self, i: int) -> tuple[str, int]:
        """The character a sed-only escape at ``i`` stands for, and the escape's length:
        grep reads ``\\t`` as ``t``, sed as a tab; both now see the tab itself."""
        text = self.regex
        c = text[i + 1]
        if c in _SED_ESCAPES:
            return _SED_ESCAPES[c], 2
        if c == "c":
            x = text[i + 2 : i + 3]
            if not x or not ("A" <= x.upper() <= "_" or x == "?") or x == "\\":
                raise self.fail("\\c must be followed by a letter (a control character)")
            return chr(ord(x.upper()) ^ 0x40), 3
        base, most = _NUMBER_ESCAPES[c]
        digits = ""
        while len(digits) < most and i + 2 + len(digits) < len(text) and \
                text[i + 2 + len(digits)] in _DIGITS[base]:
            digits += text[i + 2 + len(digits)]
        if not digits:
            return c, 2  # no number: both read the letter itself
        value = int(digits, base)
        if value == 0 or value > 127 or value == 10:
            raise self.fail(f"\\{c}{digits} is not a character grep and sed agree on: "
                            "write the character itself")
        return chr(value), 2 + len(digits)

    def _bracket(self, body: str) -> None:
        """Check the members of a bracket expression ``[...]``."""
        if len(body) > 3 and body.startswith("[:") and body.endswith(":]"):
            raise self.fail(f"{body} is not a class: write [{body}]")
        i, n = 1, len(body) - 1
        if i < n and body[i] == "^":
            i += 1
        members: list[str | None] = []  # single characters, None for a class
        first = True
        while i < n:
            c = body[i]
            if c == "[" and i + 1 < n and body[i + 1] in ":.=":
                kind = body[i + 1]
                close = body.find(kind + "]", i + 2)
                name = body[i + 2 : close]
                if kind == ":" and name not in _CLASSES:
                    raise self.fail(f"[:{name}:] is not a character class")
                if kind in ".=" and len(name) != 1:
                    raise self.fail(f"[{kind}{name}{kind}] is not one character")
                members.append(None if kind == ":" else name)
                i = close + 2
            elif c == "\\" and i + 1 < n and body[i + 1] == "\\":
                members += ["\\", "\\"]  # sed reads the pair as one backslash, grep as two
                i += 2
                first = False
                continue
            elif c == "\\" and i + 1 < n and body[i + 1].isalpha():
                # sed reads \t, \n... inside brackets too, grep does not
                raise self.fail("a backslash before a letter inside [...] means different "
                                "things to grep and sed: write the character itself")
            elif c == "-" and not first and i + 1 < n and members:
                start = members.pop()
                j = i + 1
                if body[j] == "[" and j + 1 < n and body[j + 1] in ".=":
                    close = body.find(body[j + 1] + "]", j + 2)
                    end: str | None = body[j + 2 : close]
                    if body[j + 1] == "=" or len(end or "") != 1:
                        raise self.fail("a range in [...] ends with an equivalence class")
                    i = close + 2
                elif body[j] == "[" and j + 1 < n and body[j + 1] == ":":
                    raise self.fail("a range in [...] ends with a character class")
                else:
                    end, i = body[j], j + 1
                if start is None:
                    raise self.fail("a range in [...] starts with a character class")
                if end is not None and ord(start) > ord(end):
                    raise self.fail(f"the range {start}-{end} in [...] is backwards")
                members.append(None)  # a range cannot start another
            else:
                members.append(c)
                i += 1
            first = False


def check_regex(regex: str, extended: bool = False, what: str = "regex") -> tuple[str, int]:
    """``regex`` as grep and sed both read it the same way (sed-only escapes rewritten),
    and its number of groups; :class:`BadInput` naming ``what`` when grep or sed would
    refuse it."""
    scan = _Scan(regex, extended, what)
    return scan.run(), scan.groups


# -- sed programs -------------------------------------------------------------------------


def substitute_flags(flags: list[str] | str | None) -> str:
    """The flags of an ``s`` command: ``g``, ``I``/``i``, ``M``/``m`` and a number, each at
    most once. Any other (``e`` runs the pattern space as a command, ``w`` writes a file,
    ``p`` doubles lines in the file) is bad input."""
    text = "".join(flags) if isinstance(flags, list | tuple) else (flags or "")
    if not re.fullmatch(r"[gIiMm0-9]*", text) or re.search(r"\d\D+\d", text) \
            or re.search(r"(?<!\d)0", text):
        raise BadInput(f"bad sed flags {flags!r}: only g, I (or i), M (or m) and a count "
                       "from 1 are allowed")
    letters = [c.upper() if c in "im" else c for c in text if not c.isdigit()]
    if len(letters) != len(set(letters)):
        raise BadInput(f"bad sed flags {flags!r}: a flag is given twice")
    return text


def address_flags(flags: list[str] | str | None) -> str:
    """The flags of a ``/regex/`` address for the same flags: ``I`` and ``M`` (sed reads a
    lowercase ``i`` after an address as the insert command)."""
    text = substitute_flags(flags)
    return "".join(f for f in ("I", "M") if f in text.upper())


def delimiter(*texts: str) -> str:
    """A delimiter for ``s`` that no text holds; ``/`` (to be escaped) when all do."""
    for char in DELIMITERS:
        if not any(char in text for text in texts):
            return char
    return "/"


def _regex_text(text: str, delim: str, what: str) -> str:
    """A regex for between delimiters: an unescaped delimiter escaped (a backslash pairs
    with the character after it, so none is left alone)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            out.append(text[i : i + 2] if i + 1 < n else "\\\\")
            i += 2
        elif c == "[" and (end := bracket_end(text, i)) > 0:
            if delim in text[i:end]:
                raise BadInput(f"{what} {text!r}: a bracket expression holds {delim!r} and "
                               "every character sed could end the regex with is used")
            out.append(text[i:end])
            i = end
        elif c == delim:
            out.append("\\" + c)
            i += 1
        elif c == "\n":
            out.append("\\n")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def _replacement_text(text: str, delim: str, literal: bool) -> str:
    """A replacement for between delimiters. ``literal``: the text as it is (``\\``, ``&``,
    the delimiter and newlines escaped); otherwise sed's backslash syntax kept (``\\1``, a
    backslash always paired with the next character, a lone one at the end made literal),
    and an unescaped delimiter, newline or ``&`` escaped: a bare ``&`` is a literal ``&``,
    as in pyinfra."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\" and not literal:
            out.append(text[i : i + 2] if i + 1 < n else "\\\\")
            i += 2
            continue
        special = ("\\", "&", delim, "\n") if literal else ("&", delim, "\n")
        out.append("\\" + c if c in special else c)
        i += 1
    return "".join(out)


def check_replacement(text: str, groups: int) -> None:
    """Refuse what sed would refuse in a replacement: a reference to a group the regex
    does not have, a ``\\c`` without its letter."""
    i, n = 0, len(text)
    while i < n:
        if text[i] == "\\" and i + 1 < n:
            c = text[i + 1]
            if c in "123456789" and int(c) > groups:
                raise BadInput(f"replacement {text!r} refers to \\{c}, but the regex has "
                               f"{groups} group{'s' if groups != 1 else ''}")
            if c == "c" and (i + 2 >= n or text[i + 2] == "\\"):
                raise BadInput(f"replacement {text!r}: \\c must be followed by a letter")
            i += 2
        else:
            i += 1


def _regex_value_chars(extended: bool, delim: str) -> str:
    special = _ERE_SPECIAL if extended else _BRE_SPECIAL
    return "".join(sorted(special)) + delim + "\n"


def _program_parts(parts: list[Part], delim: str, what: str, context: str,
                   values: dict[str, str]) -> list[Part]:
    """Literal parts made ready for between delimiters; variables left for the host."""
    out: list[Part] = []
    for part in parts:
        if isinstance(part, Var):
            out.append(Var(values[part.name]))
        elif context == "regex":
            out.append(_regex_text(part, delim, what))
        else:
            out.append(_replacement_text(part, delim, context == "literal"))
    return out


class SedProgram:
    """A sed program and the sh code that must run before it (escaping variables)."""

    def __init__(self, prelude: str, word: str) -> None:
        self.prelude = prelude
        self.word = word


def _program(pieces: list[tuple[str, list[Part], str]], template: str, extended: bool,
             interpolate: bool) -> SedProgram:
    """Assemble ``template`` (``{0}``, ``{1}``, ``{d}`` placeholders) from the pieces:
    (what, parts, context) with context "regex", "literal" or "replacement"."""
    delim = delimiter(*(literal_text(p) for _, p, _ in pieces))
    preludes: list[str] = []
    rendered: list[list[Part]] = []
    for n, (what, parts, context) in enumerate(pieces):
        chars = _regex_value_chars(extended, delim) if context == "regex" else "\\&\n" + delim
        code, values = escaped_values(parts, chars, prefix=f"__cv{n}")
        if code:
            preludes.append(code)
        rendered.append(_program_parts(parts, delim, what, context, values))
    joined: list[Part] = []
    fields = re.split(r"(\{\d\}|\{[ds]\})", template)
    for field in fields:
        if field == "{d}":
            joined.append(delim)
        elif field == "{s}":  # an address with a delimiter other than / starts with \\
            joined.append(delim if delim == "/" else "\\" + delim)
        elif re.fullmatch(r"\{\d\}", field):
            joined.extend(rendered[int(field[1])])
        elif field:
            joined.append(field)
    if any(isinstance(p, Var) for p in joined):
        word = double_quoted(joined)
    else:
        word = shlex.quote("".join(p for p in joined if isinstance(p, str)))
    return SedProgram("; ".join(preludes), word)


def parts_of(text: str, context: str, interpolate: bool) -> list[Part]:
    """A text argument as parts: variables only with ``interpolate``."""
    if not interpolate:
        return [text] if text else []
    if context == "regex":
        return split_variables(text, "regex")
    return split_variables(text, "replacement" if context == "replacement" else "text")


def substitute(regex: str, replacement: str, flags: str, extended: bool, interpolate: bool,
               literal: bool, what: str = "regex") -> SedProgram:
    """``s/regex/replacement/flags`` (``regex`` checked already)."""
    context = "literal" if literal else "replacement"
    pieces = [(what, parts_of(regex, "regex", interpolate), "regex"),
              ("replacement", parts_of(replacement, context, interpolate), context)]
    return _program(pieces, "s{d}{0}{d}{1}{d}" + flags, extended, interpolate)


def delete(regex: str, flags: str, extended: bool, interpolate: bool,
           what: str = "regex") -> SedProgram:
    """``/regex/d``, or ``\\%regex%d`` with another delimiter."""
    pieces = [(what, parts_of(regex, "regex", interpolate), "regex")]
    return _program(pieces, "{s}{0}{d}" + flags + "d", extended, interpolate)


def sed_command(path_word: str, program: SedProgram, backup_suffix: str | None,
                extended: bool, secret: bool) -> StringCommand:
    """``LC_ALL=C sed [-E] -i[SUFFIX] PROGRAM PATH``, after the program's prelude.

    The ``C`` locale is the one the facts run in, so sed matches exactly the lines the
    ``FindInFile`` fact's grep found: a byte that is not a character in the host's own
    locale (Latin-1 under UTF-8) would stop ``.`` for one of them only."""
    word = MaskString(program.word) if secret else program.word
    return StringCommand(
        program.prelude + ";" if program.prelude else None,
        "LC_ALL=C",
        "sed",
        "-E" if extended else None,
        "-i" + (backup_suffix or ""),
        word,
        path_word,
    )


def regex_has_variables(regex: str) -> bool:
    return has_variables(split_variables(regex, "regex"))
