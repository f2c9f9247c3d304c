"""What the packages operations defined on shared helpers (``operations/_util/packages``)
do alike. apk, brew, pacman, pkgin and xbps (``refresh_and_ensure``): their own tables pin
the commands with packages given; these pin the rest: without packages, ``update`` and
``upgrade`` still run (in that order) and nothing else does, and with nothing at all to do
the operation says so and runs nothing. cargo, choco and pkg (``requested``): given no
packages they say so and run nothing."""

from __future__ import annotations

from typing import Any

import pytest

from corral.operations import apk, brew, cargo, choco, pacman, pkg, pkgin, xbps
from corral.testing.optest import plan

#: (operation, its update command, its upgrade command, what its packages are called)
MANAGERS = [
    (apk.packages, "apk update", "apk upgrade", "packages"),
    (brew.packages, "brew update", "brew upgrade", "formulae"),
    (pacman.packages, "pacman -Sy", "pacman --noconfirm -Su", "packages"),
    (pkgin.packages, "pkgin -y update", "pkgin -y upgrade", "packages"),
    (xbps.packages, "xbps-install -S", "xbps-install -y -u", "packages"),
]


@pytest.mark.parametrize(("op", "update", "upgrade", "noun"), MANAGERS)
@pytest.mark.parametrize("packages", [None, []])
def test_without_packages_only_the_prelude_runs(
    op: Any, update: str, upgrade: str, noun: str, packages: Any
) -> None:
    assert plan(op, packages=packages, update=True).shell == [update]
    assert plan(op, packages=packages, upgrade=True).shell == [upgrade]
    both = plan(op, packages=packages, update=True, upgrade=True)
    assert both.shell == [update, upgrade]
    assert f"no {noun} given" not in both.notes


@pytest.mark.parametrize(("op", "update", "upgrade", "noun"), MANAGERS)
def test_with_nothing_to_do_it_says_so(op: Any, update: str, upgrade: str, noun: str) -> None:
    result = plan(op)
    assert result.shell == []
    assert f"no {noun} given" in result.notes


@pytest.mark.parametrize(("op", "noun"), [
    (cargo.packages, "crates"), (choco.packages, "packages"), (pkg.packages, "packages"),
])
@pytest.mark.parametrize("packages", [None, []])
def test_given_no_packages_it_says_so(op: Any, noun: str, packages: Any) -> None:
    result = plan(op, packages=packages)
    assert result.shell == []
    assert result.notes == [f"no {noun} given"]
