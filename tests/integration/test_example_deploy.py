"""The example deploy (examples/web) applied to chroots over the test image: it converges,
then re-runs and dry-runs with zero changes. (On ``@local`` it would add users, write
/etc/motd and install packages on this machine, so it is not run there.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.api import HostStatus, OpStatus
from corral.testing import image as test_image

from ._helpers import Target, converge, describe, ops, run, write_hosts

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "web"
INVENTORY = EXAMPLE / "inventory.py"
DEPLOY = EXAMPLE / "deploy.py"


def _check_end_state(t: Target, port: int) -> None:
    app = t.passwd("app")
    assert app is not None and (app[5], app[6]) == ("/home/app", "/bin/sh")
    group = t.group_entry("app")
    assert group is not None and app[3] == group[2]
    assert t.owner("/home/app") == ("app", "app")
    for sub in ("", "/releases", "/shared", "/logs"):
        assert t.path(f"/srv/app{sub}").is_dir()
        assert t.owner(f"/srv/app{sub}") == ("app", "app")
        assert t.mode(f"/srv/app{sub}") == 0o750
    assert t.read("/etc/motd") == (EXAMPLE / "files" / "motd").read_text()
    assert t.mode("/etc/motd") == 0o644
    assert t.read("/srv/app/shared/app.conf") == (
        f"# {t.name}: managed by corral\n[server]\nport = {port}\nworkers = 4\n"
        "greeting = hello\n"
    )
    assert t.mode("/srv/app/shared/app.conf") == 0o640
    assert t.owner("/srv/app/shared/app.conf") == ("app", "app")
    assert "LOG_LEVEL=info\n" in t.read("/srv/app/shared/env")
    assert os.readlink(t.path("/srv/app/current")) == "/srv/app/releases"
    assert t.path("/srv/app/logs/app.log").is_file()
    assert t.mode("/srv/app/logs/app.log") == 0o640
    status = t.sh("dpkg-query", "-W", "-f", "${Status}", "hello").stdout
    assert status == "install ok installed"


def test_example_converges(chroot: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORRAL_DEMO_TARGETS", chroot.name)
    first = converge(INVENTORY, DEPLOY)
    result = ops(first)
    assert result["Hush login banner"].status is OpStatus.SKIPPED  # its _if is false
    assert result["Install hello"].changed
    assert first.changed == len(first.operations) - 1
    _check_end_state(chroot, port=8000)


@pytest.fixture
def two_roots(image: Path) -> Iterator[tuple[Target, Target]]:
    with test_image.overlay_root(image) as a, test_image.overlay_root(image) as b:
        write_hosts(a)
        write_hosts(b)
        yield Target.chroot(a), Target.chroot(b)


def test_example_on_two_hosts(
    two_roots: tuple[Target, Target], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two_roots
    monkeypatch.setenv("CORRAL_DEMO_TARGETS", f"{a.name},{b.name}")

    first = run(INVENTORY, DEPLOY)
    assert [h.host for h in first.hosts] == [a.name, b.name]
    for host in first.hosts:
        assert host.status is HostStatus.CHANGED, describe(host)
    _check_end_state(a, port=8000)
    _check_end_state(b, port=8001)

    for dry in (False, True):
        again = run(INVENTORY, DEPLOY, dry=dry)
        assert again.changed == 0, "\n".join(describe(h) for h in again.hosts)
        assert again.failed == []
        assert again.exit_code == 0
