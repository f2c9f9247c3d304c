"""Pytest fixtures for the test fleet (``corral.testing.fleet``); register them with
``pytest_plugins = ["corral.testing.pytest_fleet"]`` in the top conftest.

    def test_something(fleet):            # 4 hosts, started once per session
        inventory = fleet.inventory_path

    def test_slow(fleet_factory):         # more fleets; all stopped at the session's end
        slow = fleet_factory(2, latency_ms=100)

    fleet3 = fleet_fixture(3, scope="module")   # a fixture of one's own, in a test module

Tests using them are skipped without root or without ``unshare``/``iptables``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from typing import Any, Literal

import pytest

from corral.testing.fleet import Fleet

Scope = Literal["session", "package", "module", "class", "function"]


def require_fleet() -> None:
    """Skip the calling test unless this machine can run a fleet."""
    if os.geteuid() != 0:
        pytest.skip("the test fleet needs root (namespaces, overlay mounts, iptables)")
    missing = [t for t in ("unshare", "iptables", "mount", "chroot") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"the test fleet needs {', '.join(missing)}")


def fleet_fixture(count: int = 4, latency_ms: float = 0,
                  scope: Scope = "session", **kwargs: Any) -> Any:
    """A fixture that starts a fleet of ``count`` hosts once per ``scope``."""

    @pytest.fixture(scope=scope)
    def _fleet() -> Iterator[Fleet]:
        require_fleet()
        fleet = Fleet(count, latency_ms, **kwargs).start()
        try:
            yield fleet
        finally:
            fleet.stop()

    return _fleet


fleet = fleet_fixture(4)


@pytest.fixture(scope="session")
def fleet_factory() -> Iterator[Callable[..., Fleet]]:
    """``fleet_factory(count, latency_ms=0, **kwargs)`` starts a fleet, stopped at the end."""
    started: list[Fleet] = []

    def make(count: int = 3, latency_ms: float = 0, **kwargs: Any) -> Fleet:
        require_fleet()
        started.append(Fleet(count, latency_ms, **kwargs).start())
        return started[-1]

    yield make
    for one in started:
        one.stop()
