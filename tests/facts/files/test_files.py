"""files.* facts against output captured on Debian 12 (see data/capture.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from corral.facts import files
from corral.model import keys
from corral.model.errors import FactParseError

DATA = Path(__file__).parents[1] / "data"


def load(name: str) -> Any:
    """The value the engine would give for a stored capture: default() on a failed command."""
    record = json.loads((DATA / f"{name}.json").read_text())
    fact = {cls.name: cls for cls in (
        files.File, files.Directory, files.Link, files.Sha256File, files.FindInFile,
        files.FileContents, files.FileBytes,
    )}[record["fact"]]()
    assert fact.command(**record["kwargs"]) == record["command"], "re-run data/capture.py"
    if record["exit"] != 0:
        return fact.default()
    return fact.process(record["output"])


def test_plain_file() -> None:
    info = load("file_plain")
    assert info == {
        "user": "alice",
        "group": "staffx",
        "mode": 640,
        "size": 44,
        "atime": datetime(2024, 1, 2, 3, 4, 5),
        "mtime": datetime(2024, 1, 2, 3, 4, 5),
        "ctime": info["ctime"],
    }
    assert isinstance(info["ctime"], datetime)
    assert "link_target" not in info


def test_file_with_spaces_and_setuid() -> None:
    assert load("file_spaces")["size"] == 6
    assert load("file_setuid")["mode"] == 4755


@pytest.mark.parametrize("name", ["file_missing", "directory_missing", "link_missing"])
def test_missing_is_none(name: str) -> None:
    assert load(name) is None


@pytest.mark.parametrize(
    "name", ["file_on_dir", "file_on_link", "file_on_fifo", "directory_on_file", "link_on_file"]
)
def test_other_type_is_false(name: str) -> None:
    assert load(name) is False


def test_directories() -> None:
    sticky = load("directory_dir")
    assert sticky["mode"] == 1777
    assert (sticky["user"], sticky["group"]) == ("root", "root")
    assert load("directory_root")["mode"] == 700


def test_links() -> None:
    assert load("link_plain")["link_target"] == "plain.txt"
    assert load("link_spaces")["link_target"] == "/srv/fixture/file with spaces.txt"
    assert load("link_dangling")["link_target"] == "/nonexistent/target"
    assert load("link_plain")["mode"] == 777


def test_ls_fallback() -> None:
    info = load("file_plain_ls")
    assert (info["user"], info["group"], info["mode"], info["size"]) == ("alice", "staffx", 640, 44)
    assert info["mtime"] == datetime(2024, 1, 2)
    assert info["atime"] is None and info["ctime"] is None
    link = load("link_spaces_ls")
    assert link["link_target"] == "/srv/fixture/file with spaces.txt"
    assert link["mtime"].month == 11
    assert load("directory_root_ls")["mode"] == 700


def test_bsd_stat_output() -> None:
    out = ["user=root group=wheel mode=-rw-r--r--@ atime=1 mtime=2 ctime=3 size=10"]
    info = files.File().process(out)
    assert info and info["group"] == "wheel" and info["mode"] == 644
    assert info["mtime"] == datetime(1970, 1, 1, 0, 0, 2)


@pytest.mark.parametrize(
    ("mode", "octal"),
    [("rwxr-xr-x", 755), ("rw-------", 600), ("rwsr-sr-t", 7755), ("rwSr-Sr-T", 7644),
     ("---------", 0)],
)
def test_parse_mode(mode: str, octal: int) -> None:
    assert files.parse_mode(mode) == octal


@pytest.mark.parametrize("bad", ["rwx", "rwxrwxrwq", "rwxrwxrwxr"])
def test_parse_mode_rejects(bad: str) -> None:
    with pytest.raises(FactParseError):
        files.parse_mode(bad)


@pytest.mark.parametrize(
    "out",
    [["garbage"], ["user=a group=b mode=-rw-r--r-- atime=x mtime=1 ctime=1 size=1"],
     ["user=a group=b mode=-rw-r--r-- atime=1 mtime=1 ctime=1 size=1", "extra"]],
)
def test_file_garbage(out: list[str]) -> None:
    with pytest.raises(FactParseError):
        files.File().process(out)


def test_sha256() -> None:
    assert load("sha256_plain") == (
        "fe242de449e511339bc76f7ab74bb6aba7341794e84a92ce651c8e5262e9a886"
    )
    assert load("sha256_spaces") == (
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
    )
    assert load("sha256_missing") is None
    assert load("sha256_dir") is None


def test_sha256_other_formats() -> None:
    digest = "ab" * 32
    assert files.Sha256File().process([f"SHA256 (/x y) = {digest}"]) == digest
    assert files.Sha256File().process([f"\\{digest}  /a\\nb"]) == digest
    with pytest.raises(FactParseError):
        files.Sha256File().process(["sha256sum: oops"])


def test_find_in_file() -> None:
    assert load("find_port") == ["port = 8080"]
    assert load("find_ere") == ["first line", "last line no newline"]
    assert load("find_nomatch") == []
    assert load("find_missing") is None
    assert load("find_interpolate") == ["root:x:0:0:root:/root:/bin/bash"]
    # only ${USER} expanded: $(...) and backquotes are text, which no line holds
    assert load("find_interpolate_literal") == []
    # lines that are not text (Latin-1, a NUL) are printed, not "binary file matches"
    assert load("find_latin1") == ["caf\ufffd = 1\r"]
    assert load("find_nul") == ["\0nul\r"]


def test_find_in_file_command_quoting() -> None:
    cmd = files.FindInFile().command(path="/a b", pattern="it's")
    # the pattern goes to grep's standard input (a quoted here-document): never an argument
    assert "'/a b'" in cmd and "<<'CORRAL_PATTERN'\nit's\nCORRAL_PATTERN\n" in cmd
    expanded = files.FindInFile().command(path="/x", pattern="$HOME `id` $(id) \\",
                                          interpolate_variables=True)
    assert "<<CORRAL_PATTERN\n${__cf_v_0} \\`id\\` \\$(id) \\\\\n" in expanded
    assert "__v=${HOME};" in expanded
    # without a variable the here-document stays quoted
    assert "<<'CORRAL_PATTERN'\n$(id)\n" in files.FindInFile().command(
        path="/x", pattern="$(id)", interpolate_variables=True)
    # a pattern holding the delimiter gets a longer one
    assert "<<'CORRAL_PATTERN_'\nCORRAL_PATTERN\nCORRAL_PATTERN_\n" in files.FindInFile(
    ).command(path="/x", pattern="CORRAL_PATTERN")


@pytest.mark.parametrize("value", ["/root", "a.b*c", "[x]", "a\\b$", "$(touch CANARY)",
                                   "`touch CANARY`", "é", "-v", "^"])
@pytest.mark.parametrize("extended", [False, True])
def test_find_in_file_matches_a_variable_as_text(tmp_path: Path, value: str,
                                                 extended: bool) -> None:
    """With interpolate_variables, a variable's value is matched as text: its regex
    characters do not count, and nothing in it runs."""
    import os
    import subprocess

    target = tmp_path / "f"
    lines = [f"v={value}", "v=a-b+c", "v=axb*c", "v=x", "v=/root2", "other"]
    target.write_text("\n".join(lines) + "\n")
    fact = files.FindInFile()
    command = fact.command(path=str(target), pattern="^v=$V$", interpolate_variables=True,
                           extended_regex=extended)
    out = subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True,
                         cwd=tmp_path, env={**os.environ, "V": value}).stdout
    assert fact.process(out.splitlines()) == [f"v={value}"]
    assert not (tmp_path / "CANARY").exists()


def test_file_bytes() -> None:
    assert load("bytes_plain") == b"first line\nport = 8080\n\nlast line no newline"
    assert load("bytes_latin1") == b"caf\xe9 = 1\r\nform\x0cfeed\r\n\x00nul\r\nend"
    assert load("bytes_empty") == b""
    assert load("bytes_missing") is None
    assert load("bytes_dir") is None
    with pytest.raises(FactParseError):
        files.FileBytes().process([files.EXISTS_MARKER, "not base64!"])


@pytest.mark.parametrize("pattern", ["^port", "", "it's", "-v", "a\\b", "$HOME"])
def test_find_in_file_matches_as_grep_e_does(tmp_path: Path, pattern: str) -> None:
    import subprocess

    target = tmp_path / "f"
    target.write_text("port = 1\nit's\n-v flag\na\\b\n$HOME\nplain\n")
    fact = files.FindInFile()
    out = subprocess.run(["sh", "-c", fact.command(path=str(target), pattern=pattern)],
                         capture_output=True, text=True, check=True).stdout
    want = subprocess.run(["grep", "-e", pattern, str(target)], capture_output=True,
                          text=True).stdout
    assert fact.process(out.splitlines()) == want.splitlines()
    with pytest.raises(FactParseError):
        files.FindInFile().process(["not the marker"])


def test_file_contents() -> None:
    assert load("contents_plain") == ["first line", "port = 8080", "", "last line no newline"]
    assert load("contents_empty") == []
    assert load("contents_spaces") == ["hello"]
    assert load("contents_missing") is None
    assert load("contents_dir") is None


def test_paths_are_quoted() -> None:
    assert "'/srv/a b'" in files.File().command(path="/srv/a b")
    assert "~/'.ssh/authorized keys'" in files.File().command(path="~/.ssh/authorized keys")
    assert "sha256sum ./-rf " in files.Sha256File().command(path="-rf")


def test_reads() -> None:
    assert files.File().reads(path="/etc/") == frozenset({keys.path("/etc")})
    assert files.FindInFile().reads(path="/a", pattern="x") == frozenset({keys.path("/a")})
    assert files.FileContents().reads(path="/a") == frozenset({keys.path("/a")})


def test_socket_read_from_a_real_socket(tmp_path: Path) -> None:
    """files.Socket on this machine's sh and stat: a socket's details, False for a file
    (and File False for the socket), None for nothing there."""
    import socket
    import subprocess

    def read(fact: files.File, path: Path) -> Any:
        done = subprocess.run(["sh", "-c", fact.command(str(path))], capture_output=True,
                              text=True, check=True)
        return fact.process(done.stdout.splitlines())

    path = tmp_path / "a socket"
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(path))
        info = read(files.Socket(), path)
        assert info and info["user"] == "root" and isinstance(info["mode"], int)
        assert "link_target" not in info
        assert read(files.File(), path) is False
    (tmp_path / "plain").write_text("x")
    assert read(files.Socket(), tmp_path / "plain") is False
    assert read(files.Socket(), tmp_path / "missing") is None
