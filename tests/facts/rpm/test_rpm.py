"""rpm.* facts on real rpm output: rpm 4.18 on Debian 12 with a private database holding
two packages built with rpmbuild (data/capture_packages.py)."""

from __future__ import annotations

from corral.facts import rpm
from corral.model import keys

from .._pkg_data import captured


def test_installed_packages() -> None:
    assert captured("rpm_packages", rpm.RpmPackages) == {
        "corral-demo": {"1.2.3-4"}, "corral-other": {"0.9-1.el9"}}


def test_one_package() -> None:
    assert captured("rpm_package_installed", rpm.RpmPackage) == {
        "name": "corral-demo", "version": "1.2.3-4"}
    # a path: "package ... is not installed" from -q, then the file's -qp line
    assert captured("rpm_package_file", rpm.RpmPackage) == {
        "name": "corral-other", "version": "0.9-1.el9"}
    assert captured("rpm_package_missing", rpm.RpmPackage) is None


def test_provides_sample() -> None:
    # documented repoquery --queryformat output (repoquery is not packaged for Debian 12)
    out = ["vim-enhanced 8.2.2637-20.el9_1", "vim-enhanced 8.2.2637-21.el9"]
    assert rpm.RpmPackageProvides().process(out) == [
        ["vim-enhanced", "8.2.2637-20.el9_1"], ["vim-enhanced", "8.2.2637-21.el9"]]
    assert rpm.RpmPackageProvides().process(["No matches found"]) == []
    assert rpm.RpmPackageProvides.default() == []


def test_contract() -> None:
    assert rpm.RpmPackages.default() == {}
    assert "--queryformat '%{NAME} %{VERSION}-%{RELEASE}\\n' -qa" in rpm.RpmPackages().command()
    assert rpm.RpmPackage().reads(package="/tmp/x.rpm") >= {keys.path("/tmp/x.rpm")}
