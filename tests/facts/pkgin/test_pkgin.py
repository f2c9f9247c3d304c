"""pkgin's packages on its documented output format (no pkgin runs on Debian 12 here)."""

from __future__ import annotations

from corral.facts import pkgin


def test_pkgin_documented() -> None:
    assert pkgin.PkginPackages().process(
        ["vim-9.1.0000nb1      Vim editor", "tmux-3.4 Terminal multiplexer"]
    ) == {"vim": {"9.1.0000nb1"}, "tmux": {"3.4"}}
