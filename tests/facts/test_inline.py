"""Facts that run in the script's own shell (``inline``): on a real shell, their commands
leave it as they found it, and print what they print in a subshell."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from corral import catalog
from corral.facts import deb, files, server
from corral.facts.files._batches import StatBatch, hash_batch
from corral.model.facts import FactBase

SH = shutil.which("dash") or "sh"

#: what the shell's state is: variables (but the facts' own __cf_*), options, traps,
#: umask, directory and positional parameters
PROBE = ("set | grep -v '^__cf_' | grep -v '^_=' | grep -v '^LINENO='; echo \"opts=$-\"; "
         "trap; umask; pwd; echo \"args=$#:$*\"\n")


def _commands(tmp: Path) -> list[tuple[str, str]]:
    (tmp / "f").write_text("one\nport = 1\n")
    (tmp / "l").symlink_to(tmp / "f")
    f, missing = str(tmp / "f"), str(tmp / "missing")
    paths = [f, str(tmp / "l"), missing, str(tmp)]
    out = [
        ("File", files.File().command(path=f)),
        ("Link", files.Link().command(path=str(tmp / "l"))),
        ("Directory", files.Directory().command(path=str(tmp))),
        ("Socket", files.Socket().command(path=f)),
        ("Sha256File", files.Sha256File().command(path=f)),
        ("Md5File", files.Md5File().command(path=missing)),
        ("FindInFile", files.FindInFile().command(path=f, pattern="^port")),
        ("FindInFile missing", files.FindInFile().command(path=missing, pattern="x")),
        ("Users", server.Users().command()),
        ("UserAccounts", server.UserAccounts().command()),
        ("StatBatch", StatBatch.command(paths)),
        ("HashBatch", hash_batch("sha256sum").command(paths)),
        ("HashBatch none", hash_batch("sha256sum").command([missing])),
        ("DebPackages", deb.DebPackages().command()),
    ]
    return out


def test_every_inline_fact_is_covered() -> None:
    inline = {name for name, cls in catalog.facts().items() if cls.inline}
    covered = {"files.File", "files.Link", "files.Directory", "files.Socket", "server.Users",
               "server.UserAccounts", "deb.DebPackages"}
    covered |= {n for n in inline if n.startswith("files.") and n.endswith("File")}
    assert inline <= covered | {"files.FindInFile"}, inline - covered


@pytest.mark.parametrize("case", range(14))
def test_an_inline_fact_leaves_the_shell_as_it_found_it(tmp_path: Path, case: int) -> None:
    name, command = _commands(tmp_path)[case]
    setup = f"cd {tmp_path}; set -- a b; x=1; umask 027\n"
    step = f"{{ LC_ALL=C; export LC_ALL; {{ {command}\n}}; }} >/dev/null 2>&1\n"
    inline = f"{setup}{PROBE}echo ==\n{step}{PROBE}"
    ran = subprocess.run([SH, "-c", inline], capture_output=True, text=True, timeout=20)
    before, _, after = ran.stdout.partition("==\n")
    # only LC_ALL (exported by every fact step, put back after each script) may differ
    strip = [line for line in after.splitlines() if not line.startswith("LC_ALL=")]
    assert strip == [line for line in before.splitlines() if not line.startswith("LC_ALL=")], name
    # and the output is the one a subshell gives
    out = [subprocess.run([SH, "-c", f"cd {tmp_path}; {wrapped}"], capture_output=True,
                          timeout=20).stdout
           for wrapped in (f"{{ {command}\n}}", f"( {command}\n)")]
    assert out[0] == out[1], name


def _facts_with(flag: str) -> list[type[FactBase[Any]]]:
    return [cls for cls in catalog.facts().values() if getattr(cls, flag)]


def test_a_pattern_the_shell_expands_keeps_its_subshell() -> None:
    fact = files.FindInFile()
    assert fact.runs_inline("/f", "x") and not fact.runs_inline("/f", "x",
                                                                interpolate_variables=True)
    assert _facts_with("inline")  # some facts run inline
