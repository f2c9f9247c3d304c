"""Inventories and group data read as pyinfra 3.10 reads them, without a host.

Each case of ``SHAPES`` is a small project (files written to a working directory) and the
inventory argument; the expected hosts, their groups (in order) and their merged data are
what pyinfra 3.10's own loader (``pyinfra_cli.inventory.make_inventory``) gives for the
same files, checked side by side when these cases were written (pyinfra keeps a host in a
group twice when its connector also names the group: ``@local``'s groups are listed once
here). Where corral differs on purpose, the case says so.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.engine.loader import load_inventory
from corral.model.errors import BadInput

Hosts = dict[str, tuple[list[str], dict[str, Any]]]

SHAPES: dict[str, tuple[dict[str, str], str, Hosts]] = {
    # (hosts, data) groups with and without parentheses; lists of no hosts are no groups;
    # group_data: the working directory's, every file (extra.py: a group of no host), names
    # bound by imports dropped, _sudo kept; the file-name group; @local's group
    "group tuples": ({
        "inventory.py": """
            web = (["@local", ("h2", {"k": "host"})], {"k": "webinline", "w": 1})
            db = ["h2"], {"k": "dbinline", "d": 2}
            ports = [80, 443]
            users = [{"name": "x"}]
            _x = ["nope"]
            packages_cfg = {"a": 1}
            """,
        "group_data/all.py": "from corral import inventory\nimport os as _os\n"
                             "k = 'all'\n_sudo = True\nallk = 1\n",
        "group_data/web.py": "k = 'webfile'\n",
        "group_data/extra.py": "x = 1\n",
    }, "inventory.py", {
        "@local": (["web", "inventory", "@local"],
                   {"k": "webfile", "_sudo": True, "allk": 1, "w": 1}),
        "h2": (["web", "db", "inventory"],
               {"k": "host", "_sudo": True, "allk": 1, "w": 1, "d": 2}),
    }),
    # the inventory in a subdirectory: group_data/ of the working directory, then beside
    # the inventory (later wins); the file-name group "inventory" gets group data too
    "inventory in a subdirectory": ({
        "inventory/inventory.py": "linux = [('h1', {'ssh_hostname': '127.0.0.9'})]\n"
                                  "unifi = ['h2']\n",
        "group_data/linux.py": "packages = ['vim']\nufw = True\n",
        "group_data/inventory.py": "ssh_user = 'me'\n",
        "inventory/group_data/linux.py": "ufw = False\n",
    }, "inventory/inventory.py", {
        "h1": (["linux", "inventory"], {"packages": ["vim"], "ufw": False, "ssh_user": "me",
                                        "ssh_hostname": "127.0.0.9"}),
        "h2": (["unifi", "inventory"], {"ssh_user": "me"}),
    }),
    # all = (hosts, data): the host list (a host only in another group is no host) and the
    # data of every host, updated by group_data/all.py; "all" is no group of a host
    "all as a tuple": ({
        "inventory.py": "all = (['@local', 'h3'], {'a': 'allinline', 'b': 1})\n"
                        "web = ['@local', 'nothere']\n",
        "group_data/all.py": "b = 2\n",
    }, "inventory.py", {
        "@local": (["web", "inventory", "@local"], {"a": "allinline", "b": 2}),
        "h3": (["inventory"], {"a": "allinline", "b": 2}),
    }),
    "all as a list": ({
        "inventory.py": "all = [('h1', {'x': 1}), 'h2']\nweb = [('h2', {'y': 2})]\n",
    }, "inventory.py", {
        "h1": (["inventory"], {"x": 1}),
        "h2": (["web", "inventory"], {"y": 2}),
    }),
    # connector targets: their data under the host's, their groups (group data for them)
    "connector targets": ({
        "inventory.py": "hosts = ['@local', '@ssh/127.0.0.5', "
                        "('@chroot/srv/root', {'c': 1})]\n",
        "group_data/@local.py": "loc = True\n",
        "group_data/@chroot.py": "ch = True\n",
    }, "inventory.py", {
        "@local": (["hosts", "inventory", "@local"], {"loc": True}),
        "@ssh/127.0.0.5": (["hosts", "inventory"], {"ssh_hostname": "127.0.0.5"}),
        "@chroot/srv/root": (["hosts", "inventory", "@chroot"],
                             {"ch": True, "chroot_directory": "/srv/root", "c": 1}),
    }),
    # a host list on the command line: the working directory's group data still applies
    "command line": ({
        "group_data/all.py": "z = 1\n",
    }, "h1,@local", {
        "h1": ([], {"z": 1}),
        "@local": (["@local"], {"z": 1}),
    }),
    "__all__ chooses the names": ({
        "inventory.py": "app = ['h1']\n",
        "group_data/app.py": "__all__ = ['keep', '_sudo']\nkeep = 1\ndrop = 2\n_sudo = True\n",
    }, "inventory.py", {
        "h1": (["app", "inventory"], {"keep": 1, "_sudo": True}),
    }),
    # precedence: host data, then the groups (the later group wins: the file-name group
    # comes after the inventory's), then all
    "precedence": ({
        "inventory.py": "a = [('h1', {'k': 'host'}), 'h2']\nb = ['h1', 'h2']\n",
        "group_data/a.py": "k = 'a'\nj = 'a'\n",
        "group_data/b.py": "k = 'b'\nj = 'b'\n",
        "group_data/inventory.py": "j = 'file'\nm = 'file'\n",
        "group_data/all.py": "m = 'all'\nn = 'all'\n",
    }, "inventory.py", {
        "h1": (["a", "b", "inventory"], {"k": "host", "j": "file", "m": "file", "n": "all"}),
        "h2": (["a", "b", "inventory"], {"k": "b", "j": "file", "m": "file", "n": "all"}),
    }),
    # module.function: {group: hosts or (hosts, data)}; group data read (pyinfra reads none
    # for it: corral reads it for every shape)
    "inventory function (group data: corral only)": ({
        "invfunc_a.py": "def make():\n"
                        "    return {'web': (['h1', ('h2', {'x': 1})], {'g': 1}), 'db': ['h1']}\n",
        "group_data/web.py": "read = 1\n",
    }, "invfunc_a.make", {
        "h1": (["web", "db"], {"g": 1, "read": 1}),
        "h2": (["web"], {"g": 1, "x": 1, "read": 1}),
    }),
    "inventory function with a colon": ({
        "invfunc_b.py": "def make():\n    return {'web': ['h1']}\n",
    }, "invfunc_b:make", {
        "h1": (["web"], {}),
    }),
    "a list of hosts as module.attr": ({
        "invlist_c.py": "hosts_list = ['h5', ('h6', {'y': 2})]\n",
    }, "invlist_c.hosts_list", {
        "h5": ([], {}),
        "h6": ([], {"y": 2}),
    }),
    # the working directory is on sys.path: the inventory and group data import the
    # project's own modules
    "imports from the working directory": ({
        "inventory.py": "import secrets_data_d\nweb = [('h1', {'pw': secrets_data_d.PW})]\n",
        "secrets_data_d.py": "PW = 'x'\n",
        "group_data/web.py": "from helpers_d import VALUE as _V\nv = _V\n",
        "helpers_d.py": "VALUE = 3\n",
    }, "inventory.py", {
        "h1": (["web", "inventory"], {"v": 3, "pw": "x"}),
    }),
    # corral also reads a tuple of hosts (pyinfra fails on it)
    "a tuple of hosts (corral only)": ({
        "inventory.py": "web = (('h1', 'h2'), {'g': 1})\nhs = ('h3', ('h4', {'x': 1}))\n",
    }, "inventory.py", {
        "h1": (["web", "inventory"], {"g": 1}),
        "h2": (["web", "inventory"], {"g": 1}),
        "h3": (["hs", "inventory"], {}),
        "h4": (["hs", "inventory"], {"x": 1}),
    }),
}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory of its own; the modules its files import are forgotten after."""
    monkeypatch.chdir(tmp_path)
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]
    sys.path[:] = [p for p in sys.path if not p.startswith(str(tmp_path))]


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


