"""Fixtures of the differential suite: pyinfra 3.10 in its own virtual environment, and each
case's outcome, computed once and shared by that case's tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ._harness import Case, Outcome, pyinfra_bin, run_case

_OUTCOMES: dict[str, Outcome] = {}


@pytest.fixture(scope="session")
def pyinfra() -> Path:
    """pyinfra 3.10's program; the suite is skipped (with the reason) where it cannot be
    installed or the test fleet cannot run."""
    if os.geteuid() != 0:
        pytest.skip("the compat suite runs on the test fleet, which needs root")
    missing = [t for t in ("unshare", "iptables", "mount", "chroot") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"the test fleet needs {', '.join(missing)}")
    found = pyinfra_bin()
    if isinstance(found, str):
        pytest.skip(found)
    return found


def outcome(case: Case, pyinfra: Path) -> Outcome:
    """The case's runs (both tools, twice each), made on first use."""
    if case.name not in _OUTCOMES:
        _OUTCOMES[case.name] = run_case(case, pyinfra)
    return _OUTCOMES[case.name]
