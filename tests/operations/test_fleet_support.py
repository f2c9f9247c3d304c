"""The wave-1 helpers work on a real fleet host."""

from __future__ import annotations

from corral.operations import files
from corral.testing.fleet import Fleet

from ._fleet import converge, host_fleet, sh

__all__ = ["host_fleet"]


def test_converge_and_sh(host_fleet: Fleet) -> None:
    def deploy() -> None:
        files.line(path="/etc/support-test", line="hello")

    first = converge(host_fleet, deploy)
    assert first.changed == 1
    assert sh(host_fleet, "cat /etc/support-test") == "hello\n"
    assert sh(host_fleet, "hostname").strip() == host_fleet.hosts[0].name
