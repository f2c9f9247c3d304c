"""Running the real ``corral`` command in a subprocess, with or without a terminal."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: escape sequences that set colours or other styles (SGR)
SGR = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class Ran:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def events(self) -> list[dict[str, Any]]:
        """The JSON-lines stream on stdout (every line must parse)."""
        return [json.loads(line) for line in self.out.splitlines()]

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def env(**extra: str) -> dict[str, str]:
    """The environment of the command: no colour settings of the caller's."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS", "CORRAL_DEBUG")}
    base.update(extra)
    return base


def argv(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "corral", *map(str, args)]


def corral(*args: str | Path, cwd: Path, timeout: float = 30, **extra_env: str) -> Ran:
    """Run corral with no terminal (stdin from /dev/null, output piped)."""
    proc = subprocess.run(argv(*args), cwd=cwd, env=env(**extra_env),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def corral_tty(*args: str | Path, cwd: Path, answer: str | None = None,
               timeout: float = 30, prompt: str = "Apply these changes?",
               **extra_env: str) -> Ran:
    """Run corral on a pseudo-terminal (stdin, stdout and stderr); when it asks ``prompt``
    (to confirm, by default), type ``answer``. Everything it wrote comes back in ``out``."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv(*args), cwd=cwd,
                            env=env(TERM="xterm-256color", COLUMNS="120", **extra_env),
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    data = b""
    answered = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the other side is closed
                    break
                if not chunk:
                    break
                data += chunk
                if answer is not None and not answered and prompt.encode() in data:
                    os.write(master, answer.encode() + b"\n")
                    answered = True
            elif proc.poll() is not None:
                break
        else:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"corral did not finish in {timeout}s:\n{data.decode()}")
        code = proc.wait(timeout=10)
    finally:
        os.close(master)
    return Ran(code, data.decode(errors="replace"), "")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
