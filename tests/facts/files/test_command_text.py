"""Fact commands are keys of the fact cache and of batching, so their text must not change
when the code behind them moves: a few commands pinned to the byte, for the shapes of path
the shared quoting treats apart (``~/``, a leading ``-``, a quote, a space)."""

from __future__ import annotations

from corral.facts import files

STAT = ("stat -c 'user=%U group=%G mode=%A atime=%X mtime=%Y ctime=%Z size=%s' {p} 2>/dev/null"
        " || stat -f 'user=%Su group=%Sg mode=%Sp atime=%a mtime=%m ctime=%c size=%z' {p}"
        " 2>/dev/null || ls -ld {p}")


def _stat_command(p: str) -> str:
    return (f"if [ -e {p} ] || [ -L {p} ]; then {{ {STAT.format(p=p)}; }} && if [ -L {p} ];"
            f" then printf 'link=%s\\n' \"$(readlink {p})\"; fi; fi")


def test_a_home_path_keeps_its_tilde_unquoted() -> None:
    assert files.File().command(path="~/a b") == _stat_command("~/'a b'")
    assert files.FindFiles().command(path="~/d it") == "find ~/'d it' -type f 2>/dev/null || true"


def test_a_path_with_a_quote_is_one_word() -> None:
    assert files.Directory().command(path="/tmp/it's") == _stat_command("'/tmp/it'\"'\"'s'")


def test_a_leading_dash_is_made_a_relative_path() -> None:
    assert files.Sha256File().command(path="-x") == (
        "if [ -e ./-x ]; then sha256sum ./-x 2>/dev/null || shasum -a 256 ./-x 2>/dev/null"
        " || sha256 ./-x 2>/dev/null || true; fi")
    assert files.FileContents().command(path="-n") == (
        "if [ -f ./-n ]; then echo __corral_exists__ && cat ./-n; fi")
