"""files.download/sync/rsync/block/unarchive/copy/move/flags/ini/json/yaml:
(arguments, facts) -> commands tables."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from corral.facts.files import (
    Directory,
    File,
    FileBytes,
    FileContents,
    Flags,
    Link,
    Md5File,
    SecondsSinceModified,
    Sha256File,
    Tree,
)
from corral.facts.server import Which
from corral.model.command import FileUploadCommand
from corral.model.errors import BadInput, OperationError, OperationValueError
from corral.operations import files
from corral.operations.files import _base as edit
from corral.testing.optest import fact, plan


def info(user: str = "root", group: str = "root", mode: int = 644) -> dict[str, Any]:
    when = datetime(2024, 1, 1)
    return {"user": user, "group": group, "mode": mode, "size": 10, "atime": when,
            "mtime": when, "ctime": when}


def doc(path: str, lines: list[str] | bytes | None, **meta: Any) -> dict[Any, Any]:
    """Facts for a remote file: its lines, or its exact bytes (None: missing)."""
    data = lines if isinstance(lines, bytes | None) else "".join(t + "\n" for t in lines).encode()
    return {fact(File, path=path): None if lines is None else info(**meta),
            fact(FileBytes, path=path): data}


def edited(path: str, old: bytes | None, new: bytes, backup: bool | str = False) -> list[str]:
    """What a rewrite of ``path`` runs: the upload of the new content beside the file, and
    the move over it, only if the file still holds what it was planned on."""
    stage = edit.staging_path(path, new)
    return [f"upload {stage}", edit.commit(path, stage, old, backup).render()]


SUM = "ab" * 32
URL = "http://127.0.0.1:8000/app.tgz"


def dl_facts(present: Any = None, curl: str | None = "/usr/bin/curl",
             more: dict[Any, Any] | None = None) -> dict[Any, Any]:
    out = {fact(File, path="/opt/app.tgz"): present,
           fact(Which, command="curl"): curl, fact(Which, command="wget"): None}
    out.update(more or {})
    return out


AGE = fact(SecondsSinceModified, path="/opt/app.tgz")
DOWNLOAD = ".app.tgz.corral-" + hashlib.sha1(b"/opt/app.tgz").hexdigest()[:12]


@pytest.mark.parametrize(("args", "facts", "expected"), [
    ({}, dl_facts(info()), []),
    ({"sha256sum": SUM}, dl_facts(info(), more={fact(Sha256File, path="/opt/app.tgz"): SUM}), []),
    ({"cache_time": 60}, dl_facts(info(), more={AGE: 5}), []),
    ({"mode": "600", "user": "app"}, dl_facts(info()),
     ["chmod 600 /opt/app.tgz", "chown app /opt/app.tgz"]),
    ({}, dl_facts(), [f"curl -sSLf -o /opt/{DOWNLOAD} -- {URL}",
                      f"mv -f /opt/{DOWNLOAD} /opt/app.tgz"]),
    ({"md5sum": "cd" * 16, "mode": 640},
     dl_facts(info(), more={fact(Md5File, path="/opt/app.tgz"): "0" * 32}),
     [f"curl -sSLf -o /opt/{DOWNLOAD} -- {URL}",
      f"( md5sum /opt/{DOWNLOAD} 2>/dev/null || md5 -q /opt/{DOWNLOAD} 2>/dev/null )"
      " | grep -qi -- "
      f"{'cd' * 16} || {{ echo 'MD5 checksum of the download does not match {'cd' * 16}' >&2; "
      f"rm -f /opt/{DOWNLOAD}; exit 1; }}",
      f"mv -f /opt/{DOWNLOAD} /opt/app.tgz", "chmod 640 /opt/app.tgz"]),
    ({"cache_time": 60}, dl_facts(info(), more={AGE: 61}),
     [f"curl -sSLf -o /opt/{DOWNLOAD} -- {URL}", f"mv -f /opt/{DOWNLOAD} /opt/app.tgz"]),
    ({"force": True, "headers": {"X-Token": "a b"}, "proxy": "http://127.0.0.1:3128",
      "insecure": True, "temp_dir": "/var/tmp", "extra_curl_args": {"--retry": "3", "-4": ""}},
     dl_facts(info()),
     [f"curl -sSLf --proxy http://127.0.0.1:3128 --insecure --header 'X-Token: a b' --retry 3 -4 "
      f"-o /var/tmp/{DOWNLOAD} -- {URL}", f"mv -f /var/tmp/{DOWNLOAD} /opt/app.tgz"]),
    ({"extra_wget_args": {"--tries": "2"}},
     dl_facts(None, None, {fact(Which, command="wget"): "/w"}),
     [f"wget -q --tries 2 -O /opt/{DOWNLOAD} -- {URL} || {{ rm -f /opt/{DOWNLOAD}; exit 1; }}",
      f"mv -f /opt/{DOWNLOAD} /opt/app.tgz"]),
])
def test_download(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(files.download, src=URL, dest="/opt/app.tgz", facts=facts, **args)
    assert result.shell == expected


def test_download_neither_tool_and_errors() -> None:
    result = plan(files.download, src=URL, dest="/opt/app.tgz", facts=dl_facts(curl=None))
    assert result.shell[0].startswith("( curl -sSLf") and ") || ( wget -q" in result.shell[0]
    with pytest.raises(OperationValueError):
        plan(files.download, src=URL, dest="/opt/app.tgz", sha256sum="xyz", facts={})
    with pytest.raises(OperationError):
        plan(files.download, src=URL, dest="/opt/app.tgz", facts=dl_facts(False))


# -- sync / rsync ---------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "css").mkdir(parents=True)
    (root / "cache").mkdir()
    (root / "index.html").write_text("<h1>hi</h1>\n")
    (root / "css" / "a.css").write_text("body {}\n")
    (root / "cache" / "x").write_text("skip\n")
    (root / "old.pyc").write_text("skip\n")
    os.symlink("index.html", root / "home.html")
    os.chmod(root, 0o755)
    os.chmod(root / "css", 0o755)
    for p in (root / "index.html", root / "css" / "a.css"):
        os.chmod(p, 0o644)
    return root


def entry(kind: str, mode: int = 644, sha: str | None = None, target: str | None = None,
          user: str = "root") -> dict[str, Any]:
    return {"type": kind, "mode": mode, "user": user, "group": user, "sha256": sha,
            "link_target": target}


def synced(root: Path) -> dict[str, Any]:
    def s(p: str) -> str:
        return hashlib.sha256((root / p).read_bytes()).hexdigest()

    return {"": entry("directory", 755), "css": entry("directory", 755),
            "index.html": entry("file", sha=s("index.html")),
            "css/a.css": entry("file", sha=s("css/a.css")),
            "home.html": entry("link", 777, target="index.html")}


SYNC_ARGS = {"exclude": "*.pyc", "exclude_dir": "cache", "add_deploy_dir": False}


def test_sync_in_sync(site: Path) -> None:
    remote = synced(site)
    remote["cache/keep"] = entry("file", sha=SUM)  # under an excluded directory
    remote["x.pyc"] = entry("file", sha=SUM)  # excluded
    result = plan(files.sync, src=str(site), dest="/srv/www", delete=True,
                  facts={fact(Tree, path="/srv/www"): remote}, **SYNC_ARGS)
    assert result.shell == [] and result.notes


def test_sync_from_nothing(site: Path) -> None:
    result = plan(files.sync, src=str(site), dest="/srv/www", user="www", group="www",
                  facts={fact(Tree, path="/srv/www"): None}, **SYNC_ARGS)
    assert result.shell == [
        "mkdir -p /srv/www /srv/www/css", "chmod 755 /srv/www /srv/www/css",
        "chown www:www /srv/www /srv/www/css",
        "ln -sfn -- index.html /srv/www/home.html", "chown -h www:www /srv/www/home.html",
        "upload /srv/www/css/a.css", "upload /srv/www/index.html",
    ]
    upload = result.commands[-1]
    assert isinstance(upload, FileUploadCommand)
    assert (upload.mode, upload.user, upload.group) == ("644", "www", "www")
    assert upload.content() == b"<h1>hi</h1>\n"


def test_sync_changes_and_delete(site: Path) -> None:
    remote = synced(site)
    remote["index.html"] = entry("file", sha=SUM)
    remote["css"] = entry("directory", 700)
    remote["home.html"] = entry("link", 777, target="elsewhere")
    remote["stale.txt"] = entry("file", sha=SUM)
    remote["css/gone"] = entry("link", 777, target="x")
    result = plan(files.sync, src=str(site), dest="/srv/www", delete=True, mode="640",
                  dir_mode="750", facts={fact(Tree, path="/srv/www"): remote}, **SYNC_ARGS)
    assert result.shell == [
        "chmod 750 /srv/www", "chmod 750 /srv/www/css",
        "ln -sfn -- index.html /srv/www/home.html",
        "chmod 640 /srv/www/css/a.css", "upload /srv/www/index.html",
        "rm -f /srv/www/css/gone /srv/www/stale.txt",
    ]


def test_sync_errors(site: Path, tmp_path: Path) -> None:
    remote = synced(site)
    remote["css/a.css"] = entry("directory", 755)
    with pytest.raises(OperationError, match="is a directory on the host"):
        plan(files.sync, src=str(site), dest="/srv/www",
             facts={fact(Tree, path="/srv/www"): remote}, **SYNC_ARGS)
    with pytest.raises(OperationError):
        plan(files.sync, src=str(site), dest="/srv/www",
             facts={fact(Tree, path="/srv/www"): False}, **SYNC_ARGS)
    with pytest.raises(BadInput):
        plan(files.sync, src=str(tmp_path / "nope"), dest="/x", add_deploy_dir=False, facts={})


def test_rsync(site: Path) -> None:
    (site / "old.pyc").unlink()
    import shutil

    shutil.rmtree(site / "cache")
    remote = synced(site)
    remote["extra"] = entry("file", sha=SUM)
    data = {"_deploy_dir": str(site.parent)}
    result = plan(files.rsync, src="site/", dest="/srv/www", data=data,
                  facts={fact(Tree, path="/srv/www"): remote})
    assert result.shell == ["rm -f /srv/www/extra"]
    result = plan(files.rsync, src="site", dest="/srv", data=data, flags=["-az"],
                  facts={fact(Tree, path="/srv/site"): remote})
    assert result.shell == []
    with pytest.raises(OperationValueError, match="--bwlimit"):
        plan(files.rsync, src="site/", dest="/srv", data=data, flags=["--bwlimit=10"], facts={})


# -- block -----------------------------------------------------------------------------------

B, E = "# BEGIN PYINFRA BLOCK", "# END PYINFRA BLOCK"


@pytest.mark.parametrize(("args", "lines", "new"), [
    ({"content": "one\ntwo"}, ["a", B, "one", "two", E, "b"], None),
    ({"content": ["one"]}, ["a", B, "old", "old2", E, "b"], ["a", B, "one", E, "b"]),
    ({"content": "one"}, None, [B, "one", E]),
    ({"content": "one"}, ["a"], ["a", B, "one", E]),
    ({"content": "one", "before": True, "after": True}, ["a"], [B, "one", E, "a"]),
    ({"content": "one", "line": "^b", "before": True}, ["a", "b", "c"],
     ["a", B, "one", E, "b", "c"]),
    ({"content": "one", "line": "^b", "after": True}, ["a", "b", "c"],
     ["a", "b", B, "one", E, "c"]),
    ({"content": "one", "line": "a.b", "after": True, "escape_regex_characters": True},
     ["axb", "a.b"], ["axb", "a.b", B, "one", E]),
    ({"content": "one", "line": "nomatch", "after": True}, ["a"], ["a", B, "one", E]),
    ({"content": "$(x) 'q'", "marker": "<!-- {mark} -->"}, ["<!-- BEGIN -->", "old",
     "<!-- END -->"], ["<!-- BEGIN -->", "$(x) 'q'", "<!-- END -->"]),
    ({"present": False}, ["a", B, "x", E, "b"], ["a", "b"]),
    ({"present": False}, ["a"], None),
    ({"present": False}, None, None),
])
def test_block(args: dict[str, Any], lines: list[str] | None, new: list[str] | None) -> None:
    result = plan(files.block, path="/etc/f", facts=doc("/etc/f", lines, mode=600), **args)
    if new is None:
        assert result.commands == [] and result.notes
        return
    data = "".join(t + "\n" for t in new).encode()
    old = None if lines is None else "".join(t + "\n" for t in lines).encode()
    assert result.shell == edited("/etc/f", old, data)
    upload = result.commands[0]
    assert upload.content() == data
    assert upload.mode == (None if lines is None else "600")
    assert result.diffs[0].new == upload.content().decode()


def test_block_errors() -> None:
    with pytest.raises(OperationValueError):
        plan(files.block, path="/f", facts={})
    with pytest.raises(OperationValueError):
        plan(files.block, path="/f", content="x", line="a", facts={})
    with pytest.raises(OperationValueError):
        plan(files.block, path="/f", content="x", before=True, facts={})
    with pytest.raises(OperationValueError):
        plan(files.block, path="/f", content="x", marker="same", facts={})
    with pytest.raises(OperationError, match="no end marker"):
        plan(files.block, path="/f", content="x", facts=doc("/f", [B, "x"]))


def test_block_backup() -> None:
    result = plan(files.block, path="/f", content="x", backup="bak", facts=doc("/f", ["a"]))
    assert result.shell == edited("/f", b"a\n", f"a\n{B}\nx\n{E}\n".encode(), "bak")
    assert "cp -p /f /f.bak && mv -f" in result.shell[1]


BB, EB = B.encode(), E.encode()


@pytest.mark.parametrize(("old", "args", "new"), [
    pytest.param(b"caf\xe9\r\nform\x0cfeed\n\x00x\x1c\n", {"content": "one"},
                 b"caf\xe9\r\nform\x0cfeed\n\x00x\x1c\n" + BB + b"\none\n" + EB + b"\n",
                 id="Latin-1, a CR, a form feed, a NUL kept"),
    pytest.param(b"a\nlast", {"content": "one"}, b"a\nlast\n" + BB + b"\none\n" + EB + b"\n",
                 id="no final newline: the last line gets one before the block"),
    pytest.param(b"a\nlast", {"content": "one", "before": True, "after": True},
                 BB + b"\none\n" + EB + b"\na\nlast", id="no final newline, block first: kept"),
    pytest.param(b"a\r\nb\r\n", {"content": "one"},
                 b"a\r\nb\r\n" + BB + b"\r\none\r\n" + EB + b"\r\n", id="CRLF file: CRLF lines"),
    pytest.param(b"a\r\n" + BB + b"\r\nold\r\n" + EB + b"\r\nb",
                 {"content": "one"}, b"a\r\n" + BB + b"\r\none\r\n" + EB + b"\r\nb",
                 id="CRLF markers found, block replaced in place"),
    pytest.param(b"a\r\n" + BB + b"\r\none\r\n" + EB + b"\r\n", {"content": "one"}, None,
                 id="CRLF block already right"),
    pytest.param(b"a\n" + BB + b"\nx\n" + EB, {"present": False}, b"a\n",
                 id="remove the last block of a file without a final newline"),
    pytest.param(BB + b"\nx\n" + EB + b"\nlast", {"present": False}, b"last",
                 id="remove a block, the last line still lacks its newline"),
])
def test_block_keeps_bytes_it_does_not_own(old: bytes, args: dict[str, Any],
                                           new: bytes | None) -> None:
    result = plan(files.block, path="/etc/f", facts=doc("/etc/f", old), **args)
    if new is None:
        assert result.commands == [] and result.notes
        return
    assert result.shell == edited("/etc/f", old, new)
    assert result.commands[0].content() == new


def test_block_refuses_a_line_break_in_a_line() -> None:
    with pytest.raises(OperationValueError, match="newline"):
        plan(files.block, path="/f", content=["a\nb"], facts=doc("/f", b""))


# -- ini -------------------------------------------------------------------------------------

INI = ["; comment", "top = 1", "", "[server]", "port = 80", "host=a", "", "[other]", "x: y"]


@pytest.mark.parametrize(("args", "new"), [
    ({"section": "server", "key": "port", "value": 80}, None),
    ({"section": "other", "key": "x", "value": "y"}, None),
    ({"section": None, "key": "top", "value": "1"}, None),
    ({"section": "server", "key": "gone", "present": False}, None),
    ({"section": "nosuch", "present": False}, None),
    ({"section": "server"}, None),
    ({"section": "server", "key": "port", "value": 8080},
     [*INI[:4], "port = 8080", *INI[5:]]),
    ({"section": "server", "key": "debug", "value": True},
     [*INI[:6], "debug = true", *INI[6:]]),
    ({"section": "new", "key": "k", "value": "v"}, [*INI, "", "[new]", "k = v"]),
    ({"section": None, "key": "top", "present": False}, [INI[0], *INI[2:]]),
    ({"section": "server", "present": False}, [*INI[:3], *INI[7:]]),
    ({"section": "new"}, [*INI, "", "[new]"]),
])
def test_ini(args: dict[str, Any], new: list[str] | None) -> None:
    result = plan(files.ini, path="/etc/a.ini", facts=doc("/etc/a.ini", INI), **args)
    if new is None:
        assert result.commands == [] and result.notes
    else:
        data = "".join(t + "\n" for t in new).encode()
        assert result.shell == edited("/etc/a.ini", "".join(t + "\n" for t in INI).encode(), data)
        assert result.commands[0].content() == data


def test_ini_duplicates_and_missing_file() -> None:
    result = plan(files.ini, path="/a", section="s", key="k", value="2",
                  facts=doc("/a", ["[s]", "k = 1", "k = 2"]))
    assert result.commands[0].content() == b"[s]\nk = 2\n"
    result = plan(files.ini, path="/a", section="s", key="k", value="v", mode="600",
                  facts=doc("/a", None))
    assert result.commands[0].content() == b"[s]\nk = v\n"
    assert result.commands[0].mode == "600"
    assert plan(files.ini, path="/a", section="s", key="k", present=False,
                facts=doc("/a", None)).commands == []
    with pytest.raises(OperationValueError):
        plan(files.ini, path="/a", section="s", key="k", facts={})


@pytest.mark.parametrize(("old", "args", "new"), [
    pytest.param(b"[s]\r\nk = 1\r\n", {"key": "k", "value": 2}, b"[s]\r\nk = 2\r\n",
                 id="CRLF kept"),
    pytest.param(b"[s]\r\nk = 2\r\n", {"key": "k", "value": 2}, None, id="CRLF, already set"),
    pytest.param(b"caf\xe9=1\n[s]\nk = 1", {"key": "k", "value": 2},
                 b"caf\xe9=1\n[s]\nk = 2\n", id="Latin-1 kept, the replaced last line ended"),
    pytest.param(b"[s]\nk = 1\nx=\xff", {"key": "j", "value": "v"},
                 b"[s]\nk = 1\nx=\xff\nj = v\n", id="a key added after a last line"),
    pytest.param(b"[s]\nk = 1\n\x0cform\n[t]\na=1", {"key": "k", "value": 2},
                 b"[s]\nk = 2\n\x0cform\n[t]\na=1", id="form feed and open end kept"),
])
def test_ini_keeps_bytes_it_does_not_own(old: bytes, args: dict[str, Any],
                                         new: bytes | None) -> None:
    result = plan(files.ini, path="/a.ini", section="s", facts=doc("/a.ini", old), **args)
    if new is None:
        assert result.commands == [] and result.notes
        return
    assert result.shell == edited("/a.ini", old, new)
    assert result.commands[0].content() == new


@pytest.mark.parametrize(("args", "message"), [
    ({"section": "s\nx", "key": "k", "value": "v"}, "line break"),
    ({"section": "s", "key": "k", "value": "v\r"}, "line break"),
    ({"section": "s]x", "key": "k", "value": "v"}, "ends its header"),
    ({"section": " s", "key": "k", "value": "v"}, "blanks"),
    ({"section": "s", "key": "k ", "value": "v"}, "blanks"),
    ({"section": "s", "key": "k", "value": " v"}, "blanks"),
    ({"section": "s", "key": "a=b", "value": "v"}, "cannot be read back"),
    ({"section": "s", "key": "#k", "value": "v"}, "cannot be read back"),
    ({"section": "s", "key": "k", "value": "v", "separator": " -> "}, "separator"),
])
def test_ini_refuses_what_cannot_be_read_back(args: dict[str, Any], message: str) -> None:
    with pytest.raises(BadInput, match=message):
        plan(files.ini, path="/a.ini", facts={}, **args)


def test_rewrite_refuses_a_bad_backup_extension() -> None:
    with pytest.raises(BadInput, match="backup extension"):
        plan(files.block, path="/f", content="x", backup="../x", facts=doc("/f", ["a"]))


# -- json / yaml -----------------------------------------------------------------------------

CONF = ["{", '  "server": {', '    "port": 80', "  },", '  "debug": true', "}"]


@pytest.mark.parametrize(("args", "new"), [
    ({"keys": ["server", "port"], "value": 80}, None),
    ({"keys": "debug", "value": True}, None),
    ({"keys": ["nope", "x"], "present": False}, None),
    ({"keys": ["server", "port"], "value": 8080},
     {"server": {"port": 8080}, "debug": True}),
    ({"keys": "debug", "value": 1}, {"server": {"port": 80}, "debug": 1}),
    ({"keys": ["a", "b"], "value": [1, "x"]},
     {"server": {"port": 80}, "debug": True, "a": {"b": [1, "x"]}}),
    ({"keys": ["server", "port"], "present": False}, {"server": {}, "debug": True}),
])
def test_json(args: dict[str, Any], new: dict[str, Any] | None) -> None:
    import json

    result = plan(files.json, path="/c.json", facts=doc("/c.json", CONF), **args)
    if new is None:
        assert result.commands == [] and result.notes
    else:
        text = result.commands[0].content().decode()
        assert result.shell == edited("/c.json", "".join(t + "\n" for t in CONF).encode(),
                                      text.encode())
        assert json.loads(text) == new and text.endswith("}\n")
        assert result.diffs[0].old == "".join(t + "\n" for t in CONF)


def test_json_errors_and_new_file() -> None:
    result = plan(files.json, path="/c.json", keys=["a"], value=1, user="app",
                  facts=doc("/c.json", None))
    assert result.commands[0].content() == b'{\n  "a": 1\n}\n'
    assert result.commands[0].user == "app"
    with pytest.raises(OperationError, match="not valid JSON"):
        plan(files.json, path="/c", keys="a", value=1, facts=doc("/c", ["{oops"]))
    with pytest.raises(OperationError):
        plan(files.json, path="/c", keys=["a", "b"], value=1, facts=doc("/c", ['{"a": 3}']))
    with pytest.raises(OperationValueError):
        plan(files.json, path="/c", keys=[], value=1, facts={})
    fix = plan(files.json, path="/c", keys="a", value=1, mode="600",
               facts=doc("/c", ['{"a": 1}'], mode=644))
    assert fix.shell == ["chmod 600 /c"]


def test_yaml() -> None:
    lines = ["# comment", "server:", "  port: 80", "names: [a, b]"]
    same = plan(files.yaml, path="/c.yml", keys=["server", "port"], value=80,
                facts=doc("/c.yml", lines))
    assert same.commands == []
    result = plan(files.yaml, path="/c.yml", keys=["names", 1], value="c",
                  facts=doc("/c.yml", lines))
    assert result.commands[0].content() == b"server:\n  port: 80\nnames:\n- a\n- c\n"
    with pytest.raises(OperationError, match="not valid YAML"):
        plan(files.yaml, path="/c", keys="a", value=1, facts=doc("/c", ["a: [b"]))


# -- copy / move / flags ---------------------------------------------------------------------


def cp_facts(src_kind: str, there: Any, same: bool) -> dict[Any, Any]:
    out: dict[Any, Any] = {
        fact(File, path="/a/f"): info() if src_kind == "file" else False,
        fact(Directory, path="/a/f"): info() if src_kind == "dir" else False,
        fact(Link, path="/a/f"): False,
        fact(Directory, path="/b"): info(),
        fact(File, path="/b/f"): there,
        fact(Sha256File, path="/a/f"): SUM,
        fact(Sha256File, path="/b/f"): SUM if same else "0" * 64,
    }
    tree = {"": entry("directory"), "x": entry("file", sha=SUM)}
    out[fact(Tree, path="/a/f")] = tree
    out[fact(Tree, path="/b/f")] = tree if same else {"": entry("directory")}
    return out


@pytest.mark.parametrize(("kind", "there", "same", "overwrite", "expected"), [
    ("file", info(), True, False, []),
    ("dir", False, True, False, []),
    ("file", None, False, False, ["cp -R /a/f /b/f"]),
    ("file", info(), False, True, ["rm -rf /b/f", "cp -R /a/f /b/f"]),
    ("dir", False, False, True, ["rm -rf /b/f", "cp -R /a/f /b/f"]),
])
def test_copy(kind: str, there: Any, same: bool, overwrite: bool, expected: list[str]) -> None:
    result = plan(files.copy, src="/a/f", dest="/b", overwrite=overwrite,
                  facts=cp_facts(kind, there, same))
    assert result.shell == expected


def test_copy_errors() -> None:
    with pytest.raises(OperationError, match="differs"):
        plan(files.copy, src="/a/f", dest="/b", facts=cp_facts("file", info(), False))
    facts = cp_facts("file", None, False)
    facts[fact(File, path="/a/f")] = None
    with pytest.raises(OperationError, match="does not exist"):
        plan(files.copy, src="/a/f", dest="/b", facts=facts)


@pytest.mark.parametrize(("src", "there", "overwrite", "expected"), [
    (None, info(), False, []),
    (info(), None, False, ["mv /a/f /b/f"]),
    (False, False, True, ["rm -rf /b/f", "mv /a/f /b/f"]),
])
def test_move(src: Any, there: Any, overwrite: bool, expected: list[str]) -> None:
    facts = {fact(File, path="/a/f"): src, fact(Directory, path="/b"): info(),
             fact(File, path="/b/f"): there}
    assert plan(files.move, src="/a/f", dest="/b", overwrite=overwrite,
                facts=facts).shell == expected


def test_move_errors() -> None:
    facts = {fact(File, path="/a/f"): None, fact(Directory, path="/b"): info(),
             fact(File, path="/b/f"): None}
    with pytest.raises(OperationError):
        plan(files.move, src="/a/f", dest="/b", facts=facts)
    facts[fact(File, path="/a/f")] = info()
    facts[fact(File, path="/b/f")] = info()
    with pytest.raises(OperationError, match="overwrite"):
        plan(files.move, src="/a/f", dest="/b", facts=facts)


@pytest.mark.parametrize(("args", "current", "expected"), [
    ({"flags": ["uchg"]}, ["uchg", "hidden"], []),
    ({"flags": "uchg", "present": False}, ["hidden"], []),
    ({"flags": None}, [], []),
    ({"flags": ["uchg", "hidden"]}, ["hidden"], ["chflags uchg /f"]),
    ({"flags": ["uchg", "nodump"], "present": False}, ["uchg", "nodump"],
     ["chflags dump,nouchg /f"]),
])
def test_flags(args: dict[str, Any], current: list[str], expected: list[str]) -> None:
    result = plan(files.flags, path="/f", facts={fact(Flags, path="/f"): current}, **args)
    assert result.shell == expected


# -- unarchive -------------------------------------------------------------------------------


def test_unarchive_local(tmp_path: Path) -> None:
    archive = tmp_path / "app.tar.gz"
    archive.write_bytes(b"not really gzip")
    digest = hashlib.sha256(b"not really gzip").hexdigest()
    from corral.operations.files._remote import marker_path

    marker = marker_path("/opt/app", "app.tar.gz")
    facts = {fact(Directory, path="/opt/app"): None, fact(FileContents, path=marker): None}
    data = {"_deploy_dir": str(tmp_path)}
    result = plan(files.unarchive, src="app.tar.gz", dest="/opt/app", user="app", data=data,
                  facts=facts)
    temp = f"/tmp/.corral-unarchive-{digest[:16]}.tar.gz"
    assert result.shell == [
        "mkdir -p /opt/app", f"upload {temp}", f"( cd /opt/app && tar -xz -f {temp} )",
        f"rm -f {temp}", f"printf '%s\\n' {digest} > {marker}", "chown -R app /opt/app",
    ]
    facts[fact(Directory, path="/opt/app")] = info()
    facts[fact(FileContents, path=marker)] = [digest]
    done = plan(files.unarchive, src="app.tar.gz", dest="/opt/app", data=data, facts=facts)
    assert done.shell == [] and done.notes


def test_unarchive_remote_creates() -> None:
    facts = {fact(File, path="/opt/app/bin"): None, fact(Directory, path="/opt/app"): info(),
             fact(Sha256File, path="/tmp/a.zip"): SUM}
    result = plan(files.unarchive, src="/tmp/a.zip", dest="/opt/app", remote_src=True,
                  creates="/opt/app/bin", extra_opts=["-x", "*.txt"], facts=facts)
    assert result.shell == ["unzip -o -q -x '*.txt' /tmp/a.zip -d /opt/app"]
    facts[fact(File, path="/opt/app/bin")] = False  # a directory
    assert plan(files.unarchive, src="/tmp/a.zip", dest="/opt/app", remote_src=True,
                creates="/opt/app/bin", facts=facts).shell == []


def test_unarchive_errors() -> None:
    with pytest.raises(OperationValueError, match="archive format"):
        plan(files.unarchive, src="/tmp/a.rar", dest="/x", remote_src=True, facts={})
    with pytest.raises(BadInput):
        plan(files.unarchive, src="/nonexistent/a.tgz", dest="/x", facts={})
