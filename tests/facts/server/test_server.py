"""server.* facts against output captured on Debian 12 (see data/capture.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from corral.facts import server
from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import registered_facts

DATA = Path(__file__).parents[1] / "data"


def load(name: str) -> Any:
    record = json.loads((DATA / f"{name}.json").read_text())
    fact = registered_facts()[record["fact"]]()
    assert fact.command(**record["kwargs"]) == record["command"], "re-run data/capture.py"
    if record["exit"] != 0:
        return fact.default()
    return fact.process(record["output"])


def test_uname_facts() -> None:
    assert load("server_os") == "Linux"
    assert load("server_kernel") == "Linux"
    assert load("server_arch") == "x86_64"
    assert load("server_hostname") == "vm"
    with pytest.raises(FactParseError):
        server.Hostname().process([])


def test_linux_distribution() -> None:
    for name in ("server_linuxdistribution", "server_linuxdistribution_rootfs"):
        distro = load(name)
        assert distro["name"] == "Debian"
        assert (distro["major"], distro["minor"]) == (12, None)
        meta = distro["release_meta"]
        assert meta["ID"] == "debian"
        assert meta["VERSION_ID"] == "12"
        assert meta["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)"
        assert meta["CODENAME"] == "bookworm"


def test_linux_distribution_other_release_files() -> None:
    marker = "__corral_release_file__ "
    centos = [
        f"{marker}/etc/centos-release", "CentOS Linux release 8.4.2105", "",
        f"{marker}/etc/os-release", 'NAME="CentOS Linux"', 'VERSION="8"', 'ID="centos"',
        'VERSION_ID="8"', "",
    ]
    distro = server.LinuxDistribution().process(centos)
    assert (distro["name"], distro["major"], distro["minor"]) == ("CentOS", 8, 4)
    assert "CODENAME" not in distro["release_meta"]
    old = [f"{marker}/etc/redhat-release", "CentOS release 6.10 (Final)"]
    assert server.LinuxDistribution().process(old)["name"] == "CentOS"
    arch = [f"{marker}/etc/arch-release", f"{marker}/etc/os-release", 'NAME="Arch Linux"',
            "ID=arch", "BUILD_ID=rolling"]
    distro = server.LinuxDistribution().process(arch)
    assert (distro["name"], distro["major"], distro["minor"]) == ("Arch Linux", None, None)
    assert server.LinuxDistribution().process([]) == server.LinuxDistribution.default()
    with pytest.raises(FactParseError):
        server.LinuxDistribution().process(["stray line"])


def test_groups() -> None:
    groups = load("server_groups_rootfs")
    assert groups[0] == "root"
    assert {"sudo", "users", "staffx", "alice"} <= set(groups)
    assert "root" in load("server_groups")


def test_users() -> None:
    users = load("server_users_rootfs")
    root = users["root"]
    assert root["home"] == "/root"
    assert root["uid"] == 0 and root["gid"] == 0
    assert root["shell"] == "/bin/bash"
    assert root["group"] == "root" and root["groups"] == []
    assert root["lastlog"] is None and root["login_time"] is None
    assert root["password"] == "*"
    assert users["_apt"]["comment"] is None
    alice = users["alice"]
    assert alice["comment"] == "Alice Example"
    assert alice["home"] == "/home/alice"
    assert (alice["uid"], alice["gid"]) == (1001, 1002)
    assert alice["group"] == "alice"
    assert alice["groups"] == ["users", "staffx"]
    assert alice["lastlog"] == "Sat Dec 5 14:06:23 +0000 2026"
    assert alice["login_time"] == datetime(2026, 12, 5, 14, 6, 23, tzinfo=UTC)
    assert alice["password"] == "!"


def test_users_odd_lines() -> None:
    line = "bob:x:1:2:Bob | Builder:/home/bob:/bin/sh|bob|bob adm|bob pts/0 1.2.3.4 Mon Jan  1 " \
           "10:00:00 +0100 2024|$6$salt$hash"
    bob = server.Users().process([line, ""])["bob"]
    assert bob["comment"] == "Bob | Builder"
    assert bob["groups"] == ["adm"]
    assert bob["login_time"] == datetime(2024, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert bob["password"] == "$6$salt$hash"
    for bad in ["no pipes", "a:b|g|g||", "a:x:one:2:::|g|g||"]:
        with pytest.raises(FactParseError):
            server.Users().process([bad])


def test_users_group_names_holding_pipes_and_blanks() -> None:
    """The command %-escapes a group name's %, |, space and tab (it ran on a sandbox with
    such groups in tests/hostile): the name comes back whole, the fields stay in place."""
    line = "u1:x:1500:41001:x|y:/home/u1:/bin/sh|prim%7Cg|prim%7Cg a%7Cb%20c%257C||"
    u1 = server.Users().process([line])["u1"]
    assert (u1["shell"], u1["group"], u1["groups"]) == ("/bin/sh", "prim|g", ["a|b c%7C"])
    assert "esc($1)" in server.Users().command()


def test_home() -> None:
    assert load("server_home_root") == "/root"
    assert load("server_home_alice") == "/home/alice"
    assert load("server_home_current") == "/root"
    assert load("server_home_missing") is None
    assert server.Home().command() == "echo ~"
    assert "getent passwd -- 'a b'" in server.Home().command(user="a b")


def test_which() -> None:
    assert load("server_which_sh") == "/usr/bin/sh"
    assert load("server_which_missing") is None
    assert server.Which().command(command="x; rm -rf /") == "command -v 'x; rm -rf /' || true"


def test_reads_and_defaults() -> None:
    assert server.Users().reads() == frozenset({("users",), keys.path("/etc/passwd")})
    assert server.Groups().reads() == frozenset({("groups",), keys.path("/etc/group")})
    assert server.Home().reads(user="x") == frozenset({("users",)})
    assert server.Which().reads(command="x") == frozenset({("packages",)})
    assert server.Hostname().reads() == frozenset({("hostname",)})
    for cls in (server.Os, server.Arch, server.Kernel, server.LinuxDistribution):
        assert cls().reads() == frozenset()
    assert server.Users.default() == {} and server.Groups.default() == []
    assert {"server.Os", "server.Kernel", "server.Users", "server.Which"} <= set(
        registered_facts()
    )
