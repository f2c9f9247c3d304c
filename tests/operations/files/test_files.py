"""files operations: (arguments, facts) -> commands tables."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import shlex
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from corral.facts._util.shelltext import escape_value
from corral.facts.files import Directory, File, FileContents, FindInFile, Link, Sha256File
from corral.facts.server import Date
from corral.model.command import FileDownloadCommand, FileUploadCommand, HostDiff
from corral.model.errors import (
    BadInput,
    LocalFileMissing,
    OperationError,
    OperationTypeError,
    OperationValueError,
)
from corral.model.secrets import Secret
from corral.operations import files
from corral.operations.files import _base as edit
from corral.operations.files._sed import DELIMITERS
from corral.testing.optest import fact, plan

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
DATA = {"_deploy_dir": str(HERE)}


def info(user: str = "root", group: str = "root", mode: int = 644, **extra: Any) -> dict[str, Any]:
    when = datetime(2024, 1, 1)
    return {
        "user": user,
        "group": group,
        "mode": mode,
        "size": 10,
        "atime": when,
        "mtime": when,
        "ctime": when,
        **extra,
    }


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


MOTD = (TEMPLATES / "motd").read_bytes()
MOTD_SUM = sha(MOTD)
OTHER_SUM = "0" * 64


# -- files.file ---------------------------------------------------------------------------

FILE_CASES: list[tuple[str, dict[str, Any], dict[Any, Any], list[str]]] = [
    (
        "exists, nothing asked",
        {"path": "/tmp/a"},
        {fact(File, path="/tmp/a"): info(), fact(Directory, path="/tmp"): info(mode=1777)},
        [],
    ),
    (
        "exists, all correct",
        {"path": "/tmp/a", "user": "app", "group": "app", "mode": "640"},
        {
            fact(File, path="/tmp/a"): info("app", "app", 640),
            fact(Directory, path="/tmp"): info(mode=1777),
        },
        [],
    ),
    (
        "create",
        {"path": "/tmp/a", "mode": "640", "user": "app"},
        {fact(File, path="/tmp/a"): None, fact(Directory, path="/tmp"): info(mode=1777)},
        ["[ -d /tmp ] || { mkdir -p /tmp && chown app /tmp ; }", "touch /tmp/a", "chmod 640 /tmp/a",
         "chown app /tmp/a"],
    ),
    (
        "create with the parent",
        {"path": "/srv/x/a", "user": "app", "group": "grp"},
        {fact(File, path="/srv/x/a"): None, fact(Directory, path="/srv/x"): None},
        ["[ -d /srv/x ] || { mkdir -p /srv/x && chown app:grp /srv/x ; }", "touch /srv/x/a",
         "chown app:grp /srv/x/a"],
    ),
    (
        "create, no parent wanted",
        {"path": "/srv/x/a", "create_remote_dir": False},
        {fact(File, path="/srv/x/a"): None},
        ["touch /srv/x/a"],
    ),
    (
        "mode only",
        {"path": "/tmp/a", "mode": 600},
        {fact(File, path="/tmp/a"): info(), fact(Directory, path="/tmp"): info()},
        ["chmod 600 /tmp/a"],
    ),
    (
        "group only",
        {"path": "/tmp/a", "group": "adm"},
        {fact(File, path="/tmp/a"): info(), fact(Directory, path="/tmp"): info()},
        ["chgrp adm /tmp/a"],
    ),
    (
        "symbolic mode always applies",
        {"path": "/tmp/a", "mode": "u+x"},
        {fact(File, path="/tmp/a"): info(), fact(Directory, path="/tmp"): info()},
        ["chmod u+x /tmp/a"],
    ),
    (
        "touch",
        {"path": "/tmp/a", "touch": True},
        {fact(File, path="/tmp/a"): info(), fact(Directory, path="/tmp"): info()},
        ["touch /tmp/a"],
    ),
    (
        "absent, exists",
        {"path": "/tmp/my file", "present": False},
        {fact(File, path="/tmp/my file"): info()},
        ["rm -f '/tmp/my file'"],
    ),
    (
        "absent, already",
        {"path": "/tmp/a", "present": False},
        {fact(File, path="/tmp/a"): None},
        [],
    ),
    (
        "a directory in the way, force",
        {"path": "/tmp/a", "force": True, "force_backup": False},
        {fact(File, path="/tmp/a"): False, fact(Directory, path="/tmp"): info()},
        ["rm -rf /tmp/a", "[ -d /tmp ] || { mkdir -p /tmp ; }", "touch /tmp/a"],
    ),
    (
        "a directory in the way, backup",
        {"path": "/tmp/a", "force": True, "force_backup_dir": "/var/bak"},
        {fact(File, path="/tmp/a"): False, fact(Directory, path="/tmp"): info()},
        ["mv /tmp/a /var/bak/a.$(date +%y%m%d%H%M)", "[ -d /tmp ] || { mkdir -p /tmp ; }",
         "touch /tmp/a"],
    ),
    (
        "leading dash and home",
        {"path": "~/-x y", "present": False},
        {fact(File, path="~/-x y"): info()},
        ["rm -f ~/'-x y'"],
    ),
]


@pytest.mark.parametrize(
    ("args", "facts", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES]
)
def test_file(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(files.file, facts=facts, **args)
    assert result.shell == expected
    assert bool(result.notes) == (not expected)


def test_file_in_the_way_without_force() -> None:
    with pytest.raises(OperationError, match="not a file"):
        plan(
            files.file,
            "/tmp/a",
            facts={fact(File, path="/tmp/a"): False, fact(Directory, path="/tmp"): info()},
        )


# -- files.directory ----------------------------------------------------------------------

DIR_CASES: list[tuple[str, dict[str, Any], Any, list[str]]] = [
    (
        "exists, correct",
        {"path": "/srv/www", "user": "www", "mode": "755"},
        info("www", "root", 755),
        [],
    ),
    ("exists, nothing asked", {"path": "/srv/www"}, info(), []),
    (
        "create",
        {"path": "/srv/www", "user": "www", "group": "www", "mode": 750},
        None,
        ["install -d -m 750 -o www -g www /srv/www"],
    ),
    (
        "create recursive",
        {"path": "/srv/www", "user": "www", "recursive": True},
        None,
        ["install -d -o www /srv/www"],
    ),
    (
        "create, group and setgid mode",
        {"path": "/srv/my dir", "group": "staff", "mode": "2775"},
        None,
        ["install -d -m 2775 -g staff '/srv/my dir'"],
    ),
    ("mode only", {"path": "/srv/www", "mode": "0700"}, info(mode=755), ["chmod 700 /srv/www"]),
    (
        "owner only, recursive",
        {"path": "/srv/www", "user": "www", "recursive": True},
        info(),
        ["chown -R www /srv/www"],
    ),
    ("absent, exists", {"path": "/srv/www", "present": False}, info(), ["rm -rf /srv/www"]),
    ("absent, already", {"path": "/srv/www", "present": False}, None, []),
    (
        "a file in the way, force",
        {"path": "/srv/www", "force": True},
        False,
        ["mv /srv/www /srv/www.$(date +%y%m%d%H%M)", "mkdir -p /srv/www"],
    ),
]


@pytest.mark.parametrize(
    ("args", "current", "expected"), [c[1:] for c in DIR_CASES], ids=[c[0] for c in DIR_CASES]
)
def test_directory(args: dict[str, Any], current: Any, expected: list[str]) -> None:
    result = plan(files.directory, facts={fact(Directory, path=args["path"]): current}, **args)
    assert result.shell == expected
    assert bool(result.notes) == (not expected)


def test_directory_in_the_way_without_force() -> None:
    with pytest.raises(OperationError, match="not a directory"):
        plan(files.directory, "/srv", facts={fact(Directory, path="/srv"): False})


# -- files.link ---------------------------------------------------------------------------

LINK_CASES: list[tuple[str, dict[str, Any], dict[Any, Any], list[str]]] = [
    (
        "correct",
        {"path": "/etc/l", "target": "/etc/t"},
        {
            fact(Link, path="/etc/l"): info(mode=777, link_target="/etc/t"),
            fact(Directory, path="/etc"): info(mode=755),
        },
        [],
    ),
    (
        "create",
        {"path": "/etc/l", "target": "../t x"},
        {fact(Link, path="/etc/l"): None, fact(Directory, path="/etc"): info()},
        ["[ -d /etc ] || { mkdir -p /etc ; }", "ln -sfn -- '../t x' /etc/l"],
    ),
    (
        "create hard, owned",
        {"path": "/etc/l", "target": "/etc/t", "symbolic": False, "user": "app"},
        {fact(Link, path="/etc/l"): None, fact(Directory, path="/etc"): info()},
        ["[ -d /etc ] || { mkdir -p /etc && chown app /etc ; }", "ln -f -- /etc/t /etc/l",
         "chown -h app /etc/l"],
    ),
    (
        "create with the parent",
        {"path": "/opt/app/cur", "target": "v2"},
        {fact(Link, path="/opt/app/cur"): None, fact(Directory, path="/opt/app"): None},
        ["[ -d /opt/app ] || { mkdir -p /opt/app ; }", "ln -sfn -- v2 /opt/app/cur"],
    ),
    (
        "parent is a link",
        {"path": "/opt/app/cur", "target": "v2"},
        {
            fact(Link, path="/opt/app/cur"): None,
            fact(Directory, path="/opt/app"): False,
            fact(Link, path="/opt/app"): info(link_target="/data/app"),
        },
        ["[ -d /opt/app ] || { mkdir -p /opt/app ; }", "ln -sfn -- v2 /opt/app/cur"],
    ),
    (
        "retarget",
        {"path": "/etc/l", "target": "/etc/new"},
        {
            fact(Link, path="/etc/l"): info(link_target="/etc/t"),
            fact(Directory, path="/etc"): info(),
        },
        ["ln -sfn -- /etc/new /etc/l"],
    ),
    (
        "owner only",
        {"path": "/etc/l", "target": "/etc/t", "group": "adm"},
        {
            fact(Link, path="/etc/l"): info(link_target="/etc/t"),
            fact(Directory, path="/etc"): info(),
        },
        ["chgrp -h adm /etc/l"],
    ),
    (
        "absent, exists",
        {"path": "/etc/l", "present": False},
        {fact(Link, path="/etc/l"): info(link_target="/x")},
        ["rm -f /etc/l"],
    ),
    (
        "absent, already",
        {"path": "/etc/l", "present": False},
        {fact(Link, path="/etc/l"): None},
        [],
    ),
    (
        "a file in the way, force",
        {"path": "/etc/l", "target": "/t", "force": True, "force_backup": False},
        {fact(Link, path="/etc/l"): False, fact(Directory, path="/etc"): info()},
        ["rm -rf /etc/l", "[ -d /etc ] || { mkdir -p /etc ; }", "ln -sfn -- /t /etc/l"],
    ),
]


@pytest.mark.parametrize(
    ("args", "facts", "expected"), [c[1:] for c in LINK_CASES], ids=[c[0] for c in LINK_CASES]
)
def test_link(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(files.link, facts=facts, **args)
    assert result.shell == expected
    assert bool(result.notes) == (not expected)


def test_link_needs_target() -> None:
    with pytest.raises(OperationError, match="target"):
        plan(files.link, "/etc/l", facts={})


# -- files.line ---------------------------------------------------------------------------


def _fif(path: str, pattern: str, value: Any, **kw: Any) -> tuple[Any, Any]:
    return fact(FindInFile, path=path, pattern=pattern, interpolate_variables=False, **kw), value


def locked(path: str, command: str) -> str:
    """A command run under the edit lock of ``path`` (its directory's flock)."""
    return f"{edit.lock(path)}; {command}"


def appended(path: str, word: str, backup: bool | str = False) -> str:
    """The append of a line (``word``, one sh word) to ``path``, as a line of its own, all
    or nothing (the shell text is run for real in test_files_shell.py)."""
    return edit.append(path, word, backup).render()


LINE_CASES: list[tuple[str, dict[str, Any], list[tuple[Any, Any]], list[str]]] = [
    (
        "present already",
        {"path": "/etc/f", "line": "foo=1"},
        [_fif("/etc/f", "^.*foo=1.*$", ["foo=1"])],
        [],
    ),
    (
        "append",
        {"path": "/etc/f", "line": "foo=1"},
        [_fif("/etc/f", "^.*foo=1.*$", [])],
        [appended("/etc/f", "foo=1")],
    ),
    (
        "append to a missing file, anchors stripped",
        {"path": "/etc/f", "line": "^a b$"},
        [_fif("/etc/f", "^a b$", None)],
        [appended("/etc/f", "'a b'")],
    ),
    (
        "append, escaped",
        {"path": "/etc/f", "line": "*/5 * cmd", "escape_regex_characters": True},
        [_fif("/etc/f", "^.*\\*/5 \\* cmd.*$", [])],
        [appended("/etc/f", "'*/5 * cmd'")],
    ),
    (
        "replace a line",
        {"path": "/etc/f", "line": "^foo=", "replace": "foo=2"},
        [_fif("/etc/f", "^foo=.*$", ["foo=1"]), _fif("/etc/f", "^foo=2$", [])],
        [locked("/etc/f", "LC_ALL=C sed -i 's/^foo=.*$/foo=2/' /etc/f")],
    ),
    (
        "replace, already right",
        {"path": "/etc/f", "line": "^foo=", "replace": "foo=2"},
        [_fif("/etc/f", "^foo=.*$", ["foo=2"]), _fif("/etc/f", "^foo=2$", ["foo=2"])],
        [],
    ),
    (
        "replace, no match, append",
        {"path": "/etc/f", "line": "^foo=", "replace": "foo=2"},
        [_fif("/etc/f", "^foo=.*$", []), _fif("/etc/f", "^foo=2$", [])],
        [appended("/etc/f", "foo=2")],
    ),
    (
        "replace with slashes, backup",
        {"path": "/etc/f", "line": "^path=", "replace": "path=/a|b", "backup": True},
        [_fif("/etc/f", "^path=.*$", ["path=/x"]), _fif("/etc/f", "^path=/a|b$", [])],
        [locked("/etc/f", "LC_ALL=C sed -i.$(date +%y%m%d%H%M) 's#^path=.*$#path=/a|b#' /etc/f")],
    ),
    (
        "replace with & and \\1: written as they are",
        {"path": "/etc/f", "line": "^k=", "replace": "k=a&b\\1\\"},
        [_fif("/etc/f", "^k=.*$", ["k=x"]), _fif("/etc/f", "^k=a&b\\\\1\\\\$", [])],
        [locked("/etc/f", "LC_ALL=C sed -i 's/^k=.*$/k=a\\&b\\\\1\\\\/' /etc/f")],
    ),
    (
        "remove",
        {"path": "/etc/f", "line": "^foo=", "present": False},
        [_fif("/etc/f", "^foo=.*$", ["foo=1"])],
        [locked("/etc/f", "LC_ALL=C sed -i '/^foo=.*$/d' /etc/f")],
    ),
    (
        "remove with a slash, lowercase i: an address flag I",
        {"path": "/etc/f", "line": "/mnt", "present": False, "flags": ["i"], "backup": "bak"},
        [_fif("/etc/f", "^.*/mnt.*$", ["/mnt x"])],
        [locked("/etc/f", "LC_ALL=C sed -i.bak '\\#^.*/mnt.*$#Id' /etc/f")],
    ),
    (
        "remove, absent",
        {"path": "/etc/f", "line": "foo", "present": False},
        [_fif("/etc/f", "^.*foo.*$", [])],
        [],
    ),
    (
        "remove, no file",
        {"path": "/etc/f", "line": "foo", "present": False},
        [_fif("/etc/f", "^.*foo.*$", None)],
        [],
    ),
    (
        "interpolate",
        {"path": "/etc/f", "line": 'home="$HOME" $(id) `id`', "interpolate_variables": True},
        [
            (
                fact(
                    FindInFile,
                    path="/etc/f",
                    pattern='^.*home="$HOME" $(id) `id`.*$',
                    interpolate_variables=True,
                ),
                [],
            )
        ],
        [appended("/etc/f", '"home=\\"${HOME}\\" \\$(id) \\`id\\`"')],
    ),
    (
        "interpolate, replace: the expanded line is already there",
        {"path": "/etc/f", "line": "^home=", "replace": "home=$HOME",
         "interpolate_variables": True},
        [
            (fact(FindInFile, path="/etc/f", pattern="^home=.*$", interpolate_variables=True),
             ["home=/root"]),
            (fact(FindInFile, path="/etc/f", pattern="^home=${HOME}$",
                  interpolate_variables=True), ["home=/root"]),
        ],
        [],
    ),
    (
        "interpolate, replace a wrong line: the value is escaped on the host first",
        {"path": "/etc/f", "line": "^home=", "replace": "home=$HOME",
         "interpolate_variables": True},
        [
            (fact(FindInFile, path="/etc/f", pattern="^home=.*$", interpolate_variables=True),
             ["home=/old"]),
            (fact(FindInFile, path="/etc/f", pattern="^home=${HOME}$",
                  interpolate_variables=True), []),
        ],
        [locked("/etc/f", escape_value("HOME", "__cv1_0", "\\&\n/")
                + '; LC_ALL=C sed -i "s/^home=.*\\$/home=${__cv1_0}/" /etc/f')],
    ),
    (
        "ensure newline (always), backup",
        {"path": "/etc/f", "line": "x", "ensure_newline": True, "backup": True},
        [_fif("/etc/f", "^.*x.*$", [])],
        [appended("/etc/f", "x", backup=True)],
    ),
    (
        "extended",
        {"path": "/etc/f", "line": "^a+$", "replace": "a(1)", "extended_regex": True},
        [
            _fif("/etc/f", "^a+$", ["aa"], extended_regex=True),
            _fif("/etc/f", "^a\\(1\\)$", [], extended_regex=True),
        ],
        [locked("/etc/f", "LC_ALL=C sed -E -i 's/^a+$/a(1)/' /etc/f")],
    ),
    (
        "sed-only escapes are rewritten so grep reads them too",
        {"path": "/etc/f", "line": "^a\\tb", "replace": "a\tc"},
        [_fif("/etc/f", "^a\tb.*$", ["a\tb"]), _fif("/etc/f", "^a\tc$", [])],
        [locked("/etc/f", "LC_ALL=C sed -i '" + "s/^a\tb.*$/a\tc/" + "' /etc/f")],
    ),
]


@pytest.mark.parametrize(
    ("args", "facts", "expected"), [c[1:] for c in LINE_CASES], ids=[c[0] for c in LINE_CASES]
)
def test_line(args: dict[str, Any], facts: list[tuple[Any, Any]], expected: list[str]) -> None:
    result = plan(files.line, facts=dict(facts), **args)
    assert result.shell == expected
    assert bool(result.notes) == (not expected)


def test_line_secret_is_masked() -> None:
    result = plan(
        files.line,
        "/etc/f",
        Secret("pw=hunter2"),
        facts=dict([_fif("/etc/f", "^.*pw=hunter2.*$", [])]),
    )
    shown = [str(c) for c in result.commands]
    assert shown == [appended("/etc/f", "pw=hunter2").replace("__l=pw=hunter2", "***")]
    assert result.shell == [appended("/etc/f", "pw=hunter2")]
    assert result.commands[0].has_secrets()


@pytest.mark.parametrize(("args", "message"), [
    ({"line": "^a", "replace": "b", "flags": ["e"]}, "bad sed flags"),
    ({"line": "^a", "replace": "b", "flags": ["w /tmp/x"]}, "bad sed flags"),
    ({"line": "^a", "replace": "b", "flags": ["p"]}, "bad sed flags"),
    ({"line": "^a", "replace": "b", "flags": ["g", "g"]}, "given twice"),
    ({"line": "^a", "replace": "b", "flags": ["0"]}, "bad sed flags"),
    ({"line": "^a", "replace": "b", "flags": ["g;e"]}, "bad sed flags"),
    ({"line": "^a", "present": False, "flags": ["e"]}, "bad sed flags"),
    ({"line": "^a[", "replace": "b"}, "bracket expression"),
    ({"line": "^a\\(", "replace": "b"}, "group"),
    ({"line": "^a\\1", "replace": "b"}, "refers to no group"),
    ({"line": "a\\", "replace": "b"}, "lone backslash"),
    ({"line": "^a{1", "replace": "b", "extended_regex": True}, "interval"),
    ({"line": "^*a", "replace": "b", "extended_regex": True}, "nothing to repeat"),
    ({"line": "^[[:foo:]]", "replace": "b"}, "not a character class"),
    ({"line": "^a\nb"}, "newline"),
    ({"line": "^a", "replace": "b\nc"}, "newline"),
    ({"line": "^a", "replace": "b", "backup": "../x"}, "backup extension"),
])
def test_line_bad_input_is_refused_when_planned(args: dict[str, Any], message: str) -> None:
    """Arguments grep or sed would refuse, or that would run commands or write files
    (sed's e and w flags), are bad input before any fact is read."""
    with pytest.raises(BadInput, match=message) as caught:
        plan(files.line, "/etc/f", facts={}, **args)
    assert "MissingFact" not in repr(caught.value)


# -- files.replace ------------------------------------------------------------------------

REPLACE_CASES: list[tuple[str, dict[str, Any], Any, list[str]]] = [
    (
        "matches",
        {"path": "/etc/motd", "text": "wellcome", "replace": "welcome"},
        ["wellcome!"],
        [locked("/etc/motd", "LC_ALL=C sed -i s/wellcome/welcome/ /etc/motd")],
    ),
    ("no match", {"path": "/etc/motd", "text": "wellcome", "replace": "welcome"}, [], []),
    (
        "missing file",
        {"path": "/etc/motd", "text": "a", "replace": "b", "flags": ["g"]},
        None,
        [locked("/etc/motd", "LC_ALL=C sed -i s/a/b/g /etc/motd")],
    ),
    (
        "old name match, quotes",
        {"path": "/etc/motd", "match": "it's", "replace": "it is"},
        ["it's"],
        [locked("/etc/motd", "LC_ALL=C sed -i 's/it'\"'\"'s/it is/' /etc/motd")],
    ),
    (
        "sed syntax kept for groups, & literal as in pyinfra; a delimiter the text lacks",
        {"path": "/etc/motd", "text": "\\(a/b\\)", "replace": "[&] \\1 \\&"},
        ["a/b"],
        [locked("/etc/motd", "LC_ALL=C sed -i 's#\\(a/b\\)#[\\&] \\1 \\&#' /etc/motd")],
    ),
    (
        "every delimiter in the text: the unescaped ones escaped, a lone backslash too",
        {"path": "/etc/motd", "text": "x", "replace": DELIMITERS + "\\/\\"},
        ["x"],
        [locked("/etc/motd", "LC_ALL=C sed -i " + shlex.quote(
            "s/x/\\/" + DELIMITERS[1:] + "\\/\\\\/") + " /etc/motd")],
    ),
]


@pytest.mark.parametrize(
    ("args", "found", "expected"), [c[1:] for c in REPLACE_CASES], ids=[c[0] for c in REPLACE_CASES]
)
def test_replace(args: dict[str, Any], found: Any, expected: list[str]) -> None:
    pattern = args.get("text") or args["match"]
    result = plan(files.replace, facts=dict([_fif(args["path"], pattern, found)]), **args)
    assert result.shell == expected
    assert bool(result.notes) == (not expected)


def test_replace_needs_text() -> None:
    with pytest.raises(OperationTypeError, match="text"):
        plan(files.replace, "/etc/motd", replace="x", facts={})


@pytest.mark.parametrize(("args", "message"), [
    ({"text": "a", "replace": "\\1"}, "has 0 groups"),
    ({"text": "\\(a\\)", "replace": "\\2"}, "has 1 group"),
    ({"text": "a", "replace": "b", "flags": ["e"]}, "bad sed flags"),
    ({"text": "a", "replace": "b", "flags": ["w"]}, "bad sed flags"),
    ({"text": "a", "replace": "\\c"}, "followed by a letter"),
    ({"text": "[a", "replace": "b"}, "bracket"),
])
def test_replace_bad_input(args: dict[str, Any], message: str) -> None:
    with pytest.raises(BadInput, match=message):
        plan(files.replace, "/etc/motd", facts={}, **args)


# -- files.put ----------------------------------------------------------------------------


def _put_facts(
    dest: str, current: Any, remote_sum: str | None, parent: Any = None, **more: Any
) -> dict[Any, Any]:
    facts = {
        fact(File, path=dest): current,
        fact(Sha256File, path=dest): remote_sum,
        fact(Directory, path=os.path.dirname(dest)): parent
        if parent is not None
        else info(mode=755),
    }
    for path, value in more.items():
        facts[fact(FileContents, path=path)] = value
    return facts


PUT_CASES: list[tuple[str, dict[str, Any], dict[Any, Any], list[str]]] = [
    (
        "same content",
        {"src": "templates/motd", "dest": "/etc/motd", "mode": "644"},
        _put_facts("/etc/motd", info(), MOTD_SUM),
        [],
    ),
    (
        "new file",
        {"src": "templates/motd", "dest": "/etc/motd", "mode": "600", "user": "app"},
        _put_facts("/etc/motd", None, None),
        ["[ -d /etc ] || { mkdir -p /etc && chown app /etc ; }", "upload /etc/motd"],
    ),
    (
        "new file, new parent",
        {"src": "templates/motd", "dest": "/srv/a/motd", "group": "g"},
        _put_facts("/srv/a/motd", None, None, parent=False)
        | {fact(Directory, path="/srv/a"): None},
        ["[ -d /srv/a ] || { mkdir -p /srv/a && chgrp g /srv/a ; }", "upload /srv/a/motd"],
    ),
    (
        "changed content",
        {"src": "templates/motd", "dest": "/etc/motd"},
        {
            **_put_facts("/etc/motd", info("app", "adm", 640), OTHER_SUM),
        },
        ["upload /etc/motd"],
    ),
    (
        "metadata only",
        {"src": "templates/motd", "dest": "/etc/motd", "mode": 600, "user": "app"},
        _put_facts("/etc/motd", info(), MOTD_SUM),
        ["chmod 600 /etc/motd", "chown app /etc/motd"],
    ),
    (
        "force",
        {"src": "templates/motd", "dest": "/etc/motd", "force": True},
        {
            **_put_facts("/etc/motd", info(), MOTD_SUM),
        },
        ["upload /etc/motd"],
    ),
    (
        "into a directory",
        {"src": "templates/motd", "dest": "/etc"},
        {
            fact(File, path="/etc"): False,
            fact(Sha256File, path="/etc"): None,
            fact(Directory, path="/etc"): info(mode=755),
            fact(Directory, path="/"): info(),
            fact(File, path="/etc/motd"): info(),
            fact(Sha256File, path="/etc/motd"): MOTD_SUM,
        },
        [],
    ),
]


@pytest.mark.parametrize(
    ("args", "facts", "expected"), [c[1:] for c in PUT_CASES], ids=[c[0] for c in PUT_CASES]
)
def test_put(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(files.put, facts=facts, data=DATA, **args)
    assert result.shell == expected
    assert bool(result.notes) == (not expected)


def test_put_upload_carries_metadata_and_diff() -> None:
    """The old text of the diff is the engine's to read, with the change: not a fact."""
    facts = _put_facts("/etc/motd", info("app", "adm", 640), OTHER_SUM)
    result = plan(files.put, "templates/motd", "/etc/motd", group="root", facts=facts, data=DATA)
    assert result.commands == [
        FileUploadCommand(MOTD, "/etc/motd", mode="640", user="app", group="root")
    ]
    assert result.diffs == []
    assert result.host_diffs == [HostDiff("/etc/motd", "motd text\n")]
    assert all(k[0] is not FileContents for k in result.facts_read)


def test_put_new_file_reads_no_contents() -> None:
    result = plan(
        files.put,
        io.StringIO("hi\n"),
        "/etc/x",
        mode="0600",
        user="u",
        facts=_put_facts("/etc/x", None, None),
    )
    assert result.commands[1:] == [FileUploadCommand(b"hi\n", "/etc/x", mode="600", user="u")]
    assert result.shell[0] == "[ -d /etc ] || { mkdir -p /etc && chown u /etc ; }"
    assert [(d.old, d.new) for d in result.diffs] == [(None, "hi\n")]
    assert all(k[0] is not FileContents for k in result.facts_read)


def test_put_mode_true_copies_local_mode(tmp_path: Path) -> None:
    src = tmp_path / "script"
    src.write_bytes(b"#!/bin/sh\n")
    src.chmod(0o750)
    result = plan(
        files.put,
        str(src),
        "/usr/local/bin/s",
        mode=True,
        facts=_put_facts("/usr/local/bin/s", None, None),
    )
    assert result.commands[-1].mode == "750"


def test_put_missing_local_file() -> None:
    with pytest.raises(BadInput, match=r"nope\.txt"):
        plan(files.put, "nope.txt", "/etc/x", facts={}, data=DATA)


def test_put_assume_exists_uploads_the_path() -> None:
    # not there yet, in the working directory nor the deploy directory: the working
    # directory's path, as pyinfra's
    result = plan(
        files.put,
        "later.txt",
        "/etc/x",
        assume_exists=True,
        data=DATA,
        facts=_put_facts("/etc/x", info(), OTHER_SUM),
    )
    assert result.commands == [
        FileUploadCommand(os.path.join(os.getcwd(), "later.txt"), "/etc/x", mode="644",
                          user="root", group="root", owner_kept=True)
    ]


def test_put_file_like_into_directory_fails() -> None:
    facts = {
        fact(File, path="/etc"): False,
        fact(Sha256File, path="/etc"): None,
        fact(Directory, path="/etc"): info(),
        fact(Directory, path="/"): info(),
    }
    with pytest.raises(OperationTypeError):
        plan(files.put, io.BytesIO(b"x"), "/etc", facts=facts)


# -- files.get ----------------------------------------------------------------------------


def test_get_cases(tmp_path: Path) -> None:
    local = tmp_path / "release"
    facts = {fact(File, path="/etc/os-release"): info()}
    # no local copy: download
    result = plan(files.get, "/etc/os-release", str(local), facts=facts)
    assert result.commands == [FileDownloadCommand("/etc/os-release", str(local))]
    # same local copy: nothing
    local.write_bytes(b"ID=debian\n")
    facts[fact(Sha256File, path="/etc/os-release")] = sha(b"ID=debian\n")
    result = plan(files.get, "/etc/os-release", str(local), facts=facts)
    assert result.commands == [] and result.notes
    # different: download; force: download
    facts[fact(Sha256File, path="/etc/os-release")] = OTHER_SUM
    assert plan(files.get, "/etc/os-release", str(local), facts=facts).shell == [
        "download /etc/os-release"
    ]
    # a relative dest whose directory is in neither the working directory nor the deploy
    # directory: the working directory's (as pyinfra's); the local directory is made when
    # the download is written, not while planning (a --dry run makes nothing)
    work = tmp_path / "work"
    work.mkdir()
    with contextlib.chdir(work):
        result = plan(files.get, "/etc/os-release", "out/release", create_local_dir=True,
                      facts=facts, data={"_deploy_dir": str(tmp_path)})
    assert result.commands == [
        FileDownloadCommand("/etc/os-release", str(work / "out/release"))
    ]
    assert not (work / "out").exists()
    # the deploy directory when only it holds dest's directory
    (tmp_path / "keep").mkdir()
    with contextlib.chdir(work):
        result = plan(files.get, "/etc/os-release", Path("keep/release"), facts=facts,
                      data={"_deploy_dir": str(tmp_path)})
    assert result.commands == [
        FileDownloadCommand("/etc/os-release", str(tmp_path / "keep/release"))
    ]


# -- files.template -----------------------------------------------------------------------


def test_template_renders_and_uploads() -> None:
    content = b"hello world\n"
    result = plan(
        files.template,
        "templates/hello.j2",
        "/etc/hello",
        mode="640",
        who="world",
        facts=_put_facts("/etc/hello", None, None),
        data=DATA,
    )
    assert result.commands[-1:] == [FileUploadCommand(content, "/etc/hello", mode="640")]


def test_template_already_correct() -> None:
    result = plan(
        files.template,
        "templates/hello.j2",
        "/etc/hello",
        who="world",
        data=DATA,
        facts=_put_facts("/etc/hello", info(), sha(b"hello world\n")),
    )
    assert result.commands == [] and result.notes


def test_template_metadata_only() -> None:
    result = plan(
        files.template,
        "templates/hello.j2",
        "/etc/hello",
        who="world",
        user="app",
        data=DATA,
        facts=_put_facts("/etc/hello", info(), sha(b"hello world\n")),
    )
    assert result.shell == ["chown app /etc/hello"]


def test_template_host_and_secret() -> None:
    src = io.StringIO("{{ host.name }} {{ pw }}\n")
    result = plan(
        files.template, src, "/etc/x", pw=Secret("s3cret"), facts=_put_facts("/etc/x", None, None)
    )
    assert result.commands[-1].content() == b"testhost s3cret\n"
    assert result.diffs[0].secret


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("undefined.j2", 2, "missing_var"),
        ("syntax.j2", 3, "syntax"),
    ],
)
def test_template_errors(name: str, line: int, message: str) -> None:
    with pytest.raises(BadInput, match=message) as caught:
        plan(files.template, f"templates/{name}", "/etc/x", facts={}, data=DATA)
    assert caught.value.file == str(TEMPLATES / name)
    assert caught.value.line == line


