"""``local.include`` on @local runs: nested and relative includes resolved as pyinfra
resolves them, the data layer they set, and what a wrong include does. The expected
values are what pyinfra 3.10 printed for the same files (``pyinfra -y @local deploy.py``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from corral import api
from corral.model.errors import BadInput
from corral.model.results import HostStatus


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def records(log: Path) -> list[Any]:
    return [json.loads(line) for line in log.read_text().splitlines()]


LOGGER = """import json
from corral import host, local, state, config
def log(*values):
    with open({log!r}, "a") as fh:
        fh.write(json.dumps(values) + "\\n")
"""


def test_nested_and_relative_includes_with_data(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log"
    head = LOGGER.format(log=str(log))
    write(tmp_path / "deploy.py", head + (
        "log('top', host.data.get('foo'), state.cwd)\n"
        "local.include('tasks/a.py', data={'foo': 1, 'bar': 'b'})\n"
        "log('after', host.data.get('foo'))\n"))
    write(tmp_path / "tasks" / "a.py", head + (
        "log('a', host.data.get('foo'), host.data.foo, host.data.get('bar'), __file__)\n"
        "local.include('./sub/b.py')\n"  # relative to this file's directory
        "local.include('./sub/b.py', data={'foo': 2})\n"
        "log('a again', host.data.get('foo'))\n"))
    write(tmp_path / "tasks" / "sub" / "b.py", head + (
        "log('b', host.data.get('foo'), host.data.get('bar'), __file__)\n"))
    result = api.run("@local", "deploy.py")
    assert result.hosts[0].status is HostStatus.OK
    b = str(tmp_path / "tasks" / "sub" / "b.py")
    assert records(log) == [
        ["top", None, str(tmp_path)],
        ["a", 1, 1, "b", str(tmp_path / "tasks" / "a.py")],
        ["b", None, None, b],  # an include without data does not see the enclosing one's
        ["b", 2, None, b],  # data replaces, it does not merge
        ["a again", 1],
        ["after", None],
    ]


def test_names_not_starting_with_dot_slash_are_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log"
    write(tmp_path / "deploys" / "main.py", LOGGER.format(log=str(log))
          + "local.include('tasks/x.py')\nlocal.include(state.cwd + '/tasks/x.py')\n")
    write(tmp_path / "deploys" / "tasks" / "x.py", "raise RuntimeError('the wrong one')\n")
    write(tmp_path / "tasks" / "x.py", LOGGER.format(log=str(log)) + "log('x', __file__)\n")
    api.run("@local", "deploys/main.py")
    assert records(log) == [["x", str(tmp_path / "tasks" / "x.py")]] * 2


def test_include_data_is_below_host_group_and_all_data(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log"
    write(tmp_path / "inventory.py", "hosts = [('@local', {'foo': 'host'})]\n")
    write(tmp_path / "group_data" / "all.py", "bar = 'all'\n")
    write(tmp_path / "deploy.py", "from corral import local\n"
          "local.include('inc.py', data={'foo': 'inc', 'bar': 'inc', 'baz': 'inc'})\n")
    write(tmp_path / "inc.py", LOGGER.format(log=str(log))
          + "log(host.data.foo, host.data.bar, host.data.baz, 'baz' in host.data)\n")
    api.run("inventory.py", "deploy.py")
    assert records(log) == [["host", "all", "inc", True]]


def test_operations_of_an_included_file_are_planned_with_its_data(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The operation's generator runs when the engine plans it, after the include has
    ended: it still reads the include's data through host.data (as pyinfra keeps an
    operation's deploy data)."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "colour"
    write(tmp_path / "ops.py", (
        "from corral import host\n"
        "from corral.api import operation, StringCommand, QuoteString\n"
        "@operation()\n"
        "def write_colour(path):\n"
        "    yield StringCommand('printf', '%s', QuoteString(str(host.data.colour)), '>',\n"
        "                        QuoteString(path))\n"))
    write(tmp_path / "deploy.py", "from corral import local\n"
          "local.include('inc.py', data={'colour': 'teal'})\n")
    write(tmp_path / "inc.py", f"import ops\nops.write_colour({str(out)!r})\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = api.run("@local", "deploy.py")
    assert result.hosts[0].status is HostStatus.CHANGED
    assert out.read_text() == "teal"


def test_config_changed_in_an_included_file_is_put_back(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log"
    write(tmp_path / "deploy.py", LOGGER.format(log=str(log))
          + "local.include('inc.py')\nlog('after', config.RETRY_DELAY)\n")
    write(tmp_path / "inc.py", LOGGER.format(log=str(log))
          + "config.RETRY_DELAY = 1.5\nlog('inside', config.RETRY_DELAY)\n")
    api.run("@local", "deploy.py")
    assert records(log) == [["inside", 1.5], ["after", 5.0]]


@pytest.mark.parametrize(("included", "text", "where"), [
    ("missing.py", None, "deploy.py:3"),  # the include call's line
    ("broken.py", "x = (\n", "broken.py:1"),  # the file's syntax error
    ("raises.py", "\n\nraise ValueError('no such role')\n", "raises.py:3"),
])
def test_a_wrong_include_is_bad_input_before_anything_changes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, included: str, text: str | None,
        where: str) -> None:
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "marker"
    if text is not None:
        write(tmp_path / included, text)
    write(tmp_path / "deploy.py", "from corral import local\nfrom corral.operations import files\n"
          f"files.file(path={str(marker)!r}); local.include({included!r})\n")
    with pytest.raises(BadInput) as info:
        api.run("@local", "deploy.py")
    assert where in str(info.value)
    assert not marker.exists()


def test_deploy_code_reads_state_and_is_cli_under_the_cli(tmp_path: Path) -> None:
    write(tmp_path / "deploy.py", (
        "import corral\n"
        "from corral import logger, state, inventory, config\n"
        "logger.info('cwd=%s cli=%s same=%s', state.cwd, corral.is_cli,\n"
        "            state.inventory is inventory._target())\n"
        # each host's deploy code changes its own copy of the config, as pyinfra's
        "assert state.config is not config._target()\n"
        "assert state.config.SUDO == config.SUDO\n"
        "logger.debug('a debug line')\n"))
    def cli(*flags: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "corral", "-y", *flags, "@local",
                               "deploy.py"], cwd=tmp_path, capture_output=True, text=True,
                              env={**os.environ, "NO_COLOR": "1"}, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc

    proc = cli()
    assert f"cwd={tmp_path} cli=True same=True" in proc.stderr
    assert "a debug line" not in proc.stderr + proc.stdout
    assert "a debug line" in cli("--debug").stderr
    assert "cwd=" not in cli("--quiet").stderr
