"""pacman.* facts on real pacman 6.0 output (Debian 12's pacman-package-manager) over a
private database and a local repository of two packages built with makepkg
(data/capture_packages.py)."""

from __future__ import annotations

from corral.facts import pacman

from .._pkg_data import captured


def test_installed() -> None:
    assert captured("pacman_packages", pacman.PacmanPackages) == {"corral-alpha": {"1.0.2-1"}}


def test_unpack_group() -> None:
    assert captured("pacman_group", pacman.PacmanUnpackGroup) == ["corral-alpha",
                                                                  "corral-beta"]
    assert captured("pacman_group_package", pacman.PacmanUnpackGroup) == ["corral-beta"]
    assert captured("pacman_group_unknown", pacman.PacmanUnpackGroup) == []
    assert pacman.PacmanUnpackGroup().process([":: noise here", "x"]) == ["x"]
