"""pip.* applied for real on a fleet host (Debian 12, no internet), with a wheel built here."""

from __future__ import annotations

import pytest

from corral.operations import pip
from corral.testing.fleet import Fleet

from .._fleet import converge, demo_wheel, host_fleet, put, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

WHEELS = "/srv/wheels"


def test_pip_virtualenv_offline(host_fleet: Fleet) -> None:
    name, data = demo_wheel()
    put(host_fleet, f"{WHEELS}/{name}", data)
    offline = f"--no-index --find-links {WHEELS}"

    def deploy() -> None:
        pip.virtualenv(path="/srv/venv", venv=True)
        pip.packages(packages=["corral_demo==1.0"], virtualenv="/srv/venv",
                     extra_install_args=offline)
        pip.packages(packages=["Corral-Demo"], virtualenv="/srv/venv2",
                     virtualenv_kwargs={"venv": True}, extra_install_args=offline)

    converge(host_fleet, deploy)
    assert sh(host_fleet, "/srv/venv/bin/corral-demo") == "corral demo 1.0\n"
    assert sh(host_fleet, "/srv/venv2/bin/corral-demo") == "corral demo 1.0\n"

    def remove() -> None:
        pip.packages(packages=["corral-demo"], virtualenv="/srv/venv", present=False)
        pip.virtualenv(path="/srv/venv2", present=False)

    converge(host_fleet, remove)
    assert "corral" not in sh(host_fleet, "/srv/venv/bin/pip freeze --all").lower()
    assert sh(host_fleet, "test -e /srv/venv2 || echo gone") == "gone\n"