@pytest.mark.parametrize("case", list(SHAPES))
def test_inventory_shapes_as_pyinfra(project: Path, case: str) -> None:
    files, spec, expected = SHAPES[case]
    write(project, files)
    inventory = load_inventory(spec)
    got = {h.name: (list(h.groups), {k: v for k, v in h.data.dict().items()
                                     if not k.startswith("_deploy")})
           for h in inventory}
    assert got == expected
    for name, (groups, _) in expected.items():  # each group lists its hosts
        for group in groups:
            assert name in [h.name for h in inventory.get_group(group)]


def test_connector_targets_reach_their_connector(project: Path) -> None:
    write(project, {"inventory.py": "hosts = ['@ssh/127.0.0.5', '@chroot/srv/root', "
                                    "('@ssh/127.0.0.6', {'ssh_hostname': '127.0.0.7'})]\n",
                    "group_data/hosts.py": "ssh_hostname = '127.0.0.8'\n"})
    ssh, chroot, given = load_inventory("inventory.py")
    # @ssh/HOST's address, under the host's own ssh_hostname, over its groups'
    assert (ssh.connector, ssh.target, ssh.name) == ("ssh", "127.0.0.5", "@ssh/127.0.0.5")
    assert (chroot.connector, chroot.target) == ("chroot", "/srv/root")
    assert given.target == "127.0.0.7"


