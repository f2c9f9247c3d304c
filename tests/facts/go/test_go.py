"""go's installed binaries on real output (data/capture_packages_more.py)."""

from __future__ import annotations

from corral.facts import go

from .._pkg_data import captured


def test_go_real() -> None:
    assert captured("go_packages", go.GoPackages) == {"example.com/corral/hello": {"v1.2.0"}}
    devel = ["/bin/x: go1.22.1", "\tpath\texample.com/x", "\tmod\texample.com/x\t(devel)\t"]
    assert go.GoPackages().process(devel) == {}