def test_template_missing_file() -> None:
    with pytest.raises(BadInput, match=r"absent\.j2"):
        plan(files.template, "templates/absent.j2", "/etc/x", facts={}, data=DATA)


# -- local paths: str, pathlib.Path, importlib.resources; working directory first ------------


def test_a_relative_src_is_looked_for_in_the_working_directory_then_the_deploy_directory(
        tmp_path: Path) -> None:
    deploy_dir, work = tmp_path / "deploy", tmp_path / "work"
    for d in (deploy_dir / "files", work / "files"):
        d.mkdir(parents=True)
    (work / "files" / "both.txt").write_text("work\n")
    (deploy_dir / "files" / "both.txt").write_text("deploy\n")
    (deploy_dir / "files" / "deploy-only.txt").write_text("deploy only\n")
    data = {"_deploy_dir": str(deploy_dir)}
    facts = {**_put_facts("/etc/a", None, None), **_put_facts("/etc/b", None, None)}
    with contextlib.chdir(work):
        both = plan(files.put, Path("files/both.txt"), "/etc/a", data=data, facts=facts)
        only = plan(files.put, "files/deploy-only.txt", "/etc/b", data=data, facts=facts)
        with pytest.raises(LocalFileMissing) as caught:
            plan(files.put, "files/none.txt", "/etc/a", data=data, facts=facts)
    # as pyinfra: the working directory's; the deploy directory's when only it has one
    assert both.commands[-1].src == b"work\n"
    assert only.commands[-1].src == b"deploy only\n"
    # bad input (one line, exit 4) that deploy code may catch as IOError, naming both places
    assert isinstance(caught.value, OSError) and isinstance(caught.value, BadInput)
    assert caught.value.errno == errno.ENOENT
    assert str(work / "files/none.txt") in str(caught.value)
    assert str(deploy_dir / "files/none.txt") in str(caught.value)


