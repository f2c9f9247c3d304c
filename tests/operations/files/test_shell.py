"""files.line, files.replace, files.block and files.ini run for real with hostile arguments.

Each example runs the operation through ``@local`` (this machine's ``sh``, Debian's dash,
and GNU grep, sed and coreutils, as in the test image) on a file of random bytes, then
compares the file byte for byte with the content computed here in Python, runs it again
(no change), and checks that a canary file that the arguments try to create with
``$(...)``, backquotes and ``${X:-$(...)}`` never appears.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corral import api
from corral.api import HostResult, OpStatus
from corral.operations import files
from corral.operations.files._sed import DELIMITERS, escape_regex

#: a variable the interpolating examples expand, with a hostile value
VALUE = "v/a&l\\1 \\ $(x) `y` %s ; \x01 é"


@pytest.fixture(scope="module")
def canary() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory) / "CANARY"


def pieces(canary: Path) -> list[str]:
    """Fragments that break naive quoting, sed programs and shells (one holds every
    delimiter sed's s could use, so corral has to escape one)."""
    return [
        "'", '"', "\\", "\\\\", "&", "\\1", "\\n", "/", "|", "#", "-", "--", "-e ", "%s",
        f"$(touch {canary})", f"`touch {canary}`", f"${{X:-$(touch {canary})}}",
        "$((1+1))", "$HOME", "$1", "$", "[", "]", "*", ".", "^", "(", ")", "{", "}", "+", "?",
        " ", "\t", "\r", "\x0c", "\x1c", "\u2028", "é", "☃", "\U0001f600", DELIMITERS,
        "y" * 3000, "~", "!", ";",
    ]


def texts(canary: Path) -> st.SearchStrategy[str]:
    """Hostile text without a newline or NUL."""
    plain = st.text(st.characters(blacklist_characters="\n\0", blacklist_categories=["Cs"]),
                    max_size=6)
    return st.lists(st.sampled_from(pieces(canary)) | plain, min_size=1, max_size=6).map(
        "".join)


def file_lines(avoid: list[bytes]) -> st.SearchStrategy[list[bytes]]:
    """Random lines of bytes (Latin-1, control characters...) holding none of ``avoid``."""
    line = st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"_"))
    return st.lists(line, max_size=6).map(
        lambda lines: [x for x in lines if not any(a and a in x for a in avoid)])


def joined(lines: list[bytes], final_newline: bool) -> bytes:
    data = b"\n".join(lines)
    return data + b"\n" if final_newline and lines else data


def appended(data: bytes, line: bytes) -> bytes:
    """``data`` with ``line`` added as a line of its own."""
    if data and not data.endswith(b"\n"):
        data += b"\n"
    return data + line + b"\n"


def run(deploy: Callable[[], Any]) -> HostResult:
    result = api.run("@local", deploy)
    (host,) = result.hosts
    return host


def changed(host: HostResult) -> bool:
    (op,) = host.operations
    assert op.status in (OpStatus.OK, OpStatus.CHANGED), (op.error, op.commands, op.stderr)
    return op.changed


def expand(text: str) -> str:
    """``$NAME``/``${NAME}`` replaced by the variable's value, as the host's shell does;
    nothing else (files.line's literal text)."""
    name = r"[A-Za-z_][A-Za-z0-9_]*"
    return re.sub(rf"\$(?:({name})|\{{({name})\}})",
                  lambda m: os.environ.get(m.group(1) or m.group(2), ""), text)


