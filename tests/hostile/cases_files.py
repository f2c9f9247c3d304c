"""files.*: paths, targets, contents, lines, settings and documents, read back byte for byte."""

from __future__ import annotations

import io
import json
import os
import tarfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from corral.facts.files import block_markers

from .cases import (
    LOCAL,
    NAME,
    RELATIVE,
    Arg,
    Case,
    Ctx,
    always,
    as_is,
    dict_key,
    dict_value,
    in_list,
    no_slash,
    relative,
    under_dir,
)
from .cases import (
    one_line_text as one_line,
)
from .checks import Argv, Custom, Listing, ReadBack
from .sandbox import Outcome, Sandbox
from .strategies import REDIRECT_CANARY

CURL_HOOK = """# write the -o file, as curl would
o=; for a in "$@"; do [ "$o" = next ] && o=$a && break; [ "$a" = -o ] && o=next; done
[ -z "$o" ] || [ "$o" = next ] || printf 'downloaded\\n' > "$o"
"""
WGET_HOOK = """o=; for a in "$@"; do [ "$o" = next ] && o=$a && break; [ "$a" = -O ] && o=next; done
[ -z "$o" ] || [ "$o" = next ] || printf 'downloaded\\n' > "$o"
"""


#: sed flags that write a file or run the pattern space
SED_FLAG_EXAMPLES = (f"w {REDIRECT_CANARY}", "e")

#: the line already in files.line's file
OTHER = "\x02other x"


def _time_text(value: str) -> bool:
    """A time files.put reads from text: ISO 8601, a POSIX timestamp, or the absolute path
    of a file that is there (the sandbox's /etc/hostname)."""
    try:
        datetime.fromisoformat(value)
        return True
    except ValueError:
        pass
    try:
        datetime.fromtimestamp(float(value), UTC)
        return True
    except (ValueError, OverflowError, OSError):
        pass
    return value == "/etc/hostname"


def _owners(param: str) -> list[Arg]:
    """user and group of an operation whose owner names go to chown/install."""
    return [Arg(param="user", place=as_is("user")), Arg(param="group", place=as_is("group"))]


def _mode(extra: dict[str, Any] | None = None) -> Arg:
    return Arg(param="mode", place=as_is("mode"), extra=extra or {})


def _file(ctx: Ctx, remote: str, text: str = "old\n") -> None:
    ctx.sandbox.write(remote, text)


def _content(remote: Any, what: str = "content") -> ReadBack:
    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        try:
            return c.sandbox.read(remote(c, v, k))
        except ValueError:  # a path that climbs out with ..
            return None
    return ReadBack(read, what=what)


def _read(ctx: Ctx, remote: str) -> str | None:
    try:
        return ctx.sandbox.read(remote)
    except ValueError:
        return None


def _bsd_flags(box: Sandbox) -> None:
    """A host with chflags: stub it, and answer the Flags fact's BSD ``stat -f %Sf`` (no
    flags) in front of GNU stat, which reads ``-f`` as "file system status"."""
    box.stub("chflags")
    box.write("/usr/local/bin/stat",
              '#!/bin/sh\nif [ "$1" = -f ] && [ "$2" = %Sf ]; then echo -; exit 0; fi\n'
              'exec /usr/bin/stat "$@"\n', 0o755)


def _relative_exists(kind: str, param: str = "path") -> ReadBack:
    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        p = c.sandbox.path(k[param])
        return {"file": p.is_file(), "dir": p.is_dir(), "link": p.is_symlink()}[kind]
    return ReadBack(read, expected=lambda v, c, k: True, what=f"a {kind} at the relative path")


def _exists(remote: Any, kind: str) -> ReadBack:
    """Whether a path (of the example, by its value) is a file/dir/link after the run."""

    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        try:
            p = c.sandbox.path(remote(c, v))
        except ValueError:
            return None
        return {"file": p.is_file(), "dir": p.is_dir(), "link": p.is_symlink()}[kind]
    return ReadBack(read, expected=lambda v, c, k: True, what=f"a {kind} there")


