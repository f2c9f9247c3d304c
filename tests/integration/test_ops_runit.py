"""runit.service converged for real on the test image: runit's own programs (sv, runsv,
runsvdir of this machine's Debian ``runit`` package, which scripts/setup.sh installs) are
copied into the target, where a runsvdir started by the test supervises a scratch service
directory. (tests/ssh/test_ops_system.py runs it again on test fleet hosts.)"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator

import pytest

from corral.operations import runit

from ._helpers import Target, converge

pytestmark = pytest.mark.integration

PROGRAMS = ("sv", "runsv", "runsvdir")


@pytest.fixture
def runsvdir(target: Target) -> Iterator[tuple[str, str]]:
    """(svdir, sourcedir) on the target, with runsvdir watching svdir; stopped after."""
    if any(shutil.which(p) is None for p in PROGRAMS):
        pytest.skip("runit (sv, runsv, runsvdir) is not installed on this machine")
    t = target
    for program in PROGRAMS:
        dest = t.path(f"/usr/local/bin/{program}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(str(shutil.which(program)), dest)
    svdir, sourcedir = t.at("runit", "service"), t.at("runit", "sv")
    t.path(svdir).mkdir(parents=True, exist_ok=True)
    script = "#!/bin/sh\nexec sleep 1000\n"
    for name in ("web", "worker"):
        run_file = t.path(f"{sourcedir}/{name}/run")
        run_file.parent.mkdir(parents=True, exist_ok=True)
        run_file.write_text(script)
        run_file.chmod(0o755)
    pidfile = t.at("runit", "runsvdir.pid")
    t.sh("sh", "-c", f"PATH=/usr/local/bin:$PATH; export PATH; setsid runsvdir {svdir} "
                     f"</dev/null >/dev/null 2>&1 & echo $! > {pidfile}")
    try:
        yield svdir, sourcedir
    finally:
        # runsvdir first (it would restart a runsv), then each service and its runsv
        pid = t.read(pidfile).strip()
        t.sh("sh", "-c", f"kill {pid}; for d in {sourcedir}/*; do "
                         '/usr/local/bin/sv force-stop "$d"; /usr/local/bin/sv exit "$d"; '
                         "done", check=False)
        # a fleet host is shared: sv on its PATH would make server.service pick runit
        for program in PROGRAMS:
            t.path(f"/usr/local/bin/{program}").unlink()


def _state(t: Target, svdir: str, name: str) -> str:
    for _ in range(50):
        out = t.sh("env", f"SVDIR={svdir}", "/usr/local/bin/sv", "status", name,
                   check=False).stdout
        if out.startswith(("run:", "down:")):
            return out.split(":", 1)[0]
        time.sleep(0.1)
    return out


def test_runit_service(target: Target, runsvdir: tuple[str, str]) -> None:
    t = target
    svdir, sourcedir = runsvdir
    where = {"svdir": svdir, "sourcedir": sourcedir, "_env": {"PATH": "/usr/local/bin:"
                                                                  "/usr/bin:/bin"}}

    def deploy() -> None:
        runit.service(name="web", service="web", enabled=True, **where)
        runit.service(name="worker", service="worker", running=False, enabled=False, **where)

    converge(t, deploy)
    assert _state(t, svdir, "web") == "run"
    assert _state(t, svdir, "worker") == "down"
    assert t.path(f"{svdir}/web").is_symlink()
    assert not t.path(f"{sourcedir}/web/down").exists()
    assert t.path(f"{sourcedir}/worker/down").exists()

    def stop() -> None:
        runit.service(name="stop", service="web", running=False, **where)
        runit.service(name="unmanage", service="worker", managed=False, **where)

    converge(t, stop)
    assert _state(t, svdir, "web") == "down"
    assert not t.path(f"{svdir}/worker").exists()
