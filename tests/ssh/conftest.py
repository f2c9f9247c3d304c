"""Fixtures and helpers for the SSH tests, on the session's test fleet (``fleet``, four
hosts). Each host has a role, so tests that change a host do not disturb the others:

- fleet-001: the operation tests, logged in as root
- fleet-002: the operation tests, logged in as ``corral`` with sudo
- fleet-003: a user whose sudo wants a password; round-trip counts
- fleet-004: authentication and host keys (it is given new host keys)

Tests that stop or cut a host use all four and bring them back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from corral.testing.fleet import Fleet
from corral.testing.fleet_host import children

ROOT_HOST, SUDO_HOST, PASSWORD_HOST, KEYS_HOST = "fleet-001", "fleet-002", "fleet-003", "fleet-004"


#: a value for :func:`host_inventory` written as None (None itself removes the key)
AS_NONE: Any = object()


def host_inventory(fleet: Fleet, host: str, directory: Path, user: str = "root",
                   **data: Any) -> Path:
    """An inventory file holding one fleet host; ``data`` overrides the fleet's connection
    settings (a value of None removes one; :data:`AS_NONE` sets it to None)."""
    entry = {**dict(fleet.inventory(user))[fleet.host(host).name], **data}
    entry = {k: (None if v is AS_NONE else v) for k, v in entry.items() if v is not None}
    path = directory / f"inventory-{host}.py"
    path.write_text(f"hosts = [({fleet.host(host).name!r}, {entry!r})]\n")
    return path


def host_root(fleet: Fleet, host: str) -> Path:
    """The host's "/" as seen from here (through its sshd, PID 1 of its namespaces)."""
    sshd = children(fleet.host(host).pid)
    assert sshd, f"fleet host {host} is not running"
    return Path(f"/proc/{sshd[0]}/root")


def host_command_lines(fleet: Fleet, host: str) -> list[str]:
    """Every command line on the host right now (its own /proc), as ``ps`` shows them."""
    lines = []
    for cmdline in (host_root(fleet, host) / "proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:  # gone meanwhile
            continue
    return lines


class Cli:
    """The ``corral`` command in a subprocess, no terminal."""

    def __init__(self, *args: str | Path, cwd: Path) -> None:
        self.began = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "corral", *map(str, args)], cwd=cwd, text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})
        self.code: int | None = None
        self.out = self.err = ""
        self.duration = 0.0

    def wait(self, timeout: float = 60) -> Cli:
        self.out, self.err = self.proc.communicate(timeout=timeout)
        self.code = self.proc.returncode
        self.duration = time.monotonic() - self.began
        return self

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def corral(*args: str | Path, cwd: Path, timeout: float = 60) -> Cli:
    return Cli(*args, cwd=cwd).wait(timeout)