def test_template_from_a_path_and_from_a_zip_resource(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("hello {{ who }}\n")
    archive = tmp_path / "res.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("pkg/t.j2", "zipped {{ who }}\n")
    facts = _put_facts("/etc/t", None, None)
    from_path = plan(files.template, tmp_path / "t.j2", "/etc/t", who="path", facts=facts)
    from_zip = plan(files.template, zipfile.Path(archive, "pkg/t.j2"), "/etc/t", who="zip",
                    facts=facts)
    put_zip = plan(files.put, zipfile.Path(archive, "pkg/t.j2"), "/etc/t", facts=facts)
    assert from_path.commands[-1].src == b"hello path\n"  # it crashed: 'PosixPath' ... 'read'
    assert from_zip.commands[-1].src == b"zipped zip\n"
    assert put_zip.commands[-1].src == b"zipped {{ who }}\n"
    with pytest.raises(LocalFileMissing):
        plan(files.template, zipfile.Path(archive, "pkg/none.j2"), "/etc/t", facts=facts)


def test_template_includes_are_found_from_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "deploy").mkdir()
    (tmp_path / "work" / "templates").mkdir(parents=True)
    (tmp_path / "work" / "templates" / "main.j2").write_text(
        "{% include 'templates/part.j2' %}")
    (tmp_path / "work" / "templates" / "part.j2").write_text("part\n")
    with contextlib.chdir(tmp_path / "work"):
        result = plan(files.template, "templates/main.j2", "/etc/t",
                      data={"_deploy_dir": str(tmp_path / "deploy")},
                      facts=_put_facts("/etc/t", None, None))
    assert result.commands[-1].src == b"part\n"


