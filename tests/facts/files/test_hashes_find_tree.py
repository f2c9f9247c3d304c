"""The extra files.* facts (hashes, find, Tree, Block, Flags, age) against output captured
on Debian 12 (see data/capture_files_extra.py); Flags on BSD output written by hand, as
Debian has no chflags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from corral.facts import files
from corral.model import keys
from corral.model.errors import BadInput, FactParseError
from corral.model.facts import registered_facts

DATA = Path(__file__).parents[1] / "data"
FIX = "/srv/fixture-files"


def load(name: str) -> Any:
    record = json.loads((DATA / f"files_extra_{name}.json").read_text())
    fact = registered_facts()[record["fact"]]()
    assert fact.command(**record["kwargs"]) == record["command"], (
        "re-run data/capture_files_extra.py"
    )
    if record["exit"] != 0:
        return fact.default()
    return fact.process(record["output"])


def test_hashes_missing() -> None:
    assert load("md5_missing") is None
    assert load("sha1_dir") is None


def test_hashes_match_python() -> None:
    import hashlib

    data = b"no markers here\n"
    assert load("md5_plain") == hashlib.md5(data).hexdigest()
    assert load("sha1_plain") == hashlib.sha1(data).hexdigest()
    assert load("sha384_plain") == hashlib.sha384(data).hexdigest()


def test_hash_bsd_and_garbage() -> None:
    digest = "ab" * 16
    assert files.Md5File().process([f"MD5 (/a b) = {digest}"]) == digest
    assert files.Md5File().process([digest.upper()]) == digest
    with pytest.raises(FactParseError):
        files.Md5File().process(["ab" * 20 + "  /x"])
    with pytest.raises(FactParseError):
        files.Sha1File().process(["md5sum: oops"])


def test_sha256_command_unchanged() -> None:
    assert files.Sha256File().command(path="/x") == (
        "if [ -e /x ]; then sha256sum /x 2>/dev/null || shasum -a 256 /x 2>/dev/null"
        " || sha256 /x 2>/dev/null || true; fi"
    )


def test_find() -> None:
    tree = f"{FIX}/tree"
    assert sorted(load("findfiles_tree")) == [
        f"{tree}/a.txt", f"{tree}/sub/b c.txt", f"{tree}/sub/back\\\\slash.txt",
        f"{tree}/sub/deeper/empty.bin",
    ]
    assert sorted(load("findfiles_name")) == [
        f"{tree}/a.txt", f"{tree}/sub/b c.txt", f"{tree}/sub/back\\\\slash.txt",
    ]
    assert load("findfiles_depth") == [f"{tree}/a.txt"]
    assert f"{tree}/sub/deeper/empty.bin" not in load("findfiles_size")
    assert load("findfiles_missing") == []
    assert sorted(load("findlinks_tree")) == [f"{tree}/link-a", f"{tree}/sub/up"]
    assert sorted(load("finddirs_tree")) == [
        tree, f"{tree}/empty", f"{tree}/sub", f"{tree}/sub/deeper",
    ]


def test_find_command() -> None:
    cmd = files.FindFiles().command(path="/a b", fname="*.py", max_size="1KiB",
                                    args=["-newer", "/etc/x y"])
    assert cmd == ("find '/a b' -type f -size -1024c -name '*.py' -newer '/etc/x y'"
                   " 2>/dev/null || true")
    assert files.FindLinks().command(path="/x", maxdepth=2).startswith(
        "find /x -maxdepth 2 -type l")
    with pytest.raises(BadInput):
        files.FindFiles().command(path="/x", size="lots")


@pytest.mark.parametrize(("size", "value"), [
    ("10", 10), (10, 10), ("2k", 2000), ("2KB", 2000), ("2KiB", 2048), ("1G", 10**9),
    ("1GiB", 2**30),
])
def test_parse_size(size: str | int, value: int) -> None:
    from corral.facts.files._find import parse_size

    assert parse_size(size) == value


def test_tree() -> None:
    tree = load("tree_tree")
    assert set(tree) == {"", "a.txt", "link-a", "empty", "sub", "sub/up", "sub/b c.txt",
                         "sub/back\\\\slash.txt", "sub/deeper", "sub/deeper/empty.bin"}
    assert tree[""]["type"] == "directory"
    assert tree["a.txt"] == {
        "type": "file", "mode": 600, "user": "root", "group": "root", "link_target": None,
        "sha256": "b6a98d9ce9a2d9149288fa3df42d377c3e42737afdcdaf714e33c0a100b51060",
    }
    assert tree["sub"]["mode"] == 750
    assert tree["sub/b c.txt"]["user"] == "daemon"
    assert tree["sub/back\\\\slash.txt"]["sha256"] is not None
    assert tree["sub/up"]["link_target"] == "../a.txt"
    assert tree["sub/up"]["sha256"] is None
    assert tree["sub/deeper/empty.bin"]["sha256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    assert set(load("tree_empty")) == {""}
    assert load("tree_missing") is None
    assert load("tree_file") is False


@pytest.mark.parametrize("out", [
    ["garbage"],
    ["__corral_exists__", "x\x1f1\x1fa\x1fb\x1f\x1fname"],
    ["__corral_exists__", "f\x1f644\x1fa\x1fb\x1f\x1fname"],
    ["__corral_exists__", "__corral_sums__", "ab" * 32 + "  ./not-listed"],
    ["__corral_exists__", "f\x1f644\x1fa\x1fb\x1f\x1fn", "__corral_sums__", "zz  ./n"],
])
def test_tree_garbage(out: list[str]) -> None:
    with pytest.raises(FactParseError):
        files.Tree().process(out)


def test_block() -> None:
    assert load("block_found") == ["one", "  two  "]
    assert load("block_empty") == []
    assert load("block_custom") == ["<p>hi</p>"]
    assert load("block_nomarkers") == []
    assert load("block_missing") is None
    with pytest.raises(FactParseError):
        files.Block().process([files.EXISTS_MARKER, "stray"])


def test_block_markers() -> None:
    assert files.block_markers(None, None, None) == (
        "# BEGIN PYINFRA BLOCK", "# END PYINFRA BLOCK")
    assert files.block_markers("// {mark} x", "start", "stop") == ("// start x", "// stop x")


def test_age() -> None:
    assert load("age_plain") > 3600 * 24 * 30
    assert load("age_missing") is None
    with pytest.raises(FactParseError):
        files.SecondsSinceModified().process(["soon"])


def test_flags_bsd_output() -> None:
    """stat -f %Sf on FreeBSD/macOS: comma-separated names, ``-`` for none."""
    fact = files.Flags()
    assert fact.process(["uchg,hidden"]) == ["uchg", "hidden"]
    assert fact.process(["-"]) == []
    assert fact.process([]) == []
    assert files.Flags.default() == []
    assert files.Flags.requires_command == "chflags"
    assert fact.command(path="/a b") == (
        "if [ -e '/a b' ] || [ -L '/a b' ]; then stat -f %Sf '/a b'; fi")
    with pytest.raises(FactParseError):
        fact.process(["uchg,Not A Flag"])


def test_reads() -> None:
    assert files.Md5File().reads(path="/a/") == frozenset({keys.path("/a")})
    assert files.Block().reads(path="/a") == frozenset({keys.path("/a")})
    assert files.Tree().reads(path="/a") == frozenset({keys.tree("/a")})
    assert files.FindFiles().reads(path="/a") == frozenset({keys.tree("/a")})


def test_names() -> None:
    names = set(registered_facts())
    assert {"files.Md5File", "files.Sha1File", "files.Sha384File", "files.FindFiles",
            "files.FindLinks", "files.FindDirectories", "files.Flags", "files.Block",
            "files.Tree", "files.SecondsSinceModified"} <= names
