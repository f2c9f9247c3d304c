"""Fixtures of the hostile suite: a sandbox per test module (a throw-away overlay root over
the cached Debian test image, entered in namespaces of its own), prepared for the module's
cases. Needs root, like the integration tests; the catalog checks run without."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.testing import image as test_image

from .sandbox import Sandbox, prepare_root

HERE = Path(__file__).parent
#: modules that need no sandbox
_NO_ROOT = {"test_catalog.py", "test_strategies.py"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [t for t in ("chroot", "mount", "umount", "unshare") if shutil.which(t) is None]
    reason = None
    if os.geteuid() != 0:
        reason = "the hostile suite's sandboxes need root (overlay mounts, chroot, namespaces)"
    elif missing:
        reason = f"the hostile suite needs {', '.join(missing)}"
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        path = Path(str(item.path))
        if HERE in path.parents and path.name not in _NO_ROOT:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def image() -> Path:
    return test_image.build(quiet=True)


@pytest.fixture(scope="module")
def sandbox(image: Path, request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A fresh sandbox for the module, with every case's stubs of the module in place."""
    with test_image.overlay_root(image) as root:
        prepare_root(root)
        box = Sandbox(root)
        for case in getattr(request.module, "CASES", []):
            if case.prepare:
                case.prepare(box)
        yield box