@pytest.fixture
def locale(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("LC_ALL", request.param)
    monkeypatch.setenv("V", VALUE)
    return str(request.param)


#: more examples for a longer hunt: CORRAL_EXAMPLES=1000
SETTINGS = settings(max_examples=int(os.environ.get("CORRAL_EXAMPLES", "40")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"], indirect=True)
@SETTINGS
@given(data=st.data())
def test_line_with_hostile_text(canary: Path, locale: str, data: st.DataObject) -> None:
    """files.line(line=L, replace=R, escape_regex_characters=True): lines holding L become
    exactly R (& and \\1 as written), or R (L) is appended as a line of its own; every
    other byte of the file is kept."""
    interpolate = data.draw(st.booleans(), "interpolate")
    words = texts(canary)
    if interpolate:
        words = st.tuples(words, st.sampled_from(["$V", "${V}", ""])).map("".join)
    line = data.draw(words, "line")
    replace = data.draw(st.none() | words, "replace")
    needle, wanted = expand(line) if interpolate else line, None
    if replace:  # an empty replace is none (as pyinfra's)
        wanted = expand(replace) if interpolate else replace
    lines = data.draw(file_lines([needle.encode()]), "lines")
    extra = data.draw(st.lists(st.sampled_from(["has", "is"]), max_size=3), "extra")
    for kind in extra:  # lines holding L, lines that are R
        if kind == "has":
            lines.append(b"x" + needle.encode() + b"\xe9")
        elif wanted is not None:
            lines.append(wanted.encode())
    old = joined(lines, data.draw(st.booleans(), "final newline"))

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "-f 'x'")
        Path(path).write_bytes(old)

        def deploy() -> None:
            files.line(path=path, line=line, replace=replace, escape_regex_characters=True,
                       interpolate_variables=interpolate)

        first = changed(run(deploy))
        got = Path(path).read_bytes()
        text = old.split(b"\n") if old else []
        if old.endswith(b"\n"):
            text.pop()
        # grep (the fact) and sed both run in the C locale, whatever the host's: a line
        # that is not UTF-8 is matched like any other
        hits = [x for x in text if needle.encode() in x]
        if wanted is None:
            expected = old if hits else appended(old, needle.encode())
        elif hits and any(x != wanted.encode() for x in hits):
            expected = joined([wanted.encode() if x in hits else x for x in text],
                              old.endswith(b"\n"))
        elif hits or wanted.encode() in text:
            expected = old
        else:
            expected = appended(old, wanted.encode())
        assert got == expected
        assert first == (expected != old)
        assert not changed(run(deploy))
        assert Path(path).read_bytes() == expected
        assert sorted(os.listdir(directory)) == ["-f 'x'"]
    assert not canary.exists()


def _sed_replacement(template: str, match: bytes) -> bytes:
    """What files.replace writes for a replacement (the letters used have no escape
    meaning): ``\\1`` the match, ``\\n`` a newline, ``\\X`` X, a lone final ``\\`` itself,
    ``&`` itself (pyinfra's reading: corral escapes a bare ``&`` for sed)."""
    out, i = b"", 0
    raw = template.encode()
    while i < len(raw):
        c = raw[i : i + 1]
        if c == b"\\" and i + 1 < len(raw):
            d = raw[i + 1 : i + 2]
            out += match if d == b"1" else b"\n" if d == b"n" else d
            i += 2
        else:
            out += c
            i += 1
    return out


@pytest.mark.parametrize("locale", ["C", "C.UTF-8"], indirect=True)
@SETTINGS
@given(data=st.data())
def test_replace_with_hostile_text(canary: Path, locale: str, data: st.DataObject) -> None:
    """files.replace(text=\\(T\\), replace=R): sed's syntax in R (\\1 the match, \\n a
    newline) with & literal, every delimiter and backslash in it, and the s command never
    ends early."""
    needle = data.draw(texts(canary), "needle")
    alphabet = ["&", "\\", "\\1", "\\n", "\\&", "\\\\", "n", "q", "\n", "$(touch "
                f"{canary})", f"`touch {canary}`", "'", '"', "é", DELIMITERS, " ", "1"]
    replace = data.draw(st.lists(st.sampled_from(alphabet), max_size=8).map("".join), "replace")
    every = data.draw(st.booleans(), "g")
    lines = data.draw(file_lines([]), "lines")
    lines += [b"a" + needle.encode() + b"b" + needle.encode()] * data.draw(
        st.integers(0, 2), "hits")
    old = joined(lines, data.draw(st.booleans(), "final newline"))
    target = needle.encode()

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "f")
        Path(path).write_bytes(old)
        host = run(lambda: files.replace(path=path, text=f"\\({escape_regex(needle)}\\)",
                                         replace=replace, flags=["g"] if every else None))
        is_changed = changed(host)
        new = _sed_replacement(replace, target)
        text = old.split(b"\n") if old else []
        if old.endswith(b"\n"):
            text.pop()
        expected = joined([x.replace(target, new, -1 if every else 1) for x in text],
                          old.endswith(b"\n"))
        assert Path(path).read_bytes() == expected
        assert is_changed == any(target in x for x in text)
    assert not canary.exists()


def _block(lines: list[str], crlf: bool) -> bytes:
    end = b"\r\n" if crlf else b"\n"
    return b"".join(x.encode() + end for x in
                    ["# BEGIN PYINFRA BLOCK", *lines, "# END PYINFRA BLOCK"])


@SETTINGS
@given(data=st.data())
def test_block_with_hostile_content(canary: Path, data: st.DataObject) -> None:
    """files.block adds, replaces and removes its block; every other byte of the file
    (Latin-1, CR, form feed, NUL, a missing final newline) is kept."""
    content = data.draw(st.lists(texts(canary), min_size=1, max_size=4), "content")
    other = data.draw(st.lists(texts(canary), min_size=1, max_size=3), "other")
    crlf = data.draw(st.booleans(), "crlf")
    lines = data.draw(file_lines([b"PYINFRA BLOCK"]), "lines")
    if crlf:
        lines = [x + b"\r" for x in lines]
    old = joined(lines, data.draw(st.booleans(), "final newline"))
    ended = old.split(b"\n")[:-1]  # the lines a newline ends: all CRLF, one at least
    crlf = bool(ended) and all(x.endswith(b"\r") for x in ended)

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "f")
        Path(path).write_bytes(old)
        os.chmod(path, 0o640)

        def put(body: list[str], present: bool = True) -> bool:
            return changed(run(lambda: files.block(path=path, content=body, present=present)))

        assert put(content)
        base = old if (not old or old.endswith(b"\n")) else old + b"\n"
        assert Path(path).read_bytes() == base + _block(content, crlf)
        assert not put(content)
        assert put(other) == (other != content)
        assert Path(path).read_bytes() == base + _block(other, crlf)
        assert put([], present=False)
        assert Path(path).read_bytes() == base
        assert os.stat(path).st_mode & 0o777 == 0o640
        assert os.listdir(directory) == ["f"]
    assert not canary.exists()


