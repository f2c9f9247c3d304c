"""Hostile strings: what a deploy may hand an operation that a shell, sed, awk or grep would
read as code if it were not quoted or checked.

Every injection here runs the program ``hostilecanary`` (installed in the sandbox; it
records that it ran), so one check finds any string that escaped its quoting, whatever the
way out: a command substitution, a command separator, a newline, a sed ``e`` command, an
awk ``system()``, an option that makes a program run a command. The rest are the
characters that change a word's meaning without running anything (quotes, backslashes,
globs, ``~``, ``#``, ``$VARIABLES``, sed delimiters and ``&``/``\\1``, leading dashes,
blanks, control characters, unicode), long strings and the empty string.

No NUL (an argument cannot hold one; refused at call time elsewhere) and no lone
surrogates (not text).
"""

from __future__ import annotations

from hypothesis import strategies as st

#: the program every injection runs; see sandbox.CANARY_PROGRAM
CANARY = "hostilecanary"
#: a file a redirection injection would create (in the sandbox's /tmp)
REDIRECT_CANARY = "/tmp/hostile-redirect"

#: whole strings, each a way out of a quoting that is wrong in one particular way
INJECTIONS = [
    f"$({CANARY})",
    f"`{CANARY}`",
    f"${{x:-$({CANARY})}}",
    f"; {CANARY}",
    f";{CANARY};",
    f"&& {CANARY}",
    f"; false || {CANARY}",
    f"| {CANARY}",
    f"& {CANARY} &",
    f"\n{CANARY}\n",
    f"\r\n{CANARY}",
    f"'; {CANARY}; '",
    f"'$({CANARY})'",
    f'"; {CANARY}; "',
    f'"$({CANARY})"',
    f"\\'; {CANARY}; \\'",
    f"\\\"; {CANARY}; \\\"",
    f"x' '$({CANARY})",
    f"a\\\n; {CANARY}",
    f"> {REDIRECT_CANARY}",
    f"$(echo x > {REDIRECT_CANARY})",
    # sed: end the s command (any delimiter), then run a command with sed's e
    f"/;e {CANARY}\n#",
    f"|;e {CANARY}\n#",
    f"#;e {CANARY}\n#",
    f"\ne {CANARY}\n",
    f"{CANARY}/e;#",
    "s/x/y/e",
    "e",
    f"w {REDIRECT_CANARY}",
    f"1e {CANARY}",
    # awk: leave a string, call system()
    f'"); system("{CANARY}"); ("',
    f'" ; system("{CANARY}") ; "',
    f"\"}}{{system(\"{CANARY}\")}}{{\"",
    # options that make programs run commands
    f"--upload-pack={CANARY}",
    f"-oProxyCommand={CANARY}",
    f"--exec={CANARY}",
    f"--config=core.sshCommand={CANARY}",
    f"--checkpoint=1 --checkpoint-action=exec={CANARY}",
    f"-e {CANARY}",
    f"--to-command={CANARY}",
]

#: bits that mean something to sh, sed, awk, grep or a program's option parser
ATOMS = [
    "'", '"', "\\", "$", "`", "${", "}", "{", "(", ")", ";", "&", "|", ">", "<", ">>",
    "*", "?", "[", "]", "[!a]", "~", "~root", "#", "!", "%", "%s", "%%", "$HOME", "${PATH}",
    "$1", "$@", "$$", "$?", "$(", "=", ",", ":", "^", ".*", "\\1", "\\n", "\\0", "&",
    "/", "|", "@", "+", "-", "--", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1b[31m",
    "\x01", "\x1e", "\x85", "\x7f", "\\\n", "a b", "..", ".", "~/", "*.*", "\\\\", "''",
    '""', "\\'",
    "é", "ß", "日本", "\u200b", "\u2028", "\ufeff", "\U0001f600", "\u0301", "İ",
]

_letters = st.text(alphabet="abcXYZ019_.-", min_size=1, max_size=6)
_bit = st.one_of(st.sampled_from(ATOMS), st.sampled_from(INJECTIONS), _letters)

#: a short mix of hostile bits
mixed = st.lists(_bit, min_size=1, max_size=6).map("".join)

#: arbitrary text without NUL and surrogates
_any_char = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
arbitrary = st.text(alphabet=_any_char, max_size=24)


def _dashed(text: str, dashes: str) -> str:
    return dashes + text


leading_dash = st.builds(_dashed, mixed | _letters, st.sampled_from(["-", "--", "-n ", "-- "]))

#: a few KB: hostile bits repeated, so quoting has to hold over a long word
long_text = st.builds(lambda s, n: (s * n)[:8192], mixed, st.integers(200, 1200))


def hostile_text() -> st.SearchStrategy[str]:
    """Any hostile string (the default for text arguments)."""
    return st.one_of(
        st.sampled_from(INJECTIONS),
        mixed,
        leading_dash,
        arbitrary,
        long_text,
        st.just(""),
    )


def without(chars: str, strategy: st.SearchStrategy[str] | None = None
            ) -> st.SearchStrategy[str]:
    """Hostile strings with ``chars`` taken out (e.g. ``/`` for a file name), not empty."""
    base = strategy if strategy is not None else hostile_text()
    return base.map(lambda s: "".join(c for c in s if c not in chars)).filter(bool)


def name_text() -> st.SearchStrategy[str]:
    """A hostile file name: no ``/``, at most 200 bytes (a name's limit is 255)."""
    return without("/").map(lambda s: s.encode()[:200].decode("utf-8", "ignore")).filter(bool)
