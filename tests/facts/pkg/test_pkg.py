"""FreeBSD pkg's packages on its documented output format (no pkg runs on Debian 12 here)."""

from __future__ import annotations

from corral.facts import pkg


def test_pkg_documented() -> None:
    assert pkg.PkgPackages().process(
        ["curl-8.6.0                     Command line tool for transferring data",
         "py311-pip-23.3.1               Tool for installing Python packages",
         "xorg-fonts-7.7_1               X.Org Fonts"]
    ) == {"curl": {"8.6.0"}, "py311-pip": {"23.3.1"}, "xorg-fonts": {"7.7_1"}}
