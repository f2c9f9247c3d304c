"""Helpers for operations tested on fleet hosts: a one-host fleet per test module,
converge (apply twice, the second run and a dry run change nothing), and a shell on the
host for checking its end state."""

from __future__ import annotations

import base64
import io
import subprocess
import zipfile
from collections.abc import Callable, Iterable
from typing import Any

from corral import api
from corral.model.results import OpStatus, RunResult
from corral.operations import apt
from corral.testing.fleet import Fleet
from corral.testing.fleet_host import children
from corral.testing.pytest_fleet import fleet_fixture

#: a fleet of one host for a test module: ``host_fleet`` as a test argument
host_fleet = fleet_fixture(1, scope="module")

Deploy = Callable[[], None]


def run(fleet: Fleet, deploy: Deploy | str, **kwargs: Any) -> RunResult:
    return api.run(str(fleet.inventory_path), deploy, **kwargs)


def _errors(result: RunResult) -> str:
    lines = []
    for h in result.hosts:
        if h.error:
            lines.append(f"{h.host}: {h.error}")
        lines += [f"{h.host}: {op.name}: {op.error}" for op in h.operations if op.error]
    return "\n".join(lines)


def converge(fleet: Fleet, deploy: Deploy | str,
             not_idempotent: Iterable[str] = ()) -> RunResult:
    """Apply ``deploy`` twice and dry-run it: the first run succeeds, the second run and
    the dry run change nothing (operations named in ``not_idempotent`` excepted)."""
    allowed = set(not_idempotent)
    first = run(fleet, deploy)
    assert not first.failed and not first.unreachable, _errors(first)
    second = run(fleet, deploy)
    assert not second.failed, _errors(second)
    for h in second.hosts:
        for op in h.operations:
            if op.operation in allowed or op.status is OpStatus.SKIPPED:
                continue
            assert not op.changed, f"second run changed {op.name}: {op.commands}"
    dry = run(fleet, deploy, dry=True)
    for h in dry.hosts:
        for op in h.operations:
            if op.operation not in allowed:
                assert not op.changed, f"dry run after converging would change {op.name}"
    return first


def sh(fleet: Fleet, command: str, host: int = 0, check: bool = True) -> str:
    """Run a command on a fleet host (in its namespaces and root), not through corral."""
    # the host's sshd, the child of its unshare process, has the host's root
    pid = children(fleet.hosts[host].pid)[0]
    proc = subprocess.run(
        ["nsenter", "-t", str(pid), "-m", "-u", "-p", "-r", "-w", "sh", "-c", command],
        capture_output=True, text=True, timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"{command!r} failed ({proc.returncode}): {proc.stderr}")
    return proc.stdout


def put(fleet: Fleet, path: str, data: bytes) -> None:
    encoded = base64.b64encode(data).decode()
    sh(fleet, f"mkdir -p $(dirname {path}) && echo {encoded} | base64 -d > {path}")


def demo_wheel(name: str = "corral_demo", version: str = "1.0") -> tuple[str, bytes]:
    """A tiny pure-Python wheel with a console script, enough for pip and pipx."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"def main():\n    print('corral demo {version}')\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: corral-tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        f"{dist}/entry_points.txt": f"[console_scripts]\ncorral-demo = {name}:main\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
        zf.writestr(f"{dist}/RECORD", "".join(f"{p},,\n" for p in files) + f"{dist}/RECORD,,\n")
    return f"{name}-{version}-py3-none-any.whl", buf.getvalue()


def installed_and_started(fleet: Fleet, packages: list[str], start: str) -> str:
    """``packages`` installed with apt.packages from the image's repository, then ``start``
    run on the host with ``$ADDR`` set to its address (a server listening there only);
    the address."""

    def install() -> None:
        apt.update()
        apt.packages(packages=packages)

    result = run(fleet, install)
    assert not result.failed, [op.error for h in result.hosts for op in h.operations]
    address = fleet.hosts[0].address
    sh(fleet, f"ADDR={address}; {start}")
    return address
