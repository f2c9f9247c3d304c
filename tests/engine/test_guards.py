"""Guards on a real shell: a fact's output is compared inline when short, by sha256sum
when long, and either way a guard passes only while the fact reads as it was planned."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from corral.engine.batching import StepCache
from corral.engine.execute import INLINE_GUARD_MAX, guard_step, output_digest
from corral.engine.probe import FactKey, make_fact_key
from corral.facts.files import FileContents
from corral.model.command import CommandOutput
from corral.model.privilege import Privilege


def _key(path: Path) -> FactKey:
    return make_fact_key(FileContents, (), {"path": str(path)}, Privilege())


def _passes(path: Path, digest: str) -> bool:
    text = guard_step([(_key(path), (digest,))], 0, StepCache()).text
    return subprocess.run(["sh", "-c", text], capture_output=True).returncode == 0


def _read(path: Path) -> CommandOutput:
    proc = subprocess.run(["sh", "-c", FileContents().command(path=str(path))],
                          capture_output=True, text=True)
    return CommandOutput(stdout=proc.stdout, stderr="", exit_code=proc.returncode)


@pytest.mark.parametrize("content", [
    "",
    "one line\n",
    "no newline at the end",
    "quotes ' \" $HOME `x` \\ and\n\n\ntrailing newlines\n\n",
    "x" * (INLINE_GUARD_MAX + 10) + "\n",
])
def test_guard_passes_unchanged_and_fails_changed(tmp_path: Path, content: str) -> None:
    path = tmp_path / "f"
    path.write_text(content)
    digest = output_digest(_read(path))
    assert digest.startswith("=") == (len(content) < INLINE_GUARD_MAX)
    assert _passes(path, digest)
    path.write_text(content + "more\n")
    assert not _passes(path, digest)
    path.unlink()
    assert not _passes(path, digest)


def test_missing_file_guard(tmp_path: Path) -> None:
    path = tmp_path / "absent"
    digest = output_digest(_read(path))
    assert _passes(path, digest)
    path.write_text("now here\n")
    assert not _passes(path, digest)


def test_guard_accepts_any_of_several_outputs(tmp_path: Path) -> None:
    path = tmp_path / "f"
    big = "y" * (INLINE_GUARD_MAX + 1) + "\n"
    digests = []
    for content in ("small\n", big):
        path.write_text(content)
        digests.append(output_digest(_read(path)))
    assert digests[0].startswith("=") and not digests[1].startswith("=")
    text = guard_step([(_key(path), tuple(digests))], 0, StepCache()).text
    for content, ok in (("small\n", True), (big, True), ("other\n", False)):
        path.write_text(content)
        assert (subprocess.run(["sh", "-c", text]).returncode == 0) is ok
