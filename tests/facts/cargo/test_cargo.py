"""cargo's installed crates on real output (data/capture_packages_more.py)."""

from __future__ import annotations

from corral.facts import cargo

from .._pkg_data import captured


def test_cargo_real() -> None:
    assert captured("cargo_packages", cargo.CargoPackages) == {"corral-crate": {"0.1.0"}}
    assert cargo.CargoPackages().process(
        ["ripgrep v14.1.0:", "    rg", "cargo-edit v0.12.2:", "    cargo-add"]
    ) == {"ripgrep": {"14.1.0"}, "cargo-edit": {"0.12.2"}}