def test_changes_keys() -> None:
    spec = files.put._spec
    assert spec.change_keys(("a", "/etc/motd"), {}) == {("path", "/etc/motd")}
    assert files.line._spec.change_keys((), {"path": "/etc/f", "line": "x"}) == {("path", "/etc/f")}
    assert files.get._spec.change_keys(("/a", "b"), {}) == frozenset()


def test_directory_no_fail_on_link_and_no_check_owner_mode() -> None:
    """pyinfra's two private keywords (``server.user`` passes them for a home): a link at
    the path counts as the directory; an existing directory's owner and mode are left."""
    link = {"link_target": "/data/www", "user": "root", "group": "root", "mode": 777}
    facts = {fact(Directory, path="/srv/www"): False, fact(Link, path="/srv/www"): link}
    result = plan(files.directory, path="/srv/www", user="www", _no_fail_on_link=True,
                  facts=facts)
    assert result.shell == [] and result.notes
    with pytest.raises(OperationError, match="not a directory"):  # without it: as before
        plan(files.directory, path="/srv/www", facts=facts)
    # a file (no link) in the way still fails
    not_link = {fact(Directory, path="/srv/www"): False, fact(Link, path="/srv/www"): None}
    with pytest.raises(OperationError, match="not a directory"):
        plan(files.directory, path="/srv/www", _no_fail_on_link=True, facts=not_link)
    owned = {fact(Directory, path="/srv/www"): info(mode=755)}
    assert plan(files.directory, path="/srv/www", user="www", mode="700",
                _no_check_owner_mode=True, facts=owned).shell == []
    assert plan(files.directory, path="/srv/www", mode="700", facts=owned).shell == [
        "chmod 700 /srv/www"]


