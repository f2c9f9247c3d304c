"""snap's packages on its documented output format (no snap runs on Debian 12 here)."""

from __future__ import annotations

from corral.facts import snap


def test_snap_documented() -> None:
    listed = ["Name    Version    Rev    Tracking       Publisher   Notes",
              "core    16-2.57.2  13886  latest/stable  canonical✓  core",
              "lxd     4.0.9      22753  4.0/stable/…   canonical✓  -"]
    assert snap.SnapPackages().process(listed) == ["core", "lxd"]
    info = ["name:      lxd", "publisher: Canonical✓", "snap-id:   J60k4JY0HppjwOjW8dZdYc8",
            "tracking:     4.0/stable/ubuntu-20.04", "installed:          4.0.9  (22753) 71MB -"]
    assert snap.SnapPackage().process(info) == {
        "name": "lxd", "publisher": "Canonical✓", "snap-id": "J60k4JY0HppjwOjW8dZdYc8",
        "channel": "4.0/stable", "version": "4.0.9"}
