"""brew.* facts on documented Homebrew output.

Homebrew is not packaged for Debian 12: these are samples in the formats of
``brew --version``, ``brew list --versions`` and ``brew tap`` (Homebrew 4), not captures.
"""

from __future__ import annotations

import pytest

from corral.facts import brew
from corral.model.errors import FactParseError


def test_version() -> None:
    out = ["Homebrew 4.2.4", "Homebrew/homebrew-core (git revision 1f0a; last commit 2024-01-20)"]
    assert brew.BrewVersion().process(out) == [4, 2, 4]
    assert brew.BrewVersion.default() == [0, 0, 0]
    with pytest.raises(FactParseError):
        brew.BrewVersion().process(["brew: command not found"])


def test_packages_and_casks() -> None:
    out = ["git 2.43.0", "openssl@3 3.2.0_1 3.1.4", "python@3.12 3.12.1_1"]
    assert brew.BrewPackages().process(out) == {
        "git": {"2.43.0"}, "openssl@3": {"3.2.0_1", "3.1.4"}, "python@3.12": {"3.12.1_1"}}
    assert brew.BrewCasks().process(["firefox 121.0.1", "iterm2 3.4.23"]) == {
        "firefox": {"121.0.1"}, "iterm2": {"3.4.23"}}
    assert "brew list --cask --versions" in brew.BrewCasks().command()
    with pytest.raises(FactParseError):
        brew.BrewPackages().process(["lonely"])


def test_taps() -> None:
    assert brew.BrewTaps().process(["homebrew/cask", "homebrew/core", ""]) == [
        "homebrew/cask", "homebrew/core"]
    with pytest.raises(FactParseError):
        brew.BrewTaps().process(["Error: something"])
