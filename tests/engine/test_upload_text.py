"""Uploads as shell text, run by real shells: the builtin-printf form and the base64 form
write the same bytes, mode and owner, leave no temporary file, and on failure leave the
destination as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corral.connectors.framing import helpers
from corral.connectors.shell import PRINTF_UPLOAD_MAX, printf_format, upload
from corral.model.command import FileUploadCommand
from corral.model.operation import GlobalArgs

SHELLS = [s for s in ("sh", "dash", "bash") if shutil.which(s)]


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300))
def test_printf_format_prints_any_bytes(data: bytes) -> None:
    for sh in SHELLS:
        out = subprocess.run([sh, "-c", f"printf {printf_format(data)}"], capture_output=True,
                             check=True).stdout
        assert out == data, sh


def _script(text: str) -> str:
    """The upload's text with what a framed script gives it (framing.helpers)."""
    outer, inner = helpers([text])
    return f"{outer}{inner}\n{text}\n"


def _run(text: str) -> int:
    return subprocess.run(["sh"], input=_script(text).encode(),
                          capture_output=True).returncode


@pytest.mark.parametrize("size", [0, 5000, PRINTF_UPLOAD_MAX + 1])
def test_upload_writes_bytes_and_mode(tmp_path: Path, size: int) -> None:
    data = bytes(range(256)) * (size // 256) + b"'%\\\n" if size else b""
    dest = tmp_path / "out.bin"
    text = upload(FileUploadCommand(b"", str(dest), mode="640"), data, GlobalArgs())
    assert ("base64 -d" in text) == (len(data) > PRINTF_UPLOAD_MAX)
    assert _run(text) == 0
    assert dest.read_bytes() == data
    assert oct(dest.stat().st_mode & 0o777) == "0o640"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_upload_keeps_the_mode_of_the_file_it_replaces(tmp_path: Path) -> None:
    dest = tmp_path / "keep"
    dest.write_text("old\n")
    dest.chmod(0o604)
    assert _run(upload(FileUploadCommand(b"", str(dest)), b"new\n", GlobalArgs())) == 0
    assert dest.read_text() == "new\n" and dest.stat().st_mode & 0o777 == 0o604


@pytest.mark.parametrize("big", [False, True])
def test_failed_upload_leaves_destination_and_no_temporary_file(tmp_path: Path,
                                                                big: bool) -> None:
    dest = tmp_path / "conf"
    dest.write_text("before\n")
    data = b"x" * (PRINTF_UPLOAD_MAX + 1 if big else 10)
    cmd = FileUploadCommand(b"", str(dest), user="no-such-user-here")
    assert _run(upload(cmd, data, GlobalArgs())) != 0
    assert dest.read_text() == "before\n"
    assert os.listdir(tmp_path) == ["conf"]


def test_sudo_uploads_go_through_base64(tmp_path: Path) -> None:
    text = upload(FileUploadCommand(b"", str(tmp_path / "f")), b"x",
                  replace(GlobalArgs(), sudo=True))
    assert "base64 -d" in text and "sudo" in text


def _owner(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return st.st_uid, st.st_gid, st.st_mode & 0o7777


@pytest.mark.skipif(os.geteuid() != 0, reason="changes owners: needs root")
@pytest.mark.parametrize(
    ("case", "mode", "user", "group", "kept", "before", "expected", "procs"),
    [
        # a mode a umask gives, no owner asked: no chmod, no chown
        ("new, no owner", "600", None, None, False, None, (0, 0, 0o600), []),
        # an owner asked and a mode that lets the group read: the mode from creation, the
        # owner set on the empty file before the content
        ("new, owner asked", "640", "nobody", "nogroup", False, None,
         ("nobody", "nogroup", 0o640), ["chown"]),
        # owner asked, a mode for the owner only: set at creation
        ("owner asked, 600", "600", "nobody", "nogroup", False, None,
         ("nobody", "nogroup", 0o600), ["chown"]),
        # the replaced file's owner, the login's own: no chmod, no chown at run time
        ("kept, own", "644", "root", "root", True, (0, 0), (0, 0, 0o644), []),
        # the replaced file's owner, someone else's: chown, on the empty file
        ("kept, other", "644", "nobody", "nogroup", True, ("nobody", "nogroup"),
         ("nobody", "nogroup", 0o644), ["chown"]),
        # an owner asked and the replaced file's mode kept: mode and owner after content
        ("mode kept, owner asked", None, "nobody", "nogroup", False, ("nobody", "nogroup"),
         ("nobody", "nogroup", 0o644), ["chmod", "chown"]),
        # an execute bit no umask gives: chmod
        ("executable", "755", None, None, False, None, (0, 0, 0o755), ["chmod"]),
    ],
)
def test_upload_sets_mode_and_owner_with_as_few_commands_as_it_can(
        tmp_path: Path, case: str, mode: str, user: str | None, group: str | None,
        kept: bool, before: tuple[Any, Any] | None, expected: tuple[Any, Any, int],
        procs: list[str]) -> None:
    import grp
    import pwd

    def ids(u: Any, g: Any) -> tuple[int, int]:
        return (u if isinstance(u, int) else pwd.getpwnam(u).pw_uid,
                g if isinstance(g, int) else grp.getgrnam(g).gr_gid)

    dest = tmp_path / "f.conf"
    if before is not None:
        dest.write_text("old\n")
        os.chown(dest, *ids(*before))
    cmd = FileUploadCommand(b"", str(dest), mode=mode, user=user, group=group,
                            owner_kept=kept)
    text = upload(cmd, b"new\n", GlobalArgs())
    # the commands the shell runs are traced (set -x) to see which ran
    traced = subprocess.run(["sh", "-x"], input=_script(text).encode(), capture_output=True)
    assert traced.returncode == 0, traced.stderr
    ran = [w for w in ("chmod", "chown") if f"+ {w} " in traced.stderr.decode()]
    assert ran == procs, case
    assert dest.read_text() == "new\n"
    assert _owner(dest) == (*ids(expected[0], expected[1]), expected[2])
    assert os.listdir(tmp_path) == ["f.conf"]


@pytest.mark.parametrize("mode", ["640", "600", "755", None])
def test_an_upload_leaves_the_scripts_shell_as_it_found_it(tmp_path: Path,
                                                           mode: str | None) -> None:
    """It runs in the script's own shell (no subshell): its umask and noclobber are put
    back, and the exit status is the upload's."""
    cmd = FileUploadCommand(b"", str(tmp_path / "f"), mode=mode)
    probe = '\necho "rc=$?"; umask; case $- in *C*) echo noclobber;; esac\n'
    for sh in SHELLS:
        text = "umask 0027\n" + _script(upload(cmd, b"x\n", GlobalArgs())) + probe
        out = subprocess.run([sh], input=text.encode(), capture_output=True, check=True)
        assert out.stdout.decode().split() == ["rc=0", "0027"], sh
        # a second upload of the same file replaces it; a failing one reports its status
        bad = FileUploadCommand(b"", str(tmp_path / "missing-dir" / "f"), mode=mode)
        text = "umask 0027\n" + _script(upload(bad, b"x\n", GlobalArgs())) + probe
        out = subprocess.run([sh], input=text.encode(), capture_output=True, check=True)
        words = out.stdout.decode().split()
        assert words[0] != "rc=0" and words[1:] == ["0027"], sh


# -- destinations that look like options -------------------------------------------------------

#: relative names that mv, chmod, chown, stat or mktemp would read as options: "-t." made
#: ``mv`` move the temporary file into "." under its own name and leave it there
DASHED = ["-t.", "-foo", "--help", "-m600", "-", "-tsub/f"]


@pytest.mark.parametrize("dest", DASHED)
@pytest.mark.parametrize("size", [5, PRINTF_UPLOAD_MAX + 1])
@pytest.mark.parametrize("mode", ["600", None, "755"])
def test_a_relative_destination_starting_with_a_dash_is_a_file_name(
        tmp_path: Path, dest: str, size: int, mode: str | None) -> None:
    data = bytes(range(256)) * (size // 256 + 1)
    for sh in SHELLS:
        work = tmp_path / sh
        (work / "-tsub").mkdir(parents=True)
        text = upload(FileUploadCommand(b"", dest, mode=mode), data, GlobalArgs())
        done = subprocess.run([sh], input=_script(text).encode(), capture_output=True,
                              cwd=work)
        assert done.returncode == 0, (sh, done.stderr)
        assert (work / dest).read_bytes() == data, sh
        left = sorted(str(p.relative_to(work)) for p in work.rglob("*"))
        assert left == sorted({"-tsub", dest}), (sh, left)  # no temporary file
