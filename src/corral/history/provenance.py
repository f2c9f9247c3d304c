"""Who ran a run, where, and from what: the OS user, the controller, the files with their
sha256, the git commit and whether the tree was dirty. Read by the recorder's thread, off
the run's path; each piece that cannot be read is None."""

from __future__ import annotations

import getpass
import hashlib
import os
import socket
import subprocess
from pathlib import Path
from typing import Any

#: seconds git may take to answer (a huge tree's status is not worth a slow run end)
GIT_TIMEOUT = 5.0


def os_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no name for this uid (a container): the uid
        return str(os.getuid()) if hasattr(os, "getuid") else None


def controller() -> str:
    return socket.gethostname()


def sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def file_entry(path: str, role: str) -> dict[str, Any]:
    """``{"path", "sha256", "role"}`` of a file the run read (its path as given)."""
    return {"path": path, "sha256": sha256(Path(path)), "role": role}


def _git(directory: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(directory), *args], capture_output=True,
                              text=True, timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(directory: Path) -> tuple[str | None, bool | None]:
    """``(commit, dirty)`` of the git work tree holding ``directory``; ``(None, None)``
    outside one (or without git)."""
    commit = _git(directory, "rev-parse", "--verify", "-q", "HEAD")
    if commit is None:
        return None, None
    status = _git(directory, "status", "--porcelain")
    return commit.strip() or None, (None if status is None else bool(status.strip()))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:
        return False
    return True
