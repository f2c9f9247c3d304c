"""Fixtures for the integration tests: the Debian test image and targets over it.

The image is built (or found in the cache) once per session; each test module gets a
throw-away overlay root, so tests of a module share a target and use their own paths.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.testing import image as test_image

from ._helpers import Target, write_hosts

HERE = Path(__file__).parent

_SKIP_REASON = (
    "integration tests need root: they mount overlay file systems and chroot into the "
    "cached Debian test image"
)


def _missing_tools() -> list[str]:
    return [tool for tool in ("chroot", "mount", "umount") if shutil.which(tool) is None]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if os.geteuid() != 0:
        reason = _SKIP_REASON
    elif _missing_tools():
        reason = f"integration tests need {', '.join(_missing_tools())}"
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def image() -> Path:
    """The cached minimal Debian 12 root file system (built on first use)."""
    return test_image.build(quiet=True)


@pytest.fixture(scope="module")
def chroot_root(image: Path) -> Iterator[Path]:
    """A writable overlay root over the image, shared by the tests of one module."""
    with test_image.overlay_root(image) as root:
        write_hosts(root)
        yield root


@pytest.fixture(scope="module")
def chroot(chroot_root: Path) -> Target:
    """The module's overlay root as a corral target (``@chroot/PATH``)."""
    return Target.chroot(chroot_root)


@pytest.fixture(scope="module")
def target(chroot: Target) -> Target:
    """The target of the operation tests: the chroot, unless a module says otherwise.
    (tests/ssh runs the same tests against test fleet hosts over SSH.)"""
    return chroot
