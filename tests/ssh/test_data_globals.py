"""Global arguments set in host and group data, over SSH on fleet hosts: a pyinfra 3.10
project's shape (the inventory in a subdirectory, ``group_data/`` and ``config.py`` in the
working directory) runs its operations *and* reads its facts with the privileges its data
asks for; what a call or a ``@deploy`` call gives wins over the data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from integration._helpers import describe, single

from corral import api, host
from corral.api import HostStatus
from corral.facts.server import Command
from corral.model.operation import deploy
from corral.operations import server
from corral.testing.fleet import Fleet

from .conftest import ROOT_HOST, SUDO_HOST, Cli, host_inventory, host_root

pytestmark = pytest.mark.integration


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inventory").mkdir()
    (tmp_path / "group_data").mkdir()
    yield tmp_path


def write_inventory(fleet: Fleet, project: Path, name: str, user: str,
                    group: dict[str, Any], own: dict[str, Any] | None = None) -> str:
    """``inventory/inventory.py``: one fleet host in a (hosts, data) group ``web``."""
    connection = dict(fleet.inventory(user))[fleet.host(name).name]
    entry = (fleet.host(name).name, {**connection, **(own or {})})
    path = project / "inventory" / "inventory.py"
    path.write_text(f"web = ([{entry!r}], {group!r})\n")
    return "inventory/inventory.py"


def who(result: api.RunResult) -> dict[str, str]:
    h = single(result)
    assert h.status in (HostStatus.CHANGED, HostStatus.OK), describe(h)
    return {op.name: op.stdout.strip() for op in h.operations}


def probe_privileges() -> None:
    """Operations and facts, with and without arguments of their own."""
    fact = host.get_fact(Command, "id -un")
    server.shell(name="fact", commands=[f"echo {fact}"], _sudo=False)
    server.shell(name="op", commands=["id -un"])
    server.shell(name="op as login user", commands=["id -un"], _sudo=False)
    not_sudo = host.get_fact(Command, "id -un", _sudo=False)
    server.shell(name="fact as login user", commands=[f"echo {not_sudo}"], _sudo=False)

    @deploy("login user")
    def plain() -> None:
        server.shell(name="in deploy", commands=["id -un"])

    plain(_sudo=False)


def test_sudo_from_group_tuple_data(fleet: Fleet, project: Path) -> None:
    inv = write_inventory(fleet, project, SUDO_HOST, "corral", {"_sudo": True})
    assert who(api.run(inv, probe_privileges)) == {
        "fact": "root", "op": "root", "op as login user": "corral",
        "fact as login user": "corral", "in deploy": "corral"}


def test_sudo_user_from_the_working_directorys_group_data(fleet: Fleet,
                                                          project: Path) -> None:
    """The inventory lives in inventory/: group_data/ of the working directory applies
    (the file-name group ``inventory`` too, as in pyinfra)."""
    inv = write_inventory(fleet, project, SUDO_HOST, "corral", {})
    (project / "group_data" / "web.py").write_text("_sudo = True\n")
    (project / "group_data" / "inventory.py").write_text("_sudo_user = 'daemon'\n")
    assert who(api.run(inv, probe_privileges)) == {
        "fact": "daemon", "op": "daemon", "op as login user": "corral",
        "fact as login user": "corral", "in deploy": "corral"}


def test_su_user_from_host_data(fleet: Fleet, project: Path) -> None:
    inv = write_inventory(fleet, project, ROOT_HOST, "root", {}, {"_su_user": "daemon"})

    def body() -> None:
        fact = host.get_fact(Command, "id -un")
        server.shell(name="fact", commands=[f"echo {fact}"], _su_user=None)
        server.shell(name="op", commands=["id -un"])

    assert who(api.run(inv, body)) == {"fact": "daemon", "op": "daemon"}


def test_config_py_and_per_host_config_on_the_command_line(fleet: Fleet,
                                                           project: Path) -> None:
    """config.py in the working directory runs first; the deploy, in a subdirectory,
    imports a module of the working directory; a deploy file changing config changes
    it for its own operations only."""
    inv = write_inventory(fleet, project, SUDO_HOST, "corral", {})
    (project / "config.py").write_text("from corral import config\nconfig.SUDO = True\n")
    (project / "paths.py").write_text("MARK = '/root/corral-data-globals'\n")
    (project / "tasks").mkdir()
    (project / "tasks" / "first.py").write_text(
        "from corral import config\nfrom corral.operations import server\n"
        "from paths import MARK\n"
        "server.shell(name='as root', commands=[f'id -un > {MARK}'])\n"
        "config.SUDO = False\n"
        "server.shell(name='as corral', commands=['id -un > /tmp/corral-data-globals'])\n")
    (project / "tasks" / "second.py").write_text(
        "from corral.operations import server\nfrom paths import MARK\n"
        "server.shell(name='root again', commands=[f'id -un >> {MARK}'])\n")
    cli = Cli(inv, "tasks/first.py", "tasks/second.py", "-y", cwd=project).wait()
    assert cli.code == 0, cli
    root = host_root(fleet, SUDO_HOST)
    assert (root / "root/corral-data-globals").read_text() == "root\nroot\n"
    assert (root / "tmp/corral-data-globals").read_text() == "corral\n"


def test_facts_read_in_a_deploy_called_with_sudo_are_read_with_sudo(fleet: Fleet,
                                                                    tmp_path: Path) -> None:
    """``@deploy`` called with ``_sudo=True``: the facts its code reads get that default
    as its operations do (and a fact's own ``_sudo=False`` wins over it)."""
    inv = host_inventory(fleet, SUDO_HOST, tmp_path, user="corral")
    seen: dict[str, str] = {}

    @deploy("as root")
    def as_root() -> None:
        seen["in deploy"] = host.get_fact(Command, "id -un")
        seen["in deploy, own _sudo=False"] = host.get_fact(Command, "id -un", _sudo=False)

    def body() -> None:
        seen["outside"] = host.get_fact(Command, "id -un")
        as_root(_sudo=True)

    result = api.run(str(inv), body)
    assert result.exit_code == 0, describe(single(result))
    assert seen == {"outside": "corral", "in deploy": "root",
                    "in deploy, own _sudo=False": "corral"}
