"""xbps's packages on its documented output format (no xbps runs on Debian 12 here)."""

from __future__ import annotations

from corral.facts import xbps


def test_xbps_documented() -> None:
    assert xbps.XbpsPackages().process(
        ["ii bash-5.2.21_1       GNU Bourne Again Shell", "ii xbps-0.59.2_4  XBPS"]
    ) == {"bash": {"5.2.21_1"}, "xbps": {"0.59.2_4"}}
