"""gem.GemPackages on ``gem list --local`` captured in the test image (Debian 12's ruby 3.1
from its local repository, plus a gem built and installed by the capture script)."""

from __future__ import annotations

from corral.facts import gem

from .._pkg_data import captured


def test_local_gems() -> None:
    found = captured("gem_packages", gem.GemPackages)
    assert found["corral-demo"] == {"0.3.1"}
    assert found["bundler"] == {"2.3.7"}  # "(default: 2.3.7)"
    assert len(found) > 50


def test_several_versions_and_platforms() -> None:
    out = ["*** LOCAL GEMS ***", "", "nokogiri (1.16.0 x86_64-linux, 1.15.5 x86_64-linux)",
           "json (default: 2.6.1, 2.7.1)"]
    assert gem.GemPackages().process(out) == {
        "nokogiri": {"1.16.0", "1.15.5"}, "json": {"2.6.1", "2.7.1"}}
