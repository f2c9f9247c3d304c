"""Bad input: one clear line on stderr (file:line where there is one), exit 4, nothing
changed on any host (a marker operation earlier in the same deploy did not run), and never
a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._helpers import Ran, corral, corral_tty, write

HEAD = """\
from corral import host
from corral.operations import files, server
files.line(name="marker", path={marker!r}, line="marker")
"""
#: the line of the deploy that follows HEAD
LINE = 4


def bad(ran: Ran, *parts: str) -> str:
    """Check the shape of a bad-input failure; return its one line."""
    assert ran.code == 4, ran
    assert ran.out == "", ran
    assert len(ran.err_lines) == 1, ran
    assert "Traceback" not in ran.err
    line = ran.err_lines[0]
    assert line.startswith("error: "), line
    for part in parts:
        assert part in line, (part, line)
    return line


def deploy(tmp_path: Path, body: str) -> Path:
    return write(tmp_path / "deploy.py", HEAD.format(marker=str(tmp_path / "marker")) + body)


DEPLOY_CASES = {
    "syntax error": ("def broken(:\n", ["syntax error"]),
    "exception": ("raise RuntimeError('boom in deploy')\n", ["RuntimeError: boom in deploy"]),
    "unknown operation": ("files.no_such_op(path='/x')\n",
                          ["unknown operation files.no_such_op"]),
    "unknown argument": ("files.line(path='/tmp/x', line='a', bogus=1)\n",
                         ["files.line", "unknown argument 'bogus'"]),
    "wrong argument type": ("files.line(path=5, line='a')\n",
                            ["files.line", "'path' must be str, not int"]),
    "unknown global argument": ("files.line(path='/tmp/x', line='a', _sudoo=True)\n",
                                ["files.line", "_sudoo"]),
    "missing source file": ("files.put(src='missing.txt', dest='/tmp/x')\n",
                            ["files.put", "missing.txt"]),
    "missing template": ("files.template(src='missing.j2', dest='/tmp/x')\n",
                         ["files.template", "missing.j2"]),
    "unknown fact class": ("from corral.facts import server as sf\nhost.get_fact(sf.NoSuch)\n",
                           ["unknown fact server.NoSuch"]),
    "not a fact": ("host.get_fact('server.NoSuch')\n", ["server.NoSuch"]),
}


@pytest.mark.parametrize("case", list(DEPLOY_CASES))
def test_bad_deploy(tmp_path: Path, case: str) -> None:
    body, parts = DEPLOY_CASES[case]
    deploy(tmp_path, body)
    for flags in (["-y"], ["--dry"]):
        ran = corral("@local", "deploy.py", *flags, cwd=tmp_path)
        line = bad(ran, "deploy.py:", *parts)
        # the line of the deploy that is wrong (the second line of a two-line body)
        assert f"deploy.py:{LINE + body.count(chr(10)) - 1}" in line
        if case != "syntax error":
            assert "host @local" in line
        assert not (tmp_path / "marker").exists()


@pytest.mark.parametrize("source,parts", [
    ("{{ unclosed(\n", ["broken.j2:1", "files.template", "template syntax error"]),
    ("line one\n{{ no_such_var.attr }}\n", ["broken.j2:2", "files.template",
                                             "no_such_var"]),
    ("{% if %}\n", ["broken.j2:1", "files.template"]),
])
def test_template_errors_name_the_template_and_its_line(tmp_path: Path, source: str,
                                                        parts: list[str]) -> None:
    write(tmp_path / "broken.j2", source)
    deploy(tmp_path, "files.template(src='broken.j2', dest='/tmp/x')\n")
    bad(corral("@local", "deploy.py", "-y", cwd=tmp_path), *parts, "host @local")
    assert not (tmp_path / "marker").exists()


def test_bad_input_on_one_host_changes_no_host(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    deploy(tmp_path, "if host.name != '@local':\n    files.line(path=7, line='a')\n")
    ran = corral(f"@local,@chroot{empty}", "deploy.py", "-y", cwd=tmp_path)
    bad(ran, f"deploy.py:{LINE + 1}", f"host @chroot{empty}", "'path' must be str")
    assert not (tmp_path / "marker").exists()


def test_second_deploy_file_bad(tmp_path: Path) -> None:
    deploy(tmp_path, "")
    write(tmp_path / "second.py", "x = 1\nx.nope\n")
    ran = corral("@local", "deploy.py", "second.py", "-y", cwd=tmp_path)
    bad(ran, "second.py:2", "AttributeError")
    assert not (tmp_path / "marker").exists()


INVENTORY_CASES = {
    "syntax error": ('web = ["@local",\n', ["inventory.py:1", "syntax error"]),
    "exception": ('web = ["@local"]\nimport os\nos.environ["CORRAL_NO_SUCH_VARIABLE"]\n',
                  ["inventory.py:3", "KeyError"]),
    "malformed host name": ('web = [\n    "@local",\n    "bad host!",\n]\n',
                            ["inventory.py:3", "malformed host name 'bad host!'"]),
    "unknown connector": ('web = ["@local"]\ndb = ["@nosuch/x"]\n',
                          ["inventory.py:2", "host @nosuch/x", "unknown connector @nosuch",
                           "@local"]),
    "chroot with no path": ('web = ["@local", "@chroot"]\n',
                            ["inventory.py:1", "@chroot needs a path"]),
    "no hosts": ("x = 1\n", ["inventory.py", "no hosts"]),
    "host twice in a group": ('web = [\n    "@local",\n    "@local",\n]\n',
                              ["inventory.py:3", "host @local", "listed twice in group web"]),
    "host defined twice with different data": (
        'web = [("h1", {"ssh_hostname": "127.0.0.1"})]\n'
        'db = [("h1", {"ssh_hostname": "127.0.0.2"})]\n',
        ["inventory.py:2", "host h1", "defined twice with different data", "ssh_hostname"]),
    "empty label": ('web = [\n    "a..b",\n]\n', ["inventory.py:2", "host a..b", "empty label"]),
    "host name too long": (f'web = [\n    "{"a" * 300}",\n]\n',
                           ["inventory.py:2", "300 characters"]),
    "label too long": (f'web = ["{"a" * 64}.example.com"]\n',
                       ["inventory.py:1", "64 characters"]),
    "user@host": ('web = ["root@127.0.0.1"]\n', ["inventory.py:1", "ssh_user"]),
    "bad ssh_hostname": ('web = [\n    ("web1", {"ssh_hostname": "-oProxyCommand=x"}),\n]\n',
                         ["inventory.py:2", "host web1", "malformed ssh_hostname"]),
    "group data exception": ('web = ["@local"]\n', ["web.py:1", "ZeroDivisionError"]),
}


@pytest.mark.parametrize("case", list(INVENTORY_CASES))
def test_bad_inventory(tmp_path: Path, case: str) -> None:
    source, parts = INVENTORY_CASES[case]
    write(tmp_path / "inventory.py", source)
    if case == "group data exception":
        write(tmp_path / "group_data" / "web.py", "x = 1 / 0\n")
    deploy(tmp_path, "")
    bad(corral("inventory.py", "deploy.py", "-y", cwd=tmp_path), *parts)
    assert not (tmp_path / "marker").exists()


COMMAND_LINE_CASES = {
    "malformed host name": (["@local,bad host", "deploy.py"], ["malformed host name"]),
    "unknown connector": (["@local,@nosuch", "deploy.py"], ["unknown connector @nosuch"]),
    "no inventory file": (["missing_inventory.py", "deploy.py"], ["missing_inventory.py"]),
    "host listed twice": (["@local,@local", "deploy.py"],
                          ["command line", "host @local", "listed twice"]),
    "empty label": (["a..b", "deploy.py"], ["command line", "host a..b", "empty label"]),
    "host name too long": (["a" * 300, "deploy.py"], ["command line", "300 characters"]),
    "no deploy file": (["@local", "deploy.py", "missing.py"], ["missing.py"]),
    "limit matches nothing": (["@local", "deploy.py", "--limit", "nothing*"],
                              ["--limit nothing*"]),
    "unknown option": (["@local", "deploy.py", "--bogus"], ["--bogus"]),
    "nothing to run": (["@local"], ["nothing to run"]),
    "unknown operation": (["@local", "files.no_such_op", "path=/x"], ["files.no_such_op"]),
    "unknown operation module": (["@local", "nosuchmodule.op"], ["nosuchmodule.op"]),
    "unknown operation argument": (["@local", "files.line", "path=/tmp/x", "line=a",
                                    "bogus=1"], ["command line", "unknown argument 'bogus'"]),
    "missing operation argument": (["@local", "files.line", "path=/tmp/x"],
                                   ["command line", "'line'"]),
    "wrong argument type": (["@local", "files.line", "path=/tmp/x", "line=a",
                             "_sudo=perhaps"], ["command line", "_sudo must be bool"]),
    "positional after key=value": (["@local", "files.line", "path=/tmp/x", "a"],
                                   ["positional argument after key=value"]),
    "missing positional argument": (["@local", "files.line", "/tmp/x"],
                                    ["command line", "files.line", "'line'"]),
    "unknown fact": (["@local", "fact", "server.NoSuch"], ["unknown fact server.NoSuch"]),
    "fact without module": (["@local", "fact", "NoSuch"], ["unknown fact NoSuch"]),
    "fact missing argument": (["@local", "fact", "files.File"],
                              ["command line", "host @local", "fact files.File", "'path'"]),
    "fact argument not key=value": (["@local", "fact", "files.File", "/etc"], ["key=value"]),
    "exec without command": (["@local", "exec", "--"], ["exec needs a command"]),
}


@pytest.mark.parametrize("case", list(COMMAND_LINE_CASES))
def test_bad_command_line(tmp_path: Path, case: str) -> None:
    args, parts = COMMAND_LINE_CASES[case]
    deploy(tmp_path, "")
    bad(corral("-y", *args, cwd=tmp_path), *parts)
    assert not (tmp_path / "marker").exists()


def test_bad_input_on_a_terminal_restores_the_cursor(tmp_path: Path) -> None:
    deploy(tmp_path, "files.line(path=5, line='a')\n")
    ran = corral_tty("@local", "deploy.py", "-y", cwd=tmp_path)
    assert ran.code == 4, ran
    assert "'path' must be str" in ran.out and "Traceback" not in ran.out
    hidden = ran.out.rfind("\x1b[?25l")
    assert hidden == -1 or ran.out.find("\x1b[?25h", hidden) != -1
    assert not (tmp_path / "marker").exists()
