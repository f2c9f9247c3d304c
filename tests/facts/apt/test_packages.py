"""apt's package list on real output (data/capture_packages_more.py)."""

from __future__ import annotations

from corral.facts import apt

from .._pkg_data import captured


def test_apt_packages_real() -> None:
    found = captured("apt_packages", apt.AptPackages)
    assert found and all(versions for versions in found.values())
    sample = ["Listing...", "libc6/stable,now 2.36-9+deb12u4 amd64 [installed]",
              "libc6:i386/stable,now 2.36-9+deb12u4 i386 [installed,automatic]",
              "vim/stable 2:9.0.1378-2 amd64 [upgradable from: 2:9.0.1378-1]"]
    assert apt.AptPackages().process(sample) == {"libc6": {"2.36-9+deb12u4"},
                                                 "libc6:i386": {"2.36-9+deb12u4"}}
