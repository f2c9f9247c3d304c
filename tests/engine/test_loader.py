"""Inventories: files, group data layering, comma lists, targets, --limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from corral import api, host, inventory
from corral.engine.loader import limit_inventory, load_inventory
from corral.model.errors import BadInput


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
    web1, web2, db1, local = inv.hosts
    assert web1.data.port == 3 and web1.data.role == "web" and web1.data.region == "eu"
    assert web2.data.port == 2
    assert db1.data.port == 1 and db1.data.role == "db"
    assert db1.data.missing is None and "os" not in db1.data and "_private" not in db1.data
    assert web1.groups == ("web",) and local.groups == ("db",)
    assert local.connector == "local" and web1.connector == "testlocal"
    assert web1.target == "web1"
    assert sorted(inv.groups) == ["all", "db", "web"]


def test_targets_and_comma_lists() -> None:
    inv = load_inventory("@local,@chroot/srv/root")
    local, chroot = inv.hosts
    assert (local.connector, chroot.connector, chroot.target) == ("local", "chroot", "/srv/root")


@pytest.mark.parametrize("spec", ["bad name", "@local,,x y", "a;b"])
def test_malformed_host_names(spec: str) -> None:
    with pytest.raises(BadInput, match="malformed host name"):
        load_inventory(spec)


def test_inventory_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    inv = tmp_path / "inventory.py"
    inv.write_text("web = ['a',\n  'b'\nx = (\n")
    with pytest.raises(BadInput) as info:
        load_inventory(str(inv))
    assert info.value.file == str(inv) and info.value.line is not None


def test_limit_by_name_group_and_glob(tmp_path: Path) -> None:
    inv = load_inventory(str(write_inventory(tmp_path)))
    names = ["@testlocal/web1", "@testlocal/web2", "@testlocal/db1"]
    assert [h.name for h in limit_inventory(inv, ["web"])] == names[:2]
    both = limit_inventory(inv, [f"{names[2]},{names[1]}"])
    assert [h.name for h in both] == [names[1], names[2]]  # inventory order
    assert [h.name for h in limit_inventory(inv, ["*w*1"])] == names[:1]
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
    assert seen == {"name": "@local", "groups": (), "hosts": ["@local"], "parallel": 3}
