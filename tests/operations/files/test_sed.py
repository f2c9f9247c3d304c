"""The regex check and sed programs of files.line/files.replace against the real GNU grep
and GNU sed of this machine (Debian's, as in the test image)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corral.model.errors import BadInput
from corral.operations.files._sed import (
    DELIMITERS,
    address_flags,
    check_regex,
    delete,
    substitute,
    substitute_flags,
)

#: regex fragments: every operator of basic and extended regexes, GNU's extensions, sed's
#: own escapes, bracket expressions right and wrong, and the characters sed's s ends on
ATOMS = [*"ab.*^$[]\\(){}+?|-:,12/#=x%@!;~z", "[:alpha:]", "[[:digit:]", "[[:alpha:]]",
         "[a-", "[^", "z-a]", "-]", "\\(", "\\)", "\\{", "\\}", "\\1", "\\2", "\\|", "\\+",
         "\\?", "\\t", "\\x41", "\\d065", "\\o101", "\\cA", "\\c", "\\<", "\\w", "[.a.]",
         "[=a=]", "\\\\", "{1}", "\\{1,2\\}", "{,3}", "\x01", "é"]
LINES = ["a", "b", "ab", "aab", "a.b", "a*b", "x{1}", "(a)", "a|b", "a+b", "ab?", "$a^",
         "[a]", "a\\b", "\t", "A", "-", "12", "/#=", ":,", "}", "{", "é", "\x01", "z-a"]
#: refusals of regexes both tools accept but read differently
DISAGREE = ("inside [...] means", "\\c must be", "agree on")
ENV = {**os.environ, "LC_ALL": "C"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sed") / "lines"
    path.write_text("\n".join(LINES) + "\n")
    return path


def grep(regex: str, extended: bool, path: Path) -> tuple[bool, list[bytes]]:
    """Whether grep takes the regex, and the lines it matches."""
    out = subprocess.run(["grep", "-a", *(["-E"] if extended else []), "-e", regex, str(path)],
                         capture_output=True, env=ENV)
    return out.returncode != 2, out.stdout.splitlines()


def sed_takes(regex: str, extended: bool, path: Path) -> bool:
    """Whether sed takes the regex (given with the usual escaped / delimiter)."""
    program = "s/" + regex.replace("/", "\\/") + "/X/"
    out = subprocess.run(["sed", *(["-E"] if extended else []), "-e", program, str(path)],
                         capture_output=True, env=ENV)
    return out.returncode == 0


@settings(max_examples=int(os.environ.get("CORRAL_EXAMPLES", "150")), deadline=None)
@given(regex=st.lists(st.sampled_from(ATOMS), min_size=1, max_size=6).map("".join),
       extended=st.booleans())
def test_a_checked_regex_is_read_alike_by_grep_and_sed(
        tmp_path_factory: pytest.TempPathFactory, regex: str, extended: bool) -> None:
    """A regex check_regex accepts is accepted by grep and by sed (inside corral's own s
    program, with its delimiter), and both match the same lines; one it refuses is
    refused by grep or sed, or read differently by them."""
    path = tmp_path_factory.getbasetemp() / "lines"
    if not path.exists():
        path.write_text("\n".join(LINES) + "\n")
    try:
        normal, _groups = check_regex(regex, extended)
    except BadInput as exc:
        if not any(reason in exc.message for reason in DISAGREE):
            assert not (grep(regex, extended, path)[0] and sed_takes(regex, extended, path)), \
                exc.message
        return
    ok, matched = grep(normal, extended, path)
    assert ok
    program = substitute(normal, "@@MARK", "", extended, interpolate=False, literal=True)
    command = f"sed {'-E' if extended else ''} -e {program.word} {shlex.quote(str(path))}"
    out = subprocess.run(command, shell=True, capture_output=True, env=ENV)
    assert out.returncode == 0, out.stderr
    changed = [line for line in out.stdout.splitlines() if b"@@MARK" in line]
    assert len(changed) == len(matched)


@pytest.mark.parametrize(("flags", "s", "address"), [
    (None, "", ""), (["g"], "g", ""), (["I"], "I", "I"), (["i", "g"], "ig", "I"),
    (["m"], "m", "M"), (["2"], "2", ""), (["1", "0", "g"], "10g", ""), ("gI", "gI", "I"),
])
def test_flags(flags: list[str] | str | None, s: str, address: str) -> None:
    assert substitute_flags(flags) == s
    assert address_flags(flags) == address


@pytest.mark.parametrize("flags", [["e"], ["w", "/tmp/x"], ["p"], ["g", "G"], ["0"], ["1g2"],
                                   ["g;e"], ["g\ne"], ["gg"], ["iI"], ["r"], [" g"]])
def test_flags_that_run_commands_or_write_files_are_bad_input(flags: list[str]) -> None:
    with pytest.raises(BadInput):
        substitute_flags(flags)


def test_every_delimiter_used_escapes_the_slash(sample: Path) -> None:
    """With every candidate delimiter in the text, / is used and escaped where it stands
    alone; a / inside a bracket expression then cannot be expressed (bad input)."""
    text = "a/" + DELIMITERS
    program = substitute(text.replace("\\", "\\\\"), "<&>", "", False, False, literal=False)
    assert program.word.startswith("'s/a\\/")
    sample.write_bytes(text.encode() + b"\n")
    out = subprocess.run(f"sed -e {program.word} {shlex.quote(str(sample))}", shell=True,
                         capture_output=True, env=ENV, check=True)
    assert out.stdout == b"<&>\n"  # & is literal in files.replace's replacement
    with pytest.raises(BadInput, match="bracket expression"):
        substitute("[/]" + DELIMITERS, "x", "", False, False, literal=False)


def test_delete_with_another_delimiter_starts_with_a_backslash() -> None:
    assert delete("^a/b$", "I", False, False).word == "'\\#^a/b$#Id'"
    assert delete("^ab$", "", False, False).word == "'/^ab$/d'"
