"""zypper's repositories on its documented file format (no zypper runs on Debian 12 here)."""

from __future__ import annotations

from corral.facts import zypper


def test_zypper_documented() -> None:
    output = ["#corral-file:/etc/zypp/repos.d/repo-oss.repo", "[repo-oss]",
              "name=Main Repository", "enabled=1", "autorefresh=1",
              "baseurl=http://download.opensuse.org/distribution/leap/$releasever/repo/oss/"]
    assert zypper.ZypperRepositories().process(output) == [{
        "repoid": "repo-oss", "name": "Main Repository", "enabled": "1", "autorefresh": "1",
        "baseurl": "http://download.opensuse.org/distribution/leap/$releasever/repo/oss/",
        "filename": "/etc/zypp/repos.d/repo-oss.repo"}]
