"""ssh.keyscan, ssh.command, ssh.upload and ssh.download as (args, facts) -> commands."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corral.facts.files import Directory, File, FindInFile
from corral.facts.server import Home
from corral.model.errors import OperationError, OperationValueError
from corral.operations import ssh
from corral.testing.optest import fact, plan

KNOWN = "/root/.ssh/known_hosts"
SSH_DIR = {"mode": 700, "user": "root", "group": "root"}


def facts(ssh_dir: Any = SSH_DIR, known: dict[str, Any] | None = None) -> dict[Any, Any]:
    """A host whose ~/.ssh is ``ssh_dir`` and whose known_hosts matches ``known``
    (pattern -> lines; a pattern not given matches nothing)."""
    table: dict[Any, Any] = {fact(Home): "/root", fact(Directory, path="/root/.ssh"): ssh_dir}
    for pattern in [r"(^|,)two\.example[ ,]", r"(^|,)\[two\.example\]:2222[ ,]",
                    r"(^|,)::1[ ,]"]:
        table[fact(FindInFile, path=KNOWN, pattern=pattern, extended_regex=True)] = \
            (known or {}).get(pattern, [])
    return table


SCAN = f"ssh-keyscan -p 22 -- two.example >> {KNOWN}"


@pytest.mark.parametrize(("args", "state", "expected"), [
    # already known (by name, or in a list of names)
    ({"hostname": "two.example"},
     {"known": {r"(^|,)two\.example[ ,]": ["two.example ssh-ed25519 AAAA"]}}, []),
    ({"hostname": "two.example"}, {}, [SCAN]),
    ({"hostname": "two.example", "force": True},
     {"known": {r"(^|,)two\.example[ ,]": ["a,two.example ssh-rsa AAAA"]}},
     [f"ssh-keygen -R two.example -f {KNOWN}", SCAN]),
    # another port: known_hosts names it [host]:port
    ({"hostname": "two.example", "port": 2222}, {},
     [f"ssh-keyscan -p 2222 -- two.example >> {KNOWN}"]),
    ({"hostname": "::1"}, {}, [f"ssh-keyscan -p 22 -- ::1 >> {KNOWN}"]),
    # ~/.ssh missing, or too open
    ({"hostname": "two.example"}, {"ssh_dir": None}, ["mkdir -p -m 700 -- /root/.ssh", SCAN]),
    ({"hostname": "two.example"}, {"ssh_dir": {**SSH_DIR, "mode": 755}},
     ["chmod 700 -- /root/.ssh", SCAN]),
])
def test_keyscan(args: dict[str, Any], state: dict[str, Any], expected: list[str]) -> None:
    result = plan(ssh.keyscan, facts=facts(**state), **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_keyscan_refuses_a_file_where_ssh_wants_its_directory() -> None:
    with pytest.raises(OperationError, match="not a directory"):
        plan(ssh.keyscan, facts=facts(ssh_dir=False), hostname="two.example")


@pytest.mark.parametrize(("args", "expected"), [
    ({"hostname": "two.example", "command": "echo 'one was here' > /tmp/one.txt"},
     "ssh -p 22 -- two.example 'echo '\"'\"'one was here'\"'\"' > /tmp/one.txt'"),
    ({"hostname": "10.0.0.2", "command": "uptime", "user": "vagrant", "port": "2222"},
     "ssh -p 2222 -- vagrant@10.0.0.2 uptime"),
])
def test_command_runs_every_time(args: dict[str, Any], expected: str) -> None:
    assert plan(ssh.command, **args).shell == [expected]
    assert not ssh.command._spec.is_idempotent


def test_upload() -> None:
    assert plan(ssh.upload, hostname="two.example", filename="/etc/motd").shell == [
        "scp -P 22 -- /etc/motd two.example:/etc/motd"]
    assert plan(ssh.upload, hostname="::1", filename="rel:name", remote_filename="/x y",
                user="u", port=2200).shell == ["scp -P 2200 -- ./rel:name 'u@[::1]:/x y'"]


def test_upload_with_remote_sudo_moves_a_temporary_file() -> None:
    shell = plan(ssh.upload, hostname="two.example", filename="/etc/motd",
                 remote_filename="/etc/it's motd", use_remote_sudo=True).shell
    temp = shell[0].split("two.example:")[1]
    assert temp.startswith("/tmp/corral-")
    assert shell[0] == f"scp -P 22 -- /etc/motd two.example:{temp}"
    words = shlex.split(shell[1])
    assert words[:5] == ["ssh", "-p", "22", "--", "two.example"] and len(words) == 6
    # what the other host's shell reads
    assert shlex.split(words[5]) == ["sudo", "mv", "--", temp, "/etc/it's motd"]


def test_upload_and_download_scan_keys_first_when_asked() -> None:
    shell = plan(ssh.upload, facts=facts(), hostname="two.example", filename="/a",
                 port=2222, ssh_keyscan=True).shell
    assert shell == [f"ssh-keyscan -p 2222 -- two.example >> {KNOWN}",
                     "scp -P 2222 -- /a two.example:/a"]
    table = {**facts(), fact(File, path="/b"): None}
    shell = plan(ssh.download, facts=table, hostname="two.example", filename="/a",
                 local_filename="/b", ssh_keyscan=True).shell
    assert shell == [SCAN, "scp -P 22 -- two.example:/a /b"]


@pytest.mark.parametrize(("local", "force", "expected"), [
    ({"mode": 644}, False, []),  # already downloaded
    ({"mode": 644}, True, ["scp -P 22 -- two.example:/etc/hostname /tmp/h"]),
    (None, False, ["scp -P 22 -- two.example:/etc/hostname /tmp/h"]),
])
def test_download(local: Any, force: bool, expected: list[str]) -> None:
    result = plan(ssh.download, facts={fact(File, path="/tmp/h"): local},
                  hostname="two.example", filename="/etc/hostname", local_filename="/tmp/h",
                  force=force)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_download_to_something_that_is_not_a_file() -> None:
    with pytest.raises(OperationError, match="not a file"):
        plan(ssh.download, facts={fact(File, path="/tmp"): False}, hostname="h",
             filename="/x", local_filename="/tmp")


def test_download_relative_local_path_with_a_colon_or_dash() -> None:
    result = plan(ssh.download, facts={fact(File, path="-a:b"): None}, hostname="h",
                  filename="/x", local_filename="-a:b")
    assert result.shell == ["scp -P 22 -- h:/x ./-a:b"]


@pytest.mark.parametrize("args", [
    {"hostname": "-oProxyCommand=id"}, {"hostname": ""}, {"hostname": "a b"},
    {"hostname": "a;id"}, {"hostname": "user@host"}, {"hostname": "a/b"},
    {"hostname": "h", "user": "-x"}, {"hostname": "h", "user": "a@b"},
    {"hostname": "h", "user": "a:b"}, {"hostname": "h", "port": 0},
    {"hostname": "h", "port": 65536}, {"hostname": "h", "port": "22; id"},
    {"hostname": "h", "port": True},
])
def test_bad_input(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(ssh.command, command="true", **{"user": None, **args})
    with pytest.raises(OperationValueError):
        plan(ssh.upload, filename="/a", **{"user": None, **args})


@given(st.text(min_size=1))
def test_any_hostname_is_refused_or_a_plain_word(hostname: str) -> None:
    """A host name either is refused or is one word that is no option and needs no
    quoting in sh (no character the shell treats specially)."""
    try:
        shell = plan(ssh.command, hostname=hostname, command="true").shell
    except OperationValueError:
        return
    assert shell == [f"ssh -p 22 -- {hostname} true"]
    assert not hostname.startswith("-")
