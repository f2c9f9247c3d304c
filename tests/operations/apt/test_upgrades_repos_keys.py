"""apt.packages(latest=True), apt.upgrade, dist_upgrade, repo, ppa, key and deb as
(args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.apt import (
    AptKeys,
    AptSources,
    AptUpgradablePackages,
    SimulateOperationWillChange,
)
from corral.facts.deb import DebPackage, DebPackages
from corral.facts.files import File, FindInFile
from corral.model.errors import OperationValueError
from corral.operations import apt
from corral.operations._util.packages import download_path
from corral.operations.files import _util as _files_util
from corral.testing.optest import fact, plan

APT = (
    "DEBIAN_FRONTEND=noninteractive apt-get -y "
    "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
)
INSTALLED = {"curl": {"7.88.1-10+deb12u5"}, "hello": {"2.10-3"}}


def run(op: Any, facts: dict[Any, Any], **args: Any) -> list[str]:
    result = plan(op, facts=facts, **args)
    if not result.commands:
        assert result.notes, "an operation that does nothing says why"
    return result.shell


# --- packages(latest=True) -----------------------------------------------------------------


@pytest.mark.parametrize(("upgradable", "expected"), [
    pytest.param({}, [], id="nothing upgradable: nothing to do"),
    pytest.param({"vim": "2"}, [], id="others upgradable"),
    pytest.param({"curl": "7.88.1-10+deb12u6"}, [f"{APT} install curl"], id="upgradable"),
])
def test_packages_latest(upgradable: dict[str, str], expected: list[str]) -> None:
    facts = {fact(DebPackages): INSTALLED, fact(AptUpgradablePackages): upgradable}
    assert run(apt.packages, facts, packages=["curl", "hello"], latest=True) == expected


def test_packages_latest_reads_upgradable_only_when_needed() -> None:
    facts = {fact(DebPackages): {}}
    assert run(apt.packages, facts, packages=["vim"], latest=True) == [f"{APT} install vim"]


# --- upgrade, dist_upgrade -----------------------------------------------------------------

NOTHING = {"upgraded": 0, "newly_installed": 0, "removed": 0, "not_upgraded": 2}
SOME = {"upgraded": 3, "newly_installed": 0, "removed": 0, "not_upgraded": 0}


@pytest.mark.parametrize(("op", "args", "command", "sim", "expected"), [
    (apt.upgrade, {}, "upgrade", NOTHING, []),
    (apt.upgrade, {}, "upgrade", SOME, [f"{APT} upgrade"]),
    (apt.upgrade, {}, "upgrade", None, [f"{APT} upgrade"]),
    (apt.upgrade, {"auto_remove": True}, "upgrade --autoremove", SOME,
     [f"{APT} upgrade --autoremove"]),
    (apt.dist_upgrade, {}, "dist-upgrade", NOTHING, []),
    (apt.dist_upgrade, {"auto_remove": True}, "dist-upgrade --autoremove", SOME,
     [f"{APT} dist-upgrade --autoremove"]),
])
def test_upgrades(op: Any, args: dict[str, Any], command: str, sim: Any,
                  expected: list[str]) -> None:
    facts = {fact(SimulateOperationWillChange, command=command): sim}
    assert run(op, facts, **args) == expected


# --- repo, ppa -----------------------------------------------------------------------------

SRC = "deb [trusted=yes] file:/srv/extra ./"
EXTRA = {"type": "deb", "url": "file:/srv/extra", "distribution": "./", "components": [],
         "options": {"trusted": "yes"}}


def grep(path: str, found: list[str] | None) -> dict[Any, Any]:
    pattern = _files_util.whole_line_regex(SRC, True, False)
    return {fact(FindInFile, path=path, pattern=pattern, interpolate_variables=False): found}


@pytest.mark.parametrize(("args", "facts", "expected"), [
    pytest.param({"src": SRC}, {fact(AptSources): [EXTRA]}, [], id="present"),
    pytest.param({"src": SRC, "present": False}, {fact(AptSources): []}, [], id="absent"),
    pytest.param({"src": SRC, "filename": "extra"},
                 {fact(AptSources): [], **grep("/etc/apt/sources.list.d/extra.list", None)},
                 ["__l='deb [trusted=yes] file:/srv/extra ./'"], id="add"),
    pytest.param({"src": SRC, "present": False},
                 {fact(AptSources): [EXTRA], **grep("/etc/apt/sources.list", [SRC])},
                 ["sed"], id="remove"),
])
def test_repo(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    commands = run(apt.repo, facts, **args)
    assert len(commands) == len(expected)
    for got, want in zip(commands, expected, strict=True):
        assert got.startswith(want) or want in got


@pytest.mark.parametrize("args", [{"src": "not a source"},
                                  {"src": SRC, "filename": "../evil"}])
def test_repo_rejects(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(apt.repo, facts={fact(AptSources): []}, **args)


PPA_SOURCE = {"type": "deb", "url": "https://ppa.launchpadcontent.net/deadsnakes/ppa/ubuntu",
              "distribution": "jammy", "components": ["main"], "options": {}}


@pytest.mark.parametrize(("present", "sources", "expected"), [
    (True, [PPA_SOURCE], []),
    (False, [], []),
    (True, [], ["apt-add-repository -y ppa:deadsnakes/ppa"]),
    (False, [PPA_SOURCE], ["apt-add-repository -y --remove ppa:deadsnakes/ppa"]),
])
def test_ppa(present: bool, sources: list[Any], expected: list[str]) -> None:
    facts = {fact(AptSources): sources}
    assert run(apt.ppa, facts, src="ppa:deadsnakes/ppa", present=present) == expected
    with pytest.raises(OperationValueError):
        plan(apt.ppa, facts=facts, src="deadsnakes")


@pytest.mark.parametrize(("present", "sources", "expected"), [
    (True, [PPA_SOURCE], []),  # already there: ppa:USER is ppa:USER/ppa
    (True, [], ["apt-add-repository -y ppa:deadsnakes"]),
    (False, [PPA_SOURCE], ["apt-add-repository -y --remove ppa:deadsnakes"]),
])
def test_ppa_of_a_user_alone_is_the_users_ppa_named_ppa(
        present: bool, sources: list[Any], expected: list[str]) -> None:
    facts = {fact(AptSources): sources}
    assert run(apt.ppa, facts, src="ppa:deadsnakes", present=present) == expected


# --- key -----------------------------------------------------------------------------------

KEYRING = "/etc/apt/keyrings/vendor.gpg"
KEY = {"14D9CA0F836277FB": {"length": 2048,
                            "fingerprint": "63B93648732AD9D15BA16EF114D9CA0F836277FB",
                            "subkeys": {}, "keyring": KEYRING}}
FILE = {"user": "root", "group": "root", "mode": 0o644, "size": 1, "atime": None,
        "mtime": None, "ctime": None}


def key_facts(exists: bool, keys_in_dir: dict[str, Any] | None = None) -> dict[Any, Any]:
    facts: dict[Any, Any] = {fact(File, path=KEYRING): FILE if exists else None}
    if keys_in_dir is not None:
        facts[fact(AptKeys, directories=["/etc/apt/keyrings"])] = keys_in_dir
    return facts


def test_key_exists() -> None:
    assert run(apt.key, key_facts(True), src="/srv/key.asc", dest="vendor") == []
    assert run(apt.key, key_facts(True, KEY), keyserver="hkps://k", keyid="836277FB",
               dest="vendor.gpg") == []


def test_key_from_a_file() -> None:
    commands = run(apt.key, key_facts(False), src="/srv/key.asc", dest="vendor.gpg")
    assert commands[0] == "install -d -m 755 /etc/apt/keyrings"
    assert "gpg --batch --yes --dearmor -o /etc/apt/keyrings/vendor.gpg /srv/key.asc" \
        in commands[1]


def test_key_default_names() -> None:
    url = "https://apt.example.com/keys/Release.asc"
    path = "/etc/apt/keyrings/apt.example.com-release.gpg"
    commands = run(apt.key, {fact(File, path=path): None}, src=url)
    assert commands[1].startswith("mkdir -p /var/cache/corral/downloads && { curl")
    assert download_path(url) in commands[2] and path in commands[2]


def test_key_from_a_keyserver_missing_in_keyring() -> None:
    commands = run(apt.key, key_facts(True, {}), keyserver="hkps://keys.example",
                   keyid="0x836277FB", dest="vendor.gpg")
    assert "--recv-keys 836277FB" in commands[1]
    assert "--export 836277FB > /etc/apt/keyrings/vendor.gpg.tmp" in commands[1]


def test_key_removal() -> None:
    assert run(apt.key, key_facts(True), dest="vendor.gpg", present=False) == [
        f"rm -f {KEYRING}"]
    assert run(apt.key, key_facts(False), dest="vendor.gpg", present=False) == []
    found = {fact(AptKeys): KEY}
    assert run(apt.key, found, keyid="836277FB", present=False) == [f"rm -f {KEYRING}"]
    assert run(apt.key, found, keyid="DEADBEEF", present=False) == []


@pytest.mark.parametrize("args", [{}, {"keyserver": "hkps://k"}, {"src": "/k", "keyid": "xyz"}])
def test_key_rejects(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(apt.key, facts={}, **args)


# --- deb -----------------------------------------------------------------------------------

DEB = "/srv/hello_2.10-3_amd64.deb"
DPKG = "dpkg --force-confdef --force-confold -i"


@pytest.mark.parametrize(("present", "info", "installed", "expected"), [
    (True, {"name": "hello", "version": "2.10-3"}, INSTALLED, []),
    (False, {"name": "hello", "version": "2.10-3"}, {}, []),
    (True, {"name": "hello", "version": "2.10-4"}, INSTALLED,
     [f"{DPKG} {DEB} 2>/dev/null || true", f"{APT} install -f", f"{DPKG} {DEB}"]),
    (False, {"name": "hello", "version": "2.10-3"}, INSTALLED, [f"{APT} remove hello"]),
])
def test_deb(present: bool, info: Any, installed: Any, expected: list[str]) -> None:
    facts = {fact(DebPackage, package=DEB): info, fact(DebPackages): installed}
    assert run(apt.deb, facts, src=DEB, present=present) == expected


def test_deb_from_a_url() -> None:
    url = "http://127.0.0.1:8000/hello_2.10-3_amd64.deb"
    path = download_path(url, ".deb")
    facts = {fact(DebPackage, package=path): None, fact(DebPackages): {}}
    commands = run(apt.deb, facts, src=url)
    assert "curl -fsSL" in commands[0] and len(commands) == 4
    facts[fact(DebPackage, package=path)] = {"name": "hello", "version": "2.10-3"}
    facts[fact(DebPackages)] = INSTALLED
    assert run(apt.deb, facts, src=url) == []
