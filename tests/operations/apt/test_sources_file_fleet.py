"""apt.sources_file applied for real on a fleet host (Debian 12, no internet): a deb822
file for a copy of the image's local repository, read by apt-get update; converged twice,
then removed."""

from __future__ import annotations

import pytest

from corral.operations import apt
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

DEST = "/etc/apt/sources.list.d/corral-copy.sources"


def test_sources_file_converges_and_apt_reads_it(host_fleet: Fleet) -> None:
    sh(host_fleet, "rm -rf /srv/copy && cp -r /var/local/corral-repo /srv/copy")

    def deploy() -> None:
        apt.sources_file(name="copy", filename="corral-copy", uris="file:/srv/copy",
                         suites="./", architectures=["amd64", "all"])

    converge(host_fleet, deploy)
    assert sh(host_fleet, f"cat {DEST}") == (
        "Types: deb\nURIs: file:/srv/copy\nSuites: ./\nArchitectures: amd64 all\n")
    assert sh(host_fleet, f"stat -c %a {DEST}").strip() == "644"
    # apt reads it: the copy is listed as a source of hello (unsigned: the deploy names
    # no keyring, so apt is told to accept the repository unsigned for the check)
    sh(host_fleet, "apt-get update -qq -o Acquire::AllowInsecureRepositories=1 2>&1")
    assert "file:/srv/copy" in sh(host_fleet, "apt-cache policy hello")

    def remove() -> None:
        apt.sources_file(name="copy gone", filename="corral-copy", present=False)

    converge(host_fleet, remove)
    assert sh(host_fleet, f"test -e {DEST} || echo gone") == "gone\n"