def test_group_data_sees_the_inventory(project: Path) -> None:
    """Group data files run with the inventory bound (``from corral import inventory``),
    and their functions and classes are data, as in pyinfra."""
    write(project, {"inventory.py": "web = ['h1', 'h2']\n",
                    "group_data/web.py": "from corral import inventory\n"
                                         "peers = [h.name for h in inventory.get_group('web')]\n"
                                         "def helper():\n    return 7\n"})
    h1 = next(iter(load_inventory("inventory.py")))
    assert h1.data.peers == ["h1", "h2"] and h1.data.helper() == 7
    assert "inventory" not in h1.data


def test_extra_group_data_paths_come_last(project: Path) -> None:
    write(project, {"inventory.py": "web = ['h1']\n", "group_data/web.py": "a = 1\nb = 1\n",
                    "more/web.py": "b = 2\n", "one.py": "c = 3\n"})
    (h1,) = load_inventory("inventory.py", group_data=["more", "one.py"])
    assert (h1.data.a, h1.data.b) == (1, 2)
    assert "c" not in h1.data  # one.py is the data of a group "one"


def test_override_data_wins(project: Path) -> None:
    write(project, {"inventory.py": "web = [('h1', {'k': 'host'})]\n"})
    (h1,) = load_inventory("inventory.py", override_data={"k": "cli", "z": 1})
    assert (h1.data.k, h1.data.z) == ("cli", 1)
    h1.data.k = "deploy"  # deploy code's assignment wins over everything
    assert h1.data.k == "deploy"


SECRET = "/home/me/.ssh/secret_key_path"

