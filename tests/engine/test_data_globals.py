"""Global arguments in host and group data, and config per host, on real shells
(``@testlocal`` hosts, each its own local ``sh``).

As in pyinfra 3.10: an operation's global arguments are, highest first, the call's own,
the enclosing ``@deploy`` call's, the host's data (its own, its groups', ``all``'s), then
the host's config; ``_env`` is merged onto ``config.INHERIT_ENV`` and ``config.ENV``.
Each host's deploy code changes its own copy of the config, made again for each deploy
file. Data-level values reaching a shell are checked as given ones are (hostile strings
below, on a real dash).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from corral import api, config, host
from corral.api import HostStatus, OpStatus, operation
from corral.connectors.shell import wrap
from corral.engine.loader import load_inventory
from corral.facts.server import Command
from corral.model.errors import BadInput
from corral.model.host import HostData
from corral.model.operation import build_global_args, data_globals, deploy
from corral.operations import server

from .test_hostile_globals import _SETTINGS, _dash, _hostile, _reset


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def inventory(project: Path, source: str, **group_data: str) -> str:
    (project / "inventory.py").write_text(source)
    (project / "group_data").mkdir(exist_ok=True)
    for group, text in group_data.items():
        (project / "group_data" / f"{group}.py").write_text(text)
    return "inventory.py"


def outputs(result: api.RunResult) -> dict[str, list[str]]:
    return {h.host: [op.stdout.strip() for op in h.operations] for h in result.hosts}


def test_data_globals_are_defaults_of_operations(project: Path) -> None:
    (project / "d1").mkdir()
    (project / "d2").mkdir()
    inv = inventory(
        project,
        "web = (['@testlocal/a', ('@testlocal/b', {'_chdir': '" + str(project / "d2") +
        "'})], {'_env': {'FROM': 'group'}})\n",
        web=f"_chdir = {str(project / 'd1')!r}\n",
        all="_env = {'FROM': 'all', 'ALL': 'x'}\n_success_exit_codes = [0, 3]\n")

    @deploy("wrapper")
    def wrapped() -> None:
        server.shell(name="in deploy", commands=["echo $FROM"])

    def body() -> None:
        config.ENV = {"BASE": "cfg", "FROM": "cfg"}
        server.shell(name="env", commands=["echo $FROM $BASE ${ALL:-none}"])
        server.shell(name="pwd", commands=["pwd"])
        server.shell(name="given", commands=["echo $FROM; pwd"], _env={"FROM": "call"},
                     _chdir="/")
        server.shell(name="exit 3 is success", commands=["echo ok; exit 3"])
        wrapped(_env={"FROM": "deploy"})

    result = api.run(inv, body)
    assert all(h.status is HostStatus.CHANGED for h in result.hosts), result
    assert outputs(result) == {
        # the group's _env replaces all's (one value, as any data key), over config.ENV
        "@testlocal/a": ["group cfg none", str(project / "d1"), "call\n/", "ok", "deploy"],
        "@testlocal/b": ["group cfg none", str(project / "d2"), "call\n/", "ok", "deploy"],
    }


def test_data_globals_reach_facts(project: Path) -> None:
    inv = inventory(project, "web = [('@testlocal/a', {'_ignore_errors': True})]\n")
    seen: dict[str, Any] = {}

    def body() -> None:
        # a failing fact command: ignored, as the host's data asks (the fact's default)
        seen["failed"] = host.get_fact(Command, "exit 5")
        seen["ok"] = host.get_fact(Command, "echo fine")

    result = api.run(inv, body)
    assert result.hosts[0].status is HostStatus.OK, result
    assert seen == {"failed": None, "ok": "fine"}
    inventory(project, "web = ['@testlocal/a']\n")
    result = api.run(inv, body)
    assert result.hosts[0].status is HostStatus.FAILED  # without it the host fails


def test_config_is_per_host_and_per_deploy_file(project: Path) -> None:
    inv = inventory(project, "web = ['@testlocal/a', '@testlocal/b']\n")
    first, second = project / "first.py", project / "second.py"
    first.write_text(
        "from corral import config, host\nfrom corral.operations import server\n"
        "if host.name == '@testlocal/a':\n    config.ENV = {'X': 'set'}\n"
        "    config.IGNORE_ERRORS = True\n"
        "server.shell(name='first', commands=['echo ${X:-unset}'])\n"
        "server.shell(name='fails', commands=['exit 1'])\n")
    second.write_text(
        "from corral import config\nfrom corral.operations import server\n"
        "server.shell(name='second', commands=['echo ${X:-unset} ' + str(config.IGNORE_ERRORS)])\n")
    result = api.run(inv, [str(first), str(second)])
    a, b = result.hosts
    assert a.status is HostStatus.CHANGED and b.status is HostStatus.FAILED
    assert [op.stdout.strip() for op in a.operations] == ["set", "", "unset False"]
    assert b.operations[0].stdout.strip() == "unset"
    assert b.operations[2].status is not OpStatus.CHANGED  # skipped after the failure


def test_host_data_set_in_deploy_code_is_checked_at_the_next_call(project: Path) -> None:
    inv = inventory(project, "web = ['@testlocal/a']\n")

    def body() -> None:
        host.data.mine = "value"  # plain data may be anything
        host.data._su_user = "x; touch /tmp/pwned"
        server.shell(name="never", commands=["true"])

    with pytest.raises(BadInput, match="host data _su_user must be a user name") as info:
        api.run(inv, body)
    assert info.value.operation == "server.shell" and info.value.line is not None


def test_the_data_defaults_in_force_at_the_call_are_in_force_when_planned(
        project: Path) -> None:
    """An operation is planned after the deploy that called it may have returned: what
    it reads of ``host.data`` comes from the data defaults in force at its call."""
    inv = inventory(project, "web = ['@testlocal/a']\n")

    @operation()
    def echo_port() -> Iterator[str]:
        yield f"echo {host.data.port}"

    def body() -> None:
        with host.data.using_defaults({"port": 8080}):
            echo_port()
        assert "port" not in host.data
        server.shell(name="later", commands=["true"])

    result = api.run(inv, body)
    assert outputs(result)["@testlocal/a"][0] == "8080", result


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    import shutil

    path = tmp_path_factory.mktemp("hostile-data")
    yield path
    shutil.rmtree(path, ignore_errors=True)


@_SETTINGS
@given(data=st.data())
def test_hostile_data_globals_are_refused_or_reach_the_shell_exactly(
        sandbox: Path, data: st.DataObject) -> None:
    """Host data ``_env``, ``_chdir``, ``_su_user``, ``_sudo_user``: refused (naming the
    key, never running anything) or given to the command as the exact value."""
    out, cwd, canary = _reset(sandbox)
    key = data.draw(st.sampled_from(["_env", "_chdir", "_su_user", "_sudo_user"]))
    text = data.draw(_hostile(canary))
    value: Any = {"V": text} if key == "_env" else text
    host_data = HostData({key: value, "_sudo": key == "_sudo_user"}, name="h")
    try:
        found = data_globals(host_data)
    except BadInput as exc:
        event(f"{key} refused")
        assert f"host data {key}" in str(exc)
        assert not canary.exists()
        return
    event(f"{key} accepted")
    g = build_global_args({}, found)
    if key == "_chdir" and "/" not in text and text not in (".", ".."):
        os.makedirs(cwd / text, exist_ok=True)
    ran = _dash(sandbox, wrap('printf "%s" "$V"', g), cwd)
    assert not canary.exists()
    if key == "_env":
        assert ran.stdout == text.encode(), ran
    if key in ("_su_user", "_sudo_user"):  # the stand-in records its arguments exactly
        records = [p.read_bytes() for p in sorted(out.glob("*.argv"))]
        assert any(text.encode() in r.split(b"\0") for r in records), (records, text)


def test_hostile_data_global_in_an_inventory_names_key_and_host(project: Path) -> None:
    inv = inventory(project, "web = [('@testlocal/a', {'_chdir': '-rf'}), "
                             "('@testlocal/b', {'_env': {'A B': 'x'}})]\n")
    with pytest.raises(BadInput, match="host data _chdir must be a directory") as info:
        load_inventory(inv)
    assert info.value.host == "@testlocal/a" and info.value.file == "inventory.py"
    inventory(project, "web = [('@testlocal/b', {'_env': {'A B': 'x'}})]\n")
    with pytest.raises(BadInput, match="host data _env keys must be shell variable names"):
        load_inventory(inv)
