"""apt.update and apt.packages as (args, facts) -> commands, and the apt.AptCacheAge fact."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.apt import APT_UPDATE_STAMP, AptCacheAge, AptUpgradablePackages
from corral.facts.deb import DebPackages
from corral.model import keys
from corral.model.errors import FactParseError, OperationValueError
from corral.model.operation import OperationSpec
from corral.operations import apt
from corral.testing.optest import fact, plan


def change_keys(op: Any, **kwargs: Any) -> frozenset[keys.Key]:
    spec: OperationSpec = op._spec
    return spec.change_keys((), kwargs)


APT = (
    "DEBIAN_FRONTEND=noninteractive apt-get -y "
    "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
)
UPDATE = ["apt-get update", f"touch {APT_UPDATE_STAMP}"]

INSTALLED = {
    "curl": {"7.88.1-10+deb12u5"},
    "nginx": {"1.22.1-9"},
    "libc6": {"2.36-9+deb12u4"},
}


def debs(installed: dict[str, set[str]] | None = None) -> dict[Any, Any]:
    return {fact(DebPackages): INSTALLED if installed is None else installed}


def age(seconds: int | None) -> dict[Any, Any]:
    return {fact(AptCacheAge): seconds}


# --- update --------------------------------------------------------------------------------

UPDATE_CASES = [
    pytest.param({"cache_time": 3600}, age(60), [], id="cache fresh"),
    pytest.param({}, {}, UPDATE, id="always without cache_time"),
    pytest.param({"cache_time": 3600}, age(7200), UPDATE, id="cache stale"),
    pytest.param({"cache_time": 3600}, age(None), UPDATE, id="never updated"),
    pytest.param({"cache_time": 0}, {}, UPDATE, id="cache_time 0 is no cache"),
]


@pytest.mark.parametrize(("args", "facts", "expected"), UPDATE_CASES)
def test_update(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(apt.update, facts=facts, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_update_rejects_negative_cache_time() -> None:
    with pytest.raises(OperationValueError):
        plan(apt.update, cache_time=-1)


def test_update_changes() -> None:
    changed = change_keys(apt.update)
    assert keys.path(APT_UPDATE_STAMP) in changed
    assert keys.path("/var/lib/apt/lists") in changed


# --- packages ------------------------------------------------------------------------------

PACKAGE_CASES = [
    # already correct
    pytest.param({"packages": ["curl", "nginx"]}, debs(), [], id="already installed"),
    pytest.param({"packages": "curl"}, debs(), [], id="one package as a string"),
    pytest.param(
        {"packages": ["curl=7.88.1-10+deb12u5"]}, debs(), [], id="pinned version installed"
    ),
    pytest.param(
        {"packages": ["curl/bookworm-backports"]}, debs(), [], id="release suffix installed"
    ),
    pytest.param({"packages": ["vim", "htop"], "present": False}, debs(), [], id="already absent"),
    pytest.param(
        {"packages": ["curl=1.0-1"], "present": False},
        debs(),
        [],
        id="remove a pinned version that is not installed",
    ),
    pytest.param({"packages": []}, {}, [], id="empty list"),
    pytest.param({}, {}, [], id="no packages"),
    # install
    pytest.param(
        {"packages": ["curl", "vim", "htop"]},
        debs(),
        [f"{APT} install vim htop"],
        id="install only what is missing",
    ),
    pytest.param(
        {"packages": ["curl=7.88.1-10+deb12u6", "vim=2:9.0.1378-2"]},
        debs(),
        [f"{APT} install curl=7.88.1-10+deb12u6 vim=2:9.0.1378-2"],
        id="pinned versions",
    ),
    pytest.param(
        {"packages": ["vim~1"]},
        debs({}),
        [f"{APT} install 'vim~1'"],
        id="names are quoted",
    ),
    pytest.param(
        {"packages": ["vim", "vim"]},
        debs({}),
        [f"{APT} install vim"],
        id="duplicates once",
    ),
    pytest.param(
        {
            "packages": ["vim"],
            "no_recommends": True,
            "allow_downgrades": True,
            "force": True,
            "extra_install_args": "-t bookworm-backports",
        },
        debs(),
        [
            f"{APT} --force-yes install --no-install-recommends --allow-downgrades"
            " -t bookworm-backports vim"
        ],
        id="install options",
    ),
    pytest.param(
        {"packages": ["curl", "vim"], "latest": True},
        {**debs(), fact(AptUpgradablePackages): {"curl": "7.88.1-10+deb12u6"}},
        [f"{APT} install vim", f"{APT} install curl"],
        id="latest upgrades installed packages",
    ),
    pytest.param(
        {"packages": ["curl=7.88.1-10+deb12u5"], "latest": True},
        debs(),
        [],
        id="latest leaves pinned packages",
    ),
    pytest.param(
        {"packages": ["vim"], "update": True},
        debs(),
        [*UPDATE, f"{APT} install vim"],
        id="update first",
    ),
    pytest.param(
        {"packages": ["vim"], "update": True, "cache_time": 3600},
        {**debs(), **age(10)},
        [f"{APT} install vim"],
        id="update skipped by cache_time",
    ),
    pytest.param(
        {"packages": ["curl"], "update": True, "cache_time": 3600},
        {**debs(), **age(4000)},
        UPDATE,
        id="update with nothing to install",
    ),
    pytest.param(
        {"packages": ["vim"], "upgrade": True},
        debs(),
        [f"{APT} upgrade", f"{APT} install vim"],
        id="upgrade first",
    ),
    pytest.param({"update": True}, {}, UPDATE, id="only update"),
    # remove
    pytest.param(
        {"packages": ["curl", "vim", "nginx"], "present": False},
        debs(),
        [f"{APT} remove curl nginx"],
        id="remove only what is installed",
    ),
    pytest.param(
        {"packages": ["curl=7.88.1-10+deb12u5"], "present": False},
        debs(),
        [f"{APT} remove curl"],
        id="remove a pinned installed version",
    ),
    pytest.param(
        {
            "packages": ["nginx"],
            "present": False,
            "purge": True,
            "extra_uninstall_args": "--autoremove",
            "force": True,
        },
        debs(),
        [f"{APT} --force-yes purge --autoremove nginx"],
        id="purge",
    ),
]


@pytest.mark.parametrize(("args", "facts", "expected"), PACKAGE_CASES)
def test_packages(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(apt.packages, facts=facts, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_packages_reads_facts_before_updating() -> None:
    result = plan(
        apt.packages, packages=["vim"], update=True, cache_time=60, facts={**debs(), **age(None)}
    )
    assert [cls for cls, _ in result.facts_read[:2]] == [DebPackages, AptCacheAge]


@pytest.mark.parametrize("spec", ["=1.0", "vim=", "-oAPT::Get::Foo=1", ""])
def test_packages_bad_names(spec: str) -> None:
    with pytest.raises(OperationValueError):
        plan(apt.packages, packages=[spec], facts=debs())


def test_packages_changes() -> None:
    changed = change_keys(apt.packages, packages=["vim"])
    assert ("packages",) in changed
    assert keys.conflicts([keys.path("/etc/nginx/nginx.conf")], changed)
    with_update = change_keys(apt.packages, packages=["vim"], update=True)
    assert keys.path(APT_UPDATE_STAMP) in with_update


# --- the AptCacheAge fact ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("output", "expected"),
    [([], None), (["  "], None), (["42"], 42), (["-3"], 0), (["0"], 0)],
)
def test_cache_age_parses(output: list[str], expected: int | None) -> None:
    assert AptCacheAge().process(output) == expected


@pytest.mark.parametrize("output", [["soon"], ["1", "2"], ["1.5"]])
def test_cache_age_rejects(output: list[str]) -> None:
    with pytest.raises(FactParseError):
        AptCacheAge().process(output)


def test_cache_age_reads_the_stamp() -> None:
    assert AptCacheAge().reads() == frozenset({keys.path(APT_UPDATE_STAMP)})
    assert APT_UPDATE_STAMP in AptCacheAge().command()
    assert AptCacheAge.name == "apt.AptCacheAge"
