"""flatpak's packages on real output (data/capture_packages_more.py) and on its documented
info format."""

from __future__ import annotations

from corral.facts import flatpak

from .._pkg_data import captured


def test_flatpak_real_and_documented() -> None:
    assert captured("flatpak_packages", flatpak.FlatpakPackages) == []
    assert captured("flatpak_package_missing", flatpak.FlatpakPackage) == {}
    listed = ["Application ID", "org.gnome.Platform", "org.videolan.VLC"]
    assert flatpak.FlatpakPackages().process(listed) == ["org.gnome.Platform",
                                                        "org.videolan.VLC"]
    info = ["", "VLC - Media player", "", "          ID: org.videolan.VLC",
            "         Ref: app/org.videolan.VLC/x86_64/stable",
            "     Version: 3.0.20 (x)", "      Branch: stable"]
    assert flatpak.FlatpakPackage().process(info) == {
        "id": "org.videolan.VLC", "ref": "app/org.videolan.VLC/x86_64/stable",
        "version": "3.0.20"}
