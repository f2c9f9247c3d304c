"""Inventories: files, group data layering, comma lists, targets, --limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from corral import api, host, inventory
from corral.engine.loader import limit_inventory, load_inventory
from corral.model.errors import BadInput
from corral.model.inventory import Inventory


def write_inventory(tmp_path: Path) -> Path:
    (tmp_path / "group_data").mkdir()
    (tmp_path / "group_data" / "all.py").write_text(
        "region = 'eu'\nport = 1\nimport os\n_private = 1\n")
    (tmp_path / "group_data" / "web.py").write_text("port = 2\nrole = 'web'\n")
    (tmp_path / "group_data" / "db.py").write_text("role = 'db'\n")
    inv = tmp_path / "inventory.py"
    inv.write_text(
        "web = [('@testlocal/web1', {'port': 3}), '@testlocal/web2']\n"
        "db = ['@testlocal/db1', '@local']\n"
        "_hidden = ['nope']\n"
        "not_a_group = 'x'\n"
    )
    return inv


def test_groups_and_layered_data(tmp_path: Path) -> None:
    inv = load_inventory(str(write_inventory(tmp_path)))
    assert [h.name for h in inv] == ["@testlocal/web1", "@testlocal/web2", "@testlocal/db1",
                                     "@local"]
    web1, web2, db1, local = inv
    assert web1.data.port == 3 and web1.data.role == "web" and web1.data.region == "eu"
    assert web2.data.port == 2
    assert db1.data.port == 1 and db1.data.role == "db"
    # as pyinfra: a missing key raises AttributeError; names bound by imports are no data,
    # names with a leading underscore are (``_sudo = True``)
    with pytest.raises(AttributeError, match="Host `@testlocal/db1` has no data `missing`"):
        db1.data.missing  # noqa: B018
    assert "os" not in db1.data and db1.data._private == 1
    # the inventory's groups, then the file's name, then the connector's
    assert web1.groups == ("web", "inventory", "@testlocal")
    assert local.groups == ("db", "inventory", "@local")
    assert local.connector == "local" and web1.connector == "testlocal"
    assert web1.target == "web1"
    assert sorted(inv.groups) == ["@local", "@testlocal", "db", "inventory", "web"]  # no "all"


def test_targets_and_comma_lists() -> None:
    inv = load_inventory("@local,@chroot/srv/root")
    local, chroot = inv
    assert (local.connector, chroot.connector, chroot.target) == ("local", "chroot", "/srv/root")


@pytest.mark.parametrize("spec", ["bad name", "@local,,x y", "a;b"])
def test_malformed_host_names(spec: str) -> None:
    with pytest.raises(BadInput, match="malformed host name"):
        load_inventory(spec)


def test_a_host_in_several_groups_is_one_host_with_merged_data(tmp_path: Path) -> None:
    # pyinfra's shape: the same name in two groups is one host, in both groups, its data
    # merged; giving the same value again is no conflict
    inv_file = tmp_path / "inventory.py"
    inv_file.write_text(
        "web = [('h1', {'ssh_hostname': '127.0.0.1', 'role': 'web'}), 'h2']\n"
        "db = ['h1', ('h2', {'port': 5})]\n"
        "app = [('h1', {'ssh_hostname': '127.0.0.1', 'x': 1})]\n")
    inv = load_inventory(str(inv_file))
    assert [h.name for h in inv] == ["h1", "h2"]
    h1, h2 = inv
    assert h1.groups == ("web", "db", "app", "inventory")
    assert h2.groups == ("web", "db", "inventory")
    assert (h1.data.role, h1.data.x, h2.data.port) == ("web", 1, 5)
    assert h1.target == "127.0.0.1" and h2.target == "h2"
    assert [h.name for h in inv.get_group("db")] == ["h1", "h2"]


@pytest.mark.parametrize("source,message", [
    ("web = ['h1', 'h2', 'h1']\n", "listed twice in group web"),
    ("web = [('h1', {'a': 1}), ('h1', {'a': 1})]\n", "listed twice in group web"),
    ("web = [('h1', {'a': 1})]\ndb = [('h1', {'a': 2})]\n", "defined twice"),
])
def test_a_host_defined_twice_is_bad_input(tmp_path: Path, source: str, message: str) -> None:
    inv_file = tmp_path / "inventory.py"
    inv_file.write_text(source)
    with pytest.raises(BadInput, match=message) as info:
        load_inventory(str(inv_file))
    assert info.value.file == str(inv_file) and info.value.host == "h1"
    assert info.value.line == source.count("\n")  # the second mention's line


def test_hosts_of_the_same_name_make_no_inventory() -> None:
    from corral.model.host import Host, HostData
    from corral.model.inventory import Inventory

    hosts = [Host("a", HostData({}), (), "local", ""), Host("a", HostData({}), (), "local", "")]
    with pytest.raises(BadInput, match="two hosts") as info:
        Inventory(hosts, {})
    assert info.value.host == "a"


LONGEST = ".".join(["a" * 63] * 3 + ["b" * 61])  # 253 characters


@pytest.mark.parametrize("spec,target", [
    ("127.0.0.1", "127.0.0.1"), ("::1", "::1"), ("[::1]", "::1"), ("fe80::1%lo", "fe80::1%lo"),
    ("localhost", "localhost"), ("web-1.example.com.", "web-1.example.com."),
    ("db_1.internal", "db_1.internal"), (LONGEST, LONGEST), ("@ssh/127.0.0.2", "127.0.0.2"),
    ("x1", "x1"),
])
def test_addresses_ssh_connects_to(spec: str, target: str) -> None:
    (h,) = load_inventory(spec)
    assert (h.connector, h.target) == ("ssh", target)


@pytest.mark.parametrize("spec,problem", [
    ("a..b", "empty label"), (".a", "empty label"), ("a" * 64, "64 characters"),
    (LONGEST + "b", "254 characters"), ("-a.example.com", "label '-a'"),
    ("a-.example.com", "label 'a-'"), ("_a.example.com", "label '_a'"), ("1.2.3", "IPv4"),
    ("256.1.1.1", "IPv4"),
    ("1:2:3", "IPv6"), ("root@host", "ssh_user"), ("@ssh/a..b", "empty label"),
])
def test_malformed_addresses_are_bad_input(spec: str, problem: str) -> None:
    with pytest.raises(BadInput, match="malformed host name") as info:
        load_inventory(spec)
    assert problem in str(info.value) and info.value.host == spec


def test_a_label_with_ssh_hostname_is_checked_by_its_address(tmp_path: Path) -> None:
    inv_file = tmp_path / "inventory.py"
    inv_file.write_text("web = [('app_server', {'ssh_hostname': '127.0.0.5'})]\n"
                        "db = [\n    ('db', {'ssh_hostname': 'a..b'}),\n]\n")
    with pytest.raises(BadInput, match=r"malformed ssh_hostname 'a\.\.b'") as info:
        load_inventory(str(inv_file))
    assert (info.value.host, info.value.line) == ("db", 3)
    inv_file.write_text("web = [('app_server', {'ssh_hostname': '127.0.0.5'})]\n")
    assert load_inventory(str(inv_file)).get_host("app_server").target == "127.0.0.5"


def test_inventory_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.py"
    inv.write_text("web = ['a',\n  'b'\nx = (\n")
    with pytest.raises(BadInput) as info:
        load_inventory(str(inv))
    assert info.value.file == str(inv) and info.value.line is not None


def active(inventory: Inventory) -> list[str]:
    return [h.name for h in inventory.get_active_hosts()]


def test_limit_by_name_group_and_glob(tmp_path: Path) -> None:
    inv = load_inventory(str(write_inventory(tmp_path)))
    names = ["@testlocal/web1", "@testlocal/web2", "@testlocal/db1"]
    assert active(limit_inventory(inv, ["web"])) == names[:2]
    both = limit_inventory(inv, [f"{names[2]},{names[1]}"])
    assert active(both) == [names[1], names[2]]  # inventory order
    assert active(limit_inventory(inv, ["*w*1"])) == names[:1]
    # the rest of the inventory stays visible (pyinfra's --limit)
    assert [h.name for h in both] == [h.name for h in inv]
    assert [h.name for h in both.get_group("web")] == names[:2]
    with pytest.raises(BadInput, match="matches no host"):
        limit_inventory(inv, ["nothing*"])


def test_deploy_code_sees_host_inventory_and_config(tmp_path: Path) -> None:
    seen: dict[str, object] = {}

    def deploy() -> None:
        seen["name"] = host.name
        seen["groups"] = host.groups
        seen["hosts"] = [h.name for h in inventory]
        from corral import config

        seen["parallel"] = config.PARALLEL

    api.run("@local", deploy, parallel=3)
    assert seen == {"name": "@local", "groups": ("@local",), "hosts": ["@local"],
                    "parallel": 3}
