"""apt.* applied for real in a chroot over the test image, with its local repository
(``file:/var/local/corral-repo``, serving hello, tree and sl): no network needed.
(tests/ssh runs these tests again against test fleet hosts over SSH.)"""

from __future__ import annotations

import pytest

from corral.facts.apt import APT_UPDATE_STAMP
from corral.operations import apt

from ._helpers import Target, converge, ops

pytestmark = pytest.mark.integration


def _status(t: Target, package: str) -> str | None:
    """dpkg's status line for a package on the target, or None when dpkg does not know it."""
    proc = t.sh("dpkg-query", "-W", "-f", "${Status}", package, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _version(t: Target, package: str) -> str:
    return t.sh("dpkg-query", "-W", "-f", "${Version}", package).stdout.strip()


def test_update(target: Target) -> None:
    t = target
    stamp = t.path(APT_UPDATE_STAMP)
    stamp.unlink(missing_ok=True)

    def plain() -> None:
        apt.update(name="update")

    converge(t, plain, always_changed={"update"})
    assert stamp.is_file()
    lists = [p.name for p in t.path("/var/lib/apt/lists").iterdir()]
    assert any("corral-repo" in name and name.endswith("Packages") for name in lists), lists

    stamp.unlink()

    def cached() -> None:
        apt.update(name="cached", cache_time=3600)

    assert ops(converge(t, cached))["cached"].changed
    assert stamp.is_file()


def test_packages_install_and_remove(target: Target) -> None:
    t = target
    t.path(APT_UPDATE_STAMP).unlink(missing_ok=True)
    assert _status(t, "hello") is None

    def install() -> None:
        apt.packages(name="hello", packages=["hello"], update=True, cache_time=3600)
        apt.packages(name="tree and sl", packages=["tree", "sl"], no_recommends=True)

    first = ops(converge(t, install))
    assert first["hello"].changed and first["tree and sl"].changed
    assert "apt-get update" in first["hello"].commands
    for package in ("hello", "tree", "sl"):
        assert _status(t, package) == "install ok installed"
    assert t.sh("hello").stdout == "Hello, world!\n"
    assert t.path(APT_UPDATE_STAMP).is_file()

    version = _version(t, "hello")

    def already() -> None:
        apt.packages(name="pinned", packages=[f"hello={version}"])
        apt.packages(name="present", packages="tree", present=True)
        apt.packages(name="never installed", packages="no-such-package", present=False)

    unchanged = ops(converge(t, already))
    assert not any(op.changed for op in unchanged.values())

    def remove() -> None:
        apt.packages(name="remove hello", packages="hello", present=False)
        apt.packages(name="purge tree", packages=["tree"], present=False, purge=True)

    removed = ops(converge(t, remove))
    assert removed["remove hello"].changed and removed["purge tree"].changed
    assert _status(t, "hello") in (None, "deinstall ok config-files")
    assert _status(t, "tree") is None  # purged: dpkg forgets it
    assert not t.path("/usr/bin/hello").exists()
    assert _status(t, "sl") == "install ok installed"
