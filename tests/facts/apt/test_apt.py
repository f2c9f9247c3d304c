"""apt.AptSources, AptKeys, AptUpgradablePackages, SimulateOperationWillChange and
deb.DebPackage, DebArch on output captured on Debian 12 (data/capture_packages.py)."""

from __future__ import annotations

import pytest

from corral.facts import apt, deb
from corral.model import keys
from corral.model.errors import FactParseError

from .._pkg_data import captured


def test_sources_list_and_deb822() -> None:
    repos = captured("apt_sources", apt.AptSources)
    assert repos[0] == {"type": "deb", "url": "file:/var/local/corral-repo",
                        "distribution": "./", "components": [],
                        "options": {"trusted": "yes"}}
    assert repos[1] == {"type": "deb", "url": "https://apt.example.com/x",
                        "distribution": "stable", "components": ["main"],
                        "options": {"arch": ["amd64", "arm64"],
                                    "signed-by": "/etc/apt/keyrings/example.gpg"}}
    # deb822: 2 types x 2 suites, the disabled stanza left out
    deb822 = repos[2:]
    assert len(deb822) == 4
    assert {(r["type"], r["distribution"]) for r in deb822} == {
        ("deb", "bookworm"), ("deb", "bookworm-updates"),
        ("deb-src", "bookworm"), ("deb-src", "bookworm-updates")}
    assert all(r["components"] == ["main", "contrib"] for r in deb822)
    assert all(r["options"] == {"signed-by": "/etc/apt/keyrings/example.gpg"} for r in deb822)


@pytest.mark.parametrize("line", ["deb", "deb http://x", "rpm http://x a b", "deb [a] x y"])
def test_parse_apt_repo_rejects(line: str) -> None:
    assert apt.parse_apt_repo(line) is None


def test_sources_garbage() -> None:
    with pytest.raises(FactParseError):
        apt.AptSources().process(["#corral-file:/x.sources", "Types deb"])
    with pytest.raises(FactParseError):
        apt.AptSources().process(["stray"])
    assert apt.AptSources().process([]) == []


def test_keys_of_the_image() -> None:
    found = captured("apt_keys", apt.AptKeys)
    bookworm = found["F8D2585B8783D481"]
    assert bookworm["length"] == 255
    assert bookworm["fingerprint"] == "4D64FEC119C2029067D6E791F8D2585B8783D481"
    assert bookworm["uid"].startswith("Debian Stable Release Key (12/bookworm)")
    bullseye = found["73A4F27B8DD47936"]
    assert bullseye["subkeys"]["0E98404D386FA1D9"]["fingerprint"].endswith("0E98404D386FA1D9")
    assert bullseye["keyring"].startswith("/usr/share/keyrings/")
    # the key the capture generated (its id changes with each capture)
    [generated] = [k for k in found.values() if k["keyring"] == "/etc/apt/keyrings/example.gpg"]
    assert generated["uid"] == "Corral Test <test@corral.invalid>"
    assert generated["length"] == 2048


def test_keys_of_one_directory() -> None:
    found = captured("apt_keys_keyrings", apt.AptKeys)
    [(key_id, info)] = found.items()
    assert info["fingerprint"].endswith(key_id) and len(key_id) == 16
    assert apt.AptKeys().reads(directories=["/etc/apt/keyrings"]) == frozenset(
        {keys.path("/etc/apt/keyrings")})


def test_keys_garbage() -> None:
    with pytest.raises(FactParseError):
        apt.AptKeys().process(["pub:-:x:1:ABCD:"])
    with pytest.raises(FactParseError):
        apt.AptKeys().process(["sub:-:2048:1:ABCD:"])
    with pytest.raises(FactParseError):
        apt.AptKeys().process(["hello world"])


def test_upgradable() -> None:
    found = captured("apt_upgradable", apt.AptUpgradablePackages)
    assert found["apt-transport-https"] == "2.6.2"
    assert found["appstream"] == "0.16.1-2+b1"
    assert len(found) == 131
    assert captured("apt_upgradable_none", apt.AptUpgradablePackages) == {}
    with pytest.raises(FactParseError):
        apt.AptUpgradablePackages().process(["vim 9.0 amd64"])


def test_simulate() -> None:
    assert captured("apt_simulate_nothing", apt.SimulateOperationWillChange) == {
        "upgraded": 0, "newly_installed": 0, "removed": 0, "not_upgraded": 0}
    busy = captured("apt_simulate_upgrade", apt.SimulateOperationWillChange)
    assert busy is not None and busy["upgraded"] > 100
    with pytest.raises(FactParseError):
        apt.SimulateOperationWillChange().process(["E: Could not open lock file"])


def test_deb_package() -> None:
    assert captured("deb_package_installed", deb.DebPackage) == {
        "name": "dpkg", "version": "1.21.23"}
    assert captured("deb_package_missing", deb.DebPackage) == {}
    assert captured("deb_package_file", deb.DebPackage) == {
        "name": "hello", "version": "2.10-3"}
    assert captured("deb_package_no_file", deb.DebPackage) is None
    removed = ["Package: x", "Status: deinstall ok config-files", "Version: 1.0"]
    assert deb.DebPackage().process(removed) == {}
    with pytest.raises(FactParseError):
        deb.DebPackage().process(["Package: x y", "Version: 1"])
    assert deb.DebPackage().reads(package="/srv/x.deb") == frozenset({keys.path("/srv/x.deb")})


def test_deb_arch() -> None:
    assert captured("deb_arch", deb.DebArch) == "amd64"
    with pytest.raises(FactParseError):
        deb.DebArch().process(["amd64", "i386"])


def test_names() -> None:
    assert apt.AptSources.name == "apt.AptSources"
    assert apt.AptKeys.name == "apt.AptKeys"
    assert deb.DebPackage.name == "deb.DebPackage"
    assert deb.DebArch.name == "deb.DebArch"