@SETTINGS
@given(data=st.data())
def test_ini_with_hostile_values(canary: Path, data: st.DataObject) -> None:
    """files.ini writes ``key = value`` in its section, changes it in place, and keeps
    every other byte (comments of random bytes, a missing final newline)."""
    word = texts(canary).map(str.strip).filter(
        lambda t: bool(t) and not any(c in t for c in "=:[]#;\r") and t == t.strip())
    section = data.draw(word, "section")
    key = data.draw(word, "key")
    first = data.draw(texts(canary).map(str.strip).filter(lambda t: "\r" not in t), "value")
    second = data.draw(texts(canary).map(str.strip).filter(lambda t: "\r" not in t), "other")
    comments = data.draw(file_lines([]), "lines")
    lines = [b"# " + x.replace(b"\r", b"_") for x in comments]
    old = joined(lines, data.draw(st.booleans(), "final newline"))

    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "a.ini")
        Path(path).write_bytes(old)

        def put(value: str) -> bool:
            return changed(run(lambda: files.ini(path=path, section=section, key=key,
                                                 value=value)))

        assert put(first)
        base = old if (not old or old.endswith(b"\n")) else old + b"\n"
        gap = b"\n" if lines else b""
        head = base + gap + f"[{section}]\n".encode()
        assert Path(path).read_bytes() == head + f"{key} = {first}\n".encode()
        assert not put(first)
        assert put(second) == (second != first)
        assert Path(path).read_bytes() == head + f"{key} = {second}\n".encode()
    assert not canary.exists()
