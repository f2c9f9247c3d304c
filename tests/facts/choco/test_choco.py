"""Chocolatey's packages and version on its documented output format (no choco runs here)."""

from __future__ import annotations

from corral.facts import choco


def test_choco_documented() -> None:
    assert choco.ChocoPackages().process(
        ["Chocolatey v2.2.2", "chocolatey 2.2.2", "git 2.44.0", "2 packages installed."]
    ) == {"chocolatey": {"2.2.2"}, "git": {"2.44.0"}}
    assert choco.ChocoVersion().process(["2.2.2"]) == "2.2.2"