def _backup_dir(kind: str) -> Arg:
    """force_backup_dir: something else is at the path; it is moved into the directory."""

    def setup(c: Ctx, v: str) -> None:
        root = c.sandbox.path(c.dir)
        (root / "bk" / v).mkdir(parents=True, exist_ok=True)
        if kind == "file":
            (root / "x").mkdir(parents=True, exist_ok=True)
        else:
            (root / "x").write_text("not a directory\n")

    def moved(c: Ctx, v: str, k: dict[str, Any], o: Outcome) -> None:
        names = os.listdir(c.sandbox.path(c.at("bk", v)))
        if o.applied:
            assert len(names) == 1 and names[0].startswith("x."), names
        else:
            assert not names, names

    return Arg(param="force_backup_dir",
               place=lambda v, c: {"force_backup_dir": c.at("bk", v), "path": c.at("x")},
               setup=setup, checks=(Custom(moved),),
               extra={"force": True, "force_backup": True}, **NAME)  # type: ignore[arg-type]


def _local_tree(c: Ctx, name: str = "f") -> str:
    """A local tree holding one file, ``name``."""
    src = c.local / "tree"
    src.mkdir(exist_ok=True)
    for old in src.iterdir():
        old.unlink()
    if name not in (".", ".."):
        (src / name).write_text("synced\n")
    return str(src)


def _tar(path: Path, member: str = "f") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tar:
        data = b"extracted\n"
        info = tarfile.TarInfo(member)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def _prepare_download(box: Sandbox) -> None:
    box.stub("curl", "wget")
    box.configure("curl", hook=CURL_HOOK)
    box.configure("wget", hook=WGET_HOOK)


def _no_curl(ctx: Ctx, value: str) -> None:
    ctx.sandbox.path("/usr/bin/curl").rename(ctx.sandbox.path("/usr/bin/curl.off"))


