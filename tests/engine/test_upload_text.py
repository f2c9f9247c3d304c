"""Uploads as shell text, run by real shells: the builtin-printf form and the base64 form
write the same bytes, mode and owner, leave no temporary file, and on failure leave the
destination as it was."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


def _run(text: str) -> int:
    return subprocess.run(["sh"], input=text.encode(), capture_output=True).returncode


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
