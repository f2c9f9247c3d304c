"""Running ``corral vault`` in a subprocess, with no terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PASSPHRASE = "correct horse battery staple"
#: the cheapest scrypt work factor the format accepts: fast tests
FAST = "14"


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


def clean_env(**extra: str) -> dict[str, str]:
    # runs record their history (into the test's own directory): the canary reads it
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("CORRAL_VAULT_") and k not in (
               "EDITOR", "VISUAL", "CORRAL_DEBUG", "CORRAL_NO_HISTORY", "CORRAL_HISTORY_URL")}
    env.update(extra)
    return env


def vault(*args: str | Path, cwd: Path, stdin: str | None = None, **extra: str) -> Ran:
    proc = subprocess.run([sys.executable, "-m", "corral", "vault", *map(str, args)],
                          cwd=cwd, env=clean_env(**extra), input=stdin,
                          stdin=subprocess.DEVNULL if stdin is None else None,
                          capture_output=True, text=True, timeout=60)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def with_passphrase(**extra: str) -> dict[str, str]:
    return {"CORRAL_VAULT_PASSPHRASE": PASSPHRASE, **extra}


def corral(*args: str | Path, cwd: Path, **extra: str) -> Ran:
    """The main ``corral`` command, no terminal."""
    proc = subprocess.run([sys.executable, "-m", "corral", *map(str, args)], cwd=cwd,
                          env=clean_env(NO_COLOR="1", **extra), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=120)
    return Ran(proc.returncode, proc.stdout, proc.stderr)


def make_vault(directory: Path, values: dict[str, str], name: str = "secrets.vault") -> Path:
    """A passphrase vault holding ``values`` (through the Python API: fast)."""
    from corral.vault.store import Vault

    v = Vault.create(directory / name, PASSPHRASE, [], int(FAST))
    for key, value in values.items():
        v.set(key, value)
    v.save()
    return directory / name
