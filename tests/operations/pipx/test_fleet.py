"""pipx.* applied for real on a fleet host (Debian 12, no internet), with a wheel built here."""

from __future__ import annotations

import pytest

from corral.operations import apt, pipx
from corral.testing.fleet import Fleet

from .._fleet import converge, demo_wheel, host_fleet, put, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

WHEELS = "/srv/wheels"


def test_pipx_offline(host_fleet: Fleet) -> None:
    name, data = demo_wheel()
    put(host_fleet, f"{WHEELS}/{name}", data)

    def deploy() -> None:
        apt.packages(packages=["pipx"], update=True, cache_time=3600)
        pipx.packages(packages=["corral_demo"],
                      extra_args=f"--pip-args='--no-index --find-links {WHEELS}'")
        pipx.ensure_path()

    converge(host_fleet, deploy)
    assert sh(host_fleet, "/root/.local/bin/corral-demo") == "corral demo 1.0\n"
    assert "/root/.local/bin" in sh(host_fleet, "bash -l -i -c 'echo $PATH' 2>/dev/null")

    def remove() -> None:
        pipx.packages(packages=["corral-demo"], present=False)

    converge(host_fleet, remove)
    assert "corral" not in sh(host_fleet, "pipx list --short")
