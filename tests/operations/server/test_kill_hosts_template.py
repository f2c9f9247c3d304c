"""server.kill, server.etc_hosts and server.script_template as (args, facts) -> commands."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corral.facts.files import File, FileBytes
from corral.facts.server import EtcHosts
from corral.model.command import FileUploadCommand
from corral.model.errors import OperationValueError
from corral.operations import server
from corral.operations.files import _base as edit
from corral.operations.server import _more as _server_more
from corral.testing.optest import fact, plan

# -- kill -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("args", "expected"), [
    ({"pid": 1234}, ["kill -TERM 1234"]),
    ({"pid": 1234, "signal": "KILL"}, ["kill -KILL 1234"]),
    ({"pid": 7, "signal": "SIGHUP"}, ["kill -HUP 7"]),
    ({"pid": 7, "signal": "term"}, ["kill -TERM 7"]),
    ({"pid": 7, "signal": "RTMAX-2"}, ["kill -RTMAX-2 7"]),
    ({"pid": 7, "signal": "9"}, ["kill -9 7"]),
    ({"pid": 7, "signal": "RTMIN+3"}, ["kill -RTMIN+3 7"]),
])
def test_kill(args: dict[str, Any], expected: list[str]) -> None:
    assert plan(server.kill, facts={}, **args).shell == expected


@pytest.mark.parametrize("args", [
    {"pid": 0}, {"pid": -1}, {"pid": True}, {"pid": 1, "signal": ""},
    {"pid": 1, "signal": "TERM; reboot"}, {"pid": 1, "signal": "-s"},
    {"pid": 1, "signal": "$(x)"}, {"pid": 1, "signal": "65"}, {"pid": 1, "signal": "NOPE"},
    {"pid": 1, "signal": "RTMIN+16"}, {"pid": 1, "signal": "\u0661"},
])
def test_kill_refuses(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(server.kill, facts={}, **args)


# -- etc_hosts --------------------------------------------------------------------------------

HOSTS = b"127.0.0.1\tlocalhost\n# a comment\n10.0.0.1 db db.internal # the database\n::1 ip6\n"


def hosts_facts(data: bytes | None, path: str = "/etc/hosts") -> dict[Any, Any]:
    parsed = EtcHosts().process(data.decode().splitlines()) if data is not None else {}
    return {fact(EtcHosts, path=path): parsed,
            fact(File, path=path): None if data is None else {"mode": 644, "user": "root",
                                                              "group": "root", "size": 1},
            fact(FileBytes, path=path): data}


def edited(path: str, old: bytes | None, new: bytes) -> list[str]:
    stage = edit.staging_path(path, new)
    return [f"upload {stage}", edit.commit(path, stage, old, False).render()]


CASES: list[tuple[dict[str, Any], bytes | None, bytes | None]] = [
    # already correct: nothing to do (the file is not even read)
    ({"ip": "10.0.0.1", "hostnames": ["db", "db.internal"]}, HOSTS, None),
    ({"ip": "10.0.0.1", "hostnames": "db db.internal"}, HOSTS, None),
    # names changed: the line is rewritten, its comment goes, other lines keep their bytes
    ({"ip": "10.0.0.1", "hostnames": ["db"]}, HOSTS,
     b"127.0.0.1\tlocalhost\n# a comment\n10.0.0.1 db\n::1 ip6\n"),
    # a new address is appended
    ({"ip": "192.168.1.10", "hostnames": "app"}, HOSTS, HOSTS + b"192.168.1.10 app\n"),
    # a missing file is created
    ({"ip": "10.0.0.2", "hostnames": ["x"]}, None, b"10.0.0.2 x\n"),
    # a file without a final newline gets one
    ({"ip": "10.0.0.2", "hostnames": ["x"]}, b"127.0.0.1 localhost",
     b"127.0.0.1 localhost\n10.0.0.2 x\n"),
    # removal of every name
    ({"ip": "10.0.0.1", "present": False}, HOSTS,
     b"127.0.0.1\tlocalhost\n# a comment\n::1 ip6\n"),
    ({"ip": "10.9.9.9", "present": False}, HOSTS, None),
    # removal of some names; of the last one
    ({"ip": "10.0.0.1", "hostnames": "db", "present": False}, HOSTS,
     b"127.0.0.1\tlocalhost\n# a comment\n10.0.0.1 db.internal\n::1 ip6\n"),
    ({"ip": "::1", "hostnames": ["ip6"], "present": False}, HOSTS,
     b"127.0.0.1\tlocalhost\n# a comment\n10.0.0.1 db db.internal # the database\n"),
    ({"ip": "10.0.0.1", "hostnames": "other", "present": False}, HOSTS, None),
    # an address on two lines: the first is edited, the second dropped
    ({"ip": "10.0.0.1", "hostnames": ["a", "b"]}, b"10.0.0.1 a\n1.2.3.4 z\n10.0.0.1 c\n",
     b"10.0.0.1 a b\n1.2.3.4 z\n"),
    # a name given twice is written once (the fact reads it once: no change on a re-run)
    ({"ip": "10.0.0.1", "hostnames": "db db.internal db"}, HOSTS, None),
    # another path
    ({"ip": "10.0.0.3", "hostnames": ["y"], "path": "/srv/hosts"}, b"", b"10.0.0.3 y\n"),
]


@pytest.mark.parametrize(("args", "old", "new"), CASES)
def test_etc_hosts(args: dict[str, Any], old: bytes | None, new: bytes | None) -> None:
    path = args.get("path", "/etc/hosts")
    result = plan(server.etc_hosts, facts=hosts_facts(old, path), **args)
    if new is None:
        assert result.commands == [] and result.notes
        return
    assert result.shell == edited(path, old, new)
    upload = result.commands[0]
    assert isinstance(upload, FileUploadCommand) and upload.content() == new


@pytest.mark.parametrize("args", [
    {"ip": "10.0.0.1"},  # present needs names
    {"ip": "10.0.0.1", "hostnames": []},
    {"ip": "not-an-ip", "hostnames": ["a"]},
    {"ip": "10.0.0.1 evil", "hostnames": ["a"]},
    {"ip": "10.0.0.1", "hostnames": ["a#b"]},
    {"ip": "10.0.0.1", "hostnames": ["a\nb"]},
    {"ip": "10.0.0.1", "hostnames": ["a b"]},
    {"ip": "10.0.0.1", "hostnames": [""]},
    {"ip": "10.0.0.1", "hostnames": ["a"], "path": "etc/hosts"},
])
def test_etc_hosts_refuses(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(server.etc_hosts, facts=hosts_facts(HOSTS), **args)


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3),
       st.binary(max_size=80))
def test_etc_hosts_hostile_names_are_refused_or_read_back(names: list[str], old: bytes) -> None:
    """Whatever the names and whatever the file held, a name is refused or the new file
    says exactly those names for the address, and every other address keeps its names."""
    ip = "10.1.2.3"
    try:
        for name in names:
            _server_more._hosts_word("host name", name)
    except OperationValueError:
        with pytest.raises(OperationValueError):
            plan(server.etc_hosts, ip=ip, hostnames=names,
                 facts=hosts_facts(old.decode("utf-8", "replace").encode()))
        return
    text = old.decode("utf-8", "replace").encode()
    new = _server_more.hosts_edit(text, ip, list(dict.fromkeys(names)), True)
    parsed = EtcHosts().process(new.decode().splitlines())
    assert parsed[ip] == list(dict.fromkeys(names))
    before = EtcHosts().process(text.decode().splitlines())
    assert {k: v for k, v in parsed.items() if k != ip} == {
        k: v for k, v in before.items() if k != ip}


# -- script_template --------------------------------------------------------------------------


def test_script_template_renders_uploads_runs_and_removes() -> None:
    src = io.StringIO("#!/bin/sh\necho {{ greeting }} {{ host.name }}\n")
    result = plan(server.script_template, src=src, args=["a b", "$HOME"], greeting="hi",
                  facts={})
    upload, _run = result.commands
    assert isinstance(upload, FileUploadCommand)
    assert upload.content() == b"#!/bin/sh\necho hi testhost\n"
    assert upload.mode == "700" and upload.dest.startswith("/tmp/corral-script-")
    assert result.shell[1] == (f"( {upload.dest} 'a b' '$HOME' ; rc=$?; rm -f {upload.dest} "
                               "; exit $rc )")


def test_script_template_name_depends_on_content() -> None:
    one = plan(server.script_template, src=io.StringIO("#!/bin/sh\necho {{ x }}\n"), x=1,
               facts={})
    two = plan(server.script_template, src=io.StringIO("#!/bin/sh\necho {{ x }}\n"), x=2,
               facts={})
    assert one.commands[0].dest != two.commands[0].dest


def test_every_signal_name_is_one_the_shell_kill_knows() -> None:
    """The names server.kill sends are known to dash's kill (Debian's /bin/sh): each is
    sent for real to a process of its own."""
    import subprocess

    names = [*sorted(_server_more.SIGNALS), "RTMIN+15", "RTMAX-14", "64"]
    script = "; ".join(
        f"sleep 30 & p=$!; kill -{_server_more.signal_word(n)} $p || echo {n}; "
        "kill -KILL $p 2>/dev/null" for n in names)
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
    assert done.stdout == "" and done.stderr == "", done
