"""brew's trusted taps on its documented JSON output (no brew runs on Debian 12 here)."""

from __future__ import annotations

from corral.facts import brew


def test_brew_trusted_documented() -> None:
    text = ['{"taps": ["borgbackup/tap"], "formulae": [], "casks": [], "commands": []}']
    assert brew.BrewTrusted().process(text) == {
        "taps": ["borgbackup/tap"], "formulae": [], "casks": [], "commands": []}
    assert brew.BrewTrusted.default() == {"casks": [], "commands": [], "formulae": [],
                                          "taps": []}