def _ini_value(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    """What a reader of the file finds: the value of key in section (the last setting)."""
    from corral.operations.files._edit import Document, _key_line, _section_range

    text = _read(c, k["path"])
    if text is None:
        return None
    lines = Document(text.encode("utf-8", "surrogateescape")).lines
    span = _section_range(lines, k["section"])
    if span is None:
        return None
    found = [_key_line(lines[i], k["key"]) for i in range(*span)]
    found = [f for f in found if f is not None]
    return found[-1] if found else None


def _doc_value(loader: Any) -> Any:
    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        text = _read(c, k["path"])
        if text is None:
            return None
        doc = loader(text)
        keys = k["keys"] if isinstance(k["keys"], list) else [k["keys"]]
        for key in keys:
            if not isinstance(doc, dict) or key not in doc:
                return None
            doc = doc[key]
        return doc
    return read


def _doc_expected(v: str, c: Ctx, k: dict[str, Any]) -> Any:
    return k["value"]


#: extra options go to wget as options by design: no leading-dash check for them
WGET_OPTIONS = (Argv(("wget",), dash=False),)

CASES: list[Case] = [
    Case(
        "files.file", lambda c: {"path": c.at("f")},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            Arg("path", relative("path"), (_relative_exists("file"),), label="path-relative",
                **RELATIVE),
            *_owners("file"),
            _mode(),
            _backup_dir("file"),
        ),
    ),
    Case(
        "files.directory", lambda c: {"path": c.at("d")},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="dir"),), **NAME),
            Arg("path", relative("path"), (_relative_exists("dir"),), label="path-relative",
                **RELATIVE),
            *_owners("directory"),
            _mode(),
            _backup_dir("dir"),
        ),
    ),
    Case(
        "files.link", lambda c: {"path": c.at("l"), "target": "/etc/hostname"},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="link"),), **NAME),
            Arg("path", relative("path"), (_relative_exists("link"),), label="path-relative",
                **RELATIVE),
            Arg("target", as_is("target"), (ReadBack(
                lambda c, v, k: os.readlink(p) if (p := c.sandbox.path(k["path"])).is_symlink()
                else None, what="link target"),),
                valid=lambda v: bool(v) and len(v.encode()) <= 4095),
            *_owners("link"),
            _backup_dir("link"),
        ),
    ),
    Case(
        "files.put", lambda c: {"src": io.BytesIO(b"put\n"), "dest": c.at("p")},
        (
            Arg("dest", under_dir("dest"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            Arg("dest", relative("dest"), (_relative_exists("file", "dest"),),
                label="dest-relative", **RELATIVE),
            Arg("src", lambda v, c: {"src": io.StringIO(v)},
                (_content(lambda c, v, k: k["dest"]),), label="src-content", valid=always),
            Arg("src", as_is("src"), label="src-local-path", **LOCAL),
            *_owners("put"),
            Arg("mode", as_is("mode")),
            *(Arg(field, as_is(field), valid=_time_text,
                  examples=("2020-02-03T04:05:06", "1580702706.5", "/etc/hostname"))
              for field in ("atime", "mtime")),
        ),
    ),
    Case(
        "files.template",
        lambda c: {"src": io.StringIO("<{{ v }}>"), "dest": c.at("t"), "v": "x"},
        (
            Arg("dest", under_dir("dest"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            Arg("data", as_is("v"), (ReadBack(lambda c, v, k: _read(c, k["dest"]),
                                              expected=lambda v, c, k: f"<{v}>"),),
                label="data-value", valid=always),
            Arg("src", lambda v, c: {"src": io.StringIO(v)}, label="src-template"),
            *_owners("template"),
            Arg("mode", as_is("mode")),
        ),
        exempt={"jinja_env_kwargs": "options for jinja2.Environment on the controller"},
    ),
    Case(
        "files.get",
        lambda c: {"src": c.at("remote"), "dest": str(c.local / "got"), "add_deploy_dir": False},
        (
            Arg("src", under_dir("src"), (ReadBack(
                lambda c, v, k: (c.local / "got").read_text()
                if (c.local / "got").exists() else None,
                expected=lambda v, c, k: "remote\n", what="downloaded content"),),
                setup=lambda c, v: c.sandbox.write(c.at(v), "remote\n"), **NAME),
            Arg("dest", lambda v, c: {"dest": str(c.local / v)}, (ReadBack(
                lambda c, v, k: sorted(os.listdir(c.local)),
                expected=lambda v, c, k: [v], what="local files"),),
                setup=lambda c, v: c.sandbox.write(c.at("remote"), "remote\n"), **NAME),
        ),
    ),
    Case(
        "files.copy", lambda c: {"src": c.at("s", "f"), "dest": c.at("d")},
        (
            Arg("src", under_dir("src", "s"), (Listing(lambda c: c.at("d"), kind="file"),),
                setup=lambda c, v: (c.sandbox.write(c.at("s", v), "copied\n"),
                                    c.sandbox.path(c.at("d")).mkdir(parents=True)), **NAME),
            Arg("dest", under_dir("dest"), (_exists(lambda c, v: c.at(v, "f"), "file"),),
                setup=lambda c, v: (c.sandbox.write(c.at("s", "f"), "copied\n"),
                                    c.sandbox.path(c.at(v)).mkdir(parents=True)),
                label="dest", **NAME),
        ),
    ),
    Case(
        "files.move", lambda c: {"src": c.at("s", "f"), "dest": c.at("d")},
        (
            Arg("src", under_dir("src", "s"), (Listing(lambda c: c.at("d"), kind="file"),),
                setup=lambda c, v: (c.sandbox.write(c.at("s", v), "moved\n"),
                                    c.sandbox.path(c.at("d")).mkdir(parents=True)), **NAME),
            Arg("dest", under_dir("dest", "t"), (Listing(lambda c: c.at("t"),
                                                         kind="dir"),),
                setup=lambda c, v: (c.sandbox.write(c.at("s", "f"), "moved\n"),
                                    c.sandbox.path(c.at("t", v)).mkdir(parents=True)),
                **NAME),
        ),
    ),
    Case(
        "files.line",
        lambda c: {"path": c.at("conf"), "line": "hello", "escape_regex_characters": True},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            Arg("line", as_is("line"), (ReadBack(
                lambda c, v, k: _read(c, k["path"]),
                # a line that is in the file already (the empty line is in any) is not added
                expected=lambda v, c, k: f"{OTHER}\n" if v in OTHER else f"{OTHER}\n{v}\n",
                what="file"),),
                setup=lambda c, v: c.sandbox.write(c.at("conf"), f"{OTHER}\n"), valid=one_line),
            Arg("line", as_is("line"), label="line-regex",
                extra={"escape_regex_characters": False},
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "other\n")),
            Arg("replace", as_is("replace"), (ReadBack(
                lambda c, v, k: _read(c, k["path"]),
                expected=lambda v, c, k: f"{v}\n" if v else "key=old\n", what="file"),),
                extra={"line": "^key=", "escape_regex_characters": False},
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n"), valid=one_line),
            Arg("flags", in_list("flags"), extra={"line": "^key=", "replace": "key=new",
                                                  "escape_regex_characters": False},
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n"),
                examples=SED_FLAG_EXAMPLES),
            Arg("backup", as_is("backup"),
                extra={"line": "^key=", "replace": "key=new", "escape_regex_characters": False},
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n")),
        ),
    ),
    Case(
        "files.replace",
        lambda c: {"path": c.at("conf"), "text": "old", "replace": "new"},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="file"),),
                setup=lambda c, v: c.sandbox.write(c.at(v), "key=old\n"), **NAME),
            Arg("text", as_is("text"),
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n")),
            Arg("match", as_is("match"), extra={"text": None},
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n")),
            # replace is sed's replacement (& the match, \1 a group): a deploy wanting the
            # text as it is escapes \ and & (a newline it may leave: it is one)
            Arg("replace", lambda v, c: {"replace": v.replace("\\", "\\\\").replace("&", "\\&")},
                (ReadBack(lambda c, v, k: _read(c, k["path"]),
                          expected=lambda v, c, k: f"key={v}\n", what="file"),),
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n"), valid=always),
            Arg("replace", as_is("replace"), label="replace-syntax", examples=(
                "<&>", "\\1", "a\\\nb", "\\", "x&y\\&z"),
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n")),
            Arg("flags", in_list("flags"),
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n"),
                examples=SED_FLAG_EXAMPLES),
            Arg("backup", as_is("backup"),
                setup=lambda c, v: c.sandbox.write(c.at("conf"), "key=old\n")),
        ),
    ),
    Case(
        "files.block", lambda c: {"path": c.at("b"), "content": "block line"},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            Arg("content", as_is("content"), (ReadBack(
                lambda c, v, k: _read(c, k["path"]),
                expected=lambda v, c, k: "{0}\n{2}\n{1}\n".format(
                    *block_markers(None, None, None), v), what="file"),), valid=bool),
            Arg("line", as_is("line"), extra={"after": True},
                setup=lambda c, v: c.sandbox.write(c.at("b"), "first\n")),
            *(Arg(name, as_is(name), (ReadBack(
                lambda c, v, k: _read(c, k["path"]),
                expected=lambda v, c, k: "{}\nblock line\n{}\n".format(*block_markers(
                    k.get("marker"), k.get("begin"), k.get("end"))), what="file"),))
              for name in ("marker", "begin", "end")),
            Arg("backup", as_is("backup"), setup=lambda c, v: c.sandbox.write(c.at("b"), "x\n")),
        ),
    ),
    Case(
        "files.ini", lambda c: {"path": c.at("i.ini"), "section": "s", "key": "k", "value": "v"},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            *(Arg(name, as_is(name), (ReadBack(_ini_value, expected=lambda v, c, k: str(
                k["value"]), what="the setting read back"),))
              for name in ("section", "key", "value", "separator")),
            *_owners("ini"),
            Arg("mode", as_is("mode")),
            Arg("backup", as_is("backup"),
                setup=lambda c, v: c.sandbox.write(c.at("i.ini"), "[s]\nk = old\n")),
        ),
    ),
    Case(
        "files.json", lambda c: {"path": c.at("d.json"), "keys": ["a"], "value": "v"},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            Arg("keys", in_list("keys"), (ReadBack(_doc_value(json.loads), _doc_expected),),
                valid=always),
            Arg("value", as_is("value"), (ReadBack(_doc_value(json.loads), _doc_expected),),
                valid=always),
            *_owners("json"),
            Arg("mode", as_is("mode")),
        ),
    ),
    Case(
        "files.yaml", lambda c: {"path": c.at("d.yaml"), "keys": ["a"], "value": "v"},
        (
            Arg("path", under_dir("path"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            Arg("keys", in_list("keys"), (ReadBack(_doc_value(yaml.safe_load), _doc_expected),),
                valid=always),
            Arg("value", as_is("value"), (ReadBack(_doc_value(yaml.safe_load), _doc_expected),),
                valid=always),
            *_owners("yaml"),
            Arg("mode", as_is("mode")),
        ),
    ),
    Case(
        "files.flags", lambda c: {"path": c.at("f"), "flags": ["uchg"]},
        (
            Arg("path", under_dir("path"), (Argv(("chflags",)),),
                setup=lambda c, v: c.sandbox.write(c.at(v), ""), **NAME),
            Arg("flags", in_list("flags"), (Argv(("chflags",)),),
                setup=lambda c, v: c.sandbox.write(c.at("f"), "")),
        ),
        prepare=_bsd_flags,
    ),
    Case(
        "files.download",
        lambda c: {"src": "https://example.org/file", "dest": c.at("dl")},
        (
            Arg("src", as_is("src"), (Argv(("curl",)),)),
            Arg("dest", under_dir("dest"), (Listing(lambda c: c.dir, kind="file"),), **NAME),
            *_owners("download"),
            _mode(),
            Arg("headers", dict_key("headers"), (Argv(("curl",)),), label="headers-key"),
            Arg("headers", dict_value("headers"), (Argv(("curl",)),), label="headers-value"),
            Arg("proxy", as_is("proxy"), (Argv(("curl",)),)),
            Arg("limit_rate", as_is("limit_rate"), (Argv(("curl",)),)),
            Arg("temp_dir", under_dir("temp_dir"), (_exists(lambda c, v: c.at("dl"), "file"),),
                setup=lambda c, v: c.sandbox.path(c.at(v)).mkdir(parents=True)
                if v not in (".", "..") else None, **NAME),
            *(Arg(name, as_is(name)) for name in ("sha384sum", "sha256sum", "sha1sum",
                                                  "md5sum")),
            Arg("extra_curl_args", dict_key("extra_curl_args", ""),
                (Argv(("curl",), dash=False),), label="extra_curl_args-key"),
            Arg("extra_curl_args", dict_value("extra_curl_args", "--retry"),
                (Argv(("curl",), dash=False),), label="extra_curl_args-value"),
            Arg("extra_wget_args", dict_key("extra_wget_args", ""), WGET_OPTIONS,
                label="extra_wget_args-key", setup=_no_curl),
            Arg("extra_wget_args", dict_value("extra_wget_args", "--tries"), WGET_OPTIONS,
                label="extra_wget_args-value", setup=_no_curl),
        ),
        prepare=_prepare_download,
        setup=lambda c: c.sandbox.stub("curl") if not c.sandbox.path("/usr/bin/curl").exists()
        else None,
    ),
    Case(
        "files.sync", lambda c: {"src": _local_tree(c), "dest": c.at("s"),
                                 "add_deploy_dir": False},
        (
            Arg("src", lambda v, c: {"src": str(c.local / "tree"), "dest": c.at("s")},
                (Listing(lambda c: c.at("s"), kind="file"),), label="src-file-name",
                setup=lambda c, v: _local_tree(c, v), **NAME),
            Arg("src", as_is("src"), label="src-local-path", **LOCAL),
            Arg("dest", under_dir("dest"), (Listing(lambda c: c.dir, kind="dir"),), **NAME),
            *_owners("sync"),
            _mode(),
            Arg("dir_mode", as_is("dir_mode")),
            Arg("exclude", in_list("exclude")),
            Arg("exclude_dir", in_list("exclude_dir")),
        ),
    ),
    Case(
        "files.rsync", lambda c: {"src": _local_tree(c) + "/", "dest": c.at("s")},
        (
            Arg("src", lambda v, c: {"src": str(c.local / "tree") + "/", "dest": c.at("s")},
                (Listing(lambda c: c.at("s"), kind="file"),), label="src-file-name",
                setup=lambda c, v: _local_tree(c, v), **NAME),
            Arg("src", as_is("src"), label="src-local-path", **LOCAL),
            Arg("dest", under_dir("dest"), (Listing(lambda c: c.dir, kind="dir"),), **NAME),
            Arg("flags", in_list("flags")),
        ),
    ),
    Case(
        "files.unarchive",
        lambda c: {"src": c.at("a.tar"), "dest": c.at("x"), "remote_src": True},
        (
            Arg("src", lambda v, c: {"src": c.at(v + ".tar")}, (
                _exists(lambda c, v: c.at("x", "f"), "file"),),
                setup=lambda c, v: _tar(c.sandbox.path(c.at(v + ".tar"))), shape=no_slash),
            Arg("src", lambda v, c: {"src": str(c.local / v), "remote_src": False},
                label="src-local", setup=lambda c, v: _tar(c.local / v)
                if v not in (".", "..") else None, shape=lambda s: no_slash(s) + ".tar"),
            Arg("dest", under_dir("dest", "x"), (Listing(lambda c: c.at("x"), kind="dir"),),
                **NAME),
            Arg("creates", under_dir("creates")),
            Arg("extra_opts", in_list("extra_opts")),
            *_owners("unarchive"),
        ),
        setup=lambda c: _tar(c.sandbox.path(c.at("a.tar"))),
    ),
]