# -- files.put atime / mtime ----------------------------------------------------------------

T2024 = "2024-01-01T00:00:00Z"
T2020 = "2020-02-03T04:05:06Z"
HOST_TZ = {fact(Date): datetime(2024, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))}


@pytest.mark.parametrize(("times", "facts", "expected"), [
    pytest.param({"mtime": "2024-01-01T00:00:00+00:00"}, _put_facts("/etc/motd", info(),
                 MOTD_SUM), [], id="already correct"),
    pytest.param({"mtime": 1704067200.4}, _put_facts("/etc/motd", info(), MOTD_SUM), [],
                 id="a timestamp, compared to the second"),
    pytest.param({"mtime": "2020-02-03T04:05:06+00:00", "atime": 1704067200},
                 _put_facts("/etc/motd", info(), MOTD_SUM),
                 [f"touch -m -d {T2020} -- /etc/motd"], id="only the time that differs"),
    pytest.param({"mtime": "2020-02-03T06:05:06"}, {**_put_facts("/etc/motd", info(),
                 MOTD_SUM), **HOST_TZ}, [f"touch -m -d {T2020} -- /etc/motd"],
                 id="without a zone: the host's"),
    pytest.param({"mtime": datetime(2024, 1, 1, 2, 0)}, {**_put_facts("/etc/motd", info(),
                 MOTD_SUM), **HOST_TZ}, [], id="a naive datetime: the host's zone"),
    pytest.param({"mtime": 1704067200, "atime": 1580702706},
                 _put_facts("/etc/motd", info("app", "adm", 640), OTHER_SUM),
                 ["upload /etc/motd", f"touch -m -d {T2024} -- /etc/motd",
                  f"touch -a -d {T2020} -- /etc/motd"],
                 id="an upload sets both, modification first"),
    pytest.param({"mtime": "/etc/hostname"},
                 {**_put_facts("/etc/motd", info(), MOTD_SUM),
                  fact(File, path="/etc/hostname"): info(mtime=datetime(2020, 2, 3, 4, 5, 6))},
                 [f"touch -m -d {T2020} -- /etc/motd"], id="copied from a file on the host"),
])
def test_put_times(times: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(files.put, "templates/motd", "/etc/motd", facts=facts, data=DATA, **times)
    assert result.shell == expected


def test_put_mtime_true_is_the_local_files(tmp_path: Path) -> None:
    local = tmp_path / "motd"
    local.write_text("motd text\n")
    os.utime(local, (1580702706, 1580702706))
    facts = _put_facts("/etc/motd", info(), MOTD_SUM)
    # (atime=True is the local file's access time when planned: reading it to hash it may
    # have moved it, as with pyinfra)
    assert plan(files.put, str(local), "/etc/motd", mtime=True,
                facts=facts).shell == [f"touch -m -d {T2020} -- /etc/motd"]
    with pytest.raises(OperationValueError, match="local file"):
        plan(files.put, io.BytesIO(b"x"), "/etc/motd", mtime=True, facts=facts)


@pytest.mark.parametrize("spec", ["yesterday", "etc/hostname", "/nowhere", float("inf")])
def test_put_bad_times_are_refused(spec: Any) -> None:
    facts = {**_put_facts("/etc/motd", info(), MOTD_SUM), fact(File, path="/nowhere"): None}
    with pytest.raises(OperationValueError, match="mtime"):
        plan(files.put, "templates/motd", "/etc/motd", mtime=spec, facts=facts, data=DATA)
