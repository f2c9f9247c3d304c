"""deb.* facts against `dpkg-query -l` output (what `dpkg -l` prints) captured on Debian 12
(see data/capture.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corral.facts import deb

DATA = Path(__file__).parents[1] / "data"


def load(name: str, command: str | None = None) -> dict[str, set[str]]:
    record: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    fact = deb.DebPackages()
    assert record["command"] == (command or fact.command())
    assert record["exit"] == 0
    return fact.process(record["output"])


def test_the_status_file_and_dpkg_query_give_the_same_packages() -> None:
    """The fact reads dpkg's status file, or runs dpkg-query -l when an interrupted dpkg
    left updates unmerged: both captured on the same system at the same moment."""
    from_status = load("deb_debpackages_rootfs")
    assert from_status == load("deb_debpackages_rootfs_dpkg", command="dpkg-query -l")


def test_a_status_stanza_counts_when_installed_or_held() -> None:
    out = ["Package: a", "Status: install ok installed", "Version: 1.0",
           "Package: b", "Status: deinstall ok config-files", "Version: 2",
           "Package: c", "Status: hold ok installed", "Version: 3:4~rc1",
           "Package: d", "Status: install reinstreq installed", "Version: 5",
           "Package: e", "Status: install ok unpacked", "Version: 6",
           "Package: a", "Status: install ok installed", "Version: 1.1"]
    assert deb.DebPackages().process(out) == {"a": {"1.0", "1.1"}, "c": {"3:4~rc1"},
                                             "d": {"5"}}


def test_rootfs_packages() -> None:
    packages = load("deb_debpackages_rootfs")
    assert packages["bash"] == {"5.2.15-2+b13"}
    assert packages["libc6"] == {"2.36-9+deb12u14"}  # listed as libc6:amd64
    assert "libc6:amd64" not in packages
    assert "Desired=Unknown/Install/Remove/Purge/Hold" not in packages
    assert len(packages) == 190  # the test image: minbase and the packages the tests use


def test_host_packages() -> None:
    packages = load("deb_debpackages")
    assert "dpkg" in packages and "coreutils" in packages
    assert all(isinstance(v, set) and v for v in packages.values())


def test_states_and_multiple_versions() -> None:
    out = [
        "ii  linux-image-6.1.0-1-amd64  6.1.4-1  amd64  Linux",
        "hi  held-pkg                   1:2.0~rc1  all  held",
        "rc  removed-pkg                1.0-1    amd64  removed, config kept",
        "un  unknown-pkg                <none>   <none> (no description)",
        "ii  foo:i386                   1.0      i386   foo",
        "ii  foo:amd64                  1.1      amd64  foo",
    ]
    assert deb.DebPackages().process(out) == {
        "linux-image-6.1.0-1-amd64": {"6.1.4-1"},
        "held-pkg": {"1:2.0~rc1"},
        "foo": {"1.0", "1.1"},
    }


def test_contract() -> None:
    assert deb.DebPackages.name == "deb.DebPackages"
    assert deb.DebPackages.requires_command == "dpkg-query"
    assert deb.DebPackages.default() == {}
    assert deb.DebPackages().reads() == frozenset({("packages",)})