BAD_SHAPES: dict[str, tuple[str, int, list[str]]] = {
    "data not a dict": ("x = 1\nweb = (['a'], 'notadict')\n", 2,
                        ["group web", "must be a dict, not a str"]),
    "three items": ("web = (['a'], {}, 3)\n", 1, ["group web", "tuple of 2 items, not 3"]),
    "name first": (f"web = ('a', {{'ssh_key': '{SECRET}'}})\n", 1,
                   ["group web", "takes a list of hosts first"]),
    "host tuple of two names": (f"web = [('a', '{SECRET}')]\n", 1,
                                ["group web", "host 1 is a tuple of (str, str)"]),
    "a dict among hosts": (f"web = ['a', {{'ssh_key': '{SECRET}'}}]\n", 1,
                           ["group web", "host 2 is a dict"]),
    "a host tuple of three": (f"web = [('a', {{'ssh_key': '{SECRET}'}}, 3)]\n", 1,
                              ["group web", "(str, dict, int)"]),
    "a host name that is no str": ("web = [\n    (1, {'k': 2}),\n]\n", 1,
                                   ["group web", "(int, dict)"]),
    "malformed name": (f"web = [\n    'ok',\n    ('a b', {{'ssh_key': '{SECRET}'}}),\n]\n", 3,
                       ["malformed host name 'a b'"]),
    "ssh_port": (f"web = [('a', {{'ssh_port': 'abc', 'ssh_key': '{SECRET}'}})]\n", 1,
                 ["host a", "ssh_port must be an int, not str"]),
    "host key policy": ("web = [('a', {'ssh_strict_host_key_checking': 'maybe'})]\n", 1,
                        ["host a", "must be one of accept-new, yes, no, off, ask"]),
    "hostile _sudo_user in data": ("web = [('a', {'_sudo_user': 'root; rm -rf /'})]\n", 1,
                                   ["host a", "host data _sudo_user must be a user name"]),
    "a global argument corral lacks": ("web = [('a', {'_doas': True})]\n", 1,
                                       ["host a", "host data _doas is set"]),
    "_sudo in group data not a bool": ("web = ['a']\n", 1, ["host a", "_sudo must be bool"]),
    "a wrong __all__": ("web = ['a']\n", 0, ["__all__ must be a list of names"]),
}


@pytest.mark.parametrize("case", list(BAD_SHAPES))
def test_unreadable_shapes_say_which_and_where(project: Path, case: str) -> None:
    source, line, parts = BAD_SHAPES[case]
    write(project, {"inventory.py": source})
    if case == "_sudo in group data not a bool":
        write(project, {"group_data/web.py": "_sudo = 'yes'\n"})
    if case == "a wrong __all__":
        write(project, {"group_data/web.py": "__all__ = 'x'\nx = 1\n"})
    with pytest.raises(BadInput) as info:
        load_inventory("inventory.py")
    text = str(info.value)
    for part in parts:
        assert part in text, text
    if line:
        assert info.value.file == "inventory.py" and info.value.line == line, text
    assert SECRET not in text and "secret" not in text  # never the host's data


def test_unknown_connector_names_itself(project: Path) -> None:
    write(project, {"inventory.py": "web = ['@local']\nbox = ['@vagrant/ubuntu:22.04']\n"})
    with pytest.raises(BadInput, match=r"unknown connector @vagrant \(known: ") as info:
        load_inventory("inventory.py")
    assert info.value.host == "@vagrant/ubuntu:22.04" and info.value.line == 2


def test_deploy_files_import_from_the_working_directory(project: Path) -> None:
    """pyinfra puts the working directory on sys.path: a deploy in a subdirectory imports
    the project's package (lilynet's ``lilynet/deploy/wg.py``: ``from lilynet.view import``).
    The deploy's own directory is on it too, after everything: a module beside it never
    shadows the standard library."""
    from corral import api

    write(project, {
        "proj_e/__init__.py": "",
        "proj_e/view.py": "NAME = 'view'\n",
        "proj_e/deploy/wg.py": "from proj_e.view import NAME\nimport colorsys\n"
                               "import beside_e\n"
                               "SEEN.append((NAME, colorsys.__file__, beside_e.X))\n",
        "proj_e/deploy/colorsys.py": "raise RuntimeError('shadowed the standard library')\n",
        "proj_e/deploy/beside_e.py": "X = 1\n",
    })
    seen: list[tuple[str, str, int]] = []
    import builtins

    builtins.SEEN = seen  # type: ignore[attr-defined]
    try:
        result = api.run("@local", ["proj_e/deploy/wg.py"])
    finally:
        del builtins.SEEN  # type: ignore[attr-defined]
    assert result.exit_code == 0
    assert len(seen) == 1 and seen[0][0] == "view" and seen[0][2] == 1
    assert str(project) not in seen[0][1]  # the standard library's colorsys
