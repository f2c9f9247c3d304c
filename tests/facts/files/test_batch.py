"""Batched fact reads on a real shell: for every path, the text a batch gives is exactly
what the fact's own command prints (so guards re-reading one fact see the same), and the
parsed values agree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from corral.facts.files import Directory, File, Link, Md5File, Sha1File, Sha256File
from corral.model.facts import FactBase, FactBatch


def _sh(command: str) -> str:
    proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def tree(tmp_path: Path) -> list[str]:
    (tmp_path / "plain").write_text("hello\n")
    (tmp_path / "with spaces  and 'quotes'").write_text("x")
    (tmp_path / "empty").write_text("")
    (tmp_path / "dir").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "plain")
    (tmp_path / "dirlink").symlink_to(tmp_path / "dir")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "secret").write_text("s")
    (tmp_path / "secret").chmod(0)
    os.mkfifo(tmp_path / "fifo")
    names = ["plain", "with spaces  and 'quotes'", "empty", "dir", "link", "dirlink",
             "dangling", "missing", "dir/", "secret"]
    return [f"{tmp_path}/{n}" for n in names]


@pytest.mark.parametrize("fact_cls", [File, Directory, Link, Sha256File, Sha1File, Md5File])
def test_batch_text_equals_each_fact_alone(tree: list[str], fact_cls: type[FactBase]) -> None:
    fact = fact_cls()
    batches = [fact.batch(path=p) for p in tree]
    assert [b[1] for b in batches if b] == tree
    families = {b[0] for b in batches if b}
    assert len(families) == 1
    family = families.pop()
    assert issubclass(family, FactBatch)
    texts = family.split(_sh(family.command(tree)), tree)
    for path in tree:
        alone = _sh(fact.command(path=path))
        if texts[path] is None:  # the batch could not vouch for it: read alone
            continue
        assert texts[path] == alone, path
        assert fact.process(texts[path].splitlines()) == fact.process(alone.splitlines())


def test_stat_batch_answers_for_every_path(tree: list[str]) -> None:
    family, _ = File().batch(path=tree[0])  # type: ignore[misc]
    texts = family.split(_sh(family.command(tree)), tree)
    assert None not in texts.values()
    assert texts[tree[7]] == ""  # missing
    assert "link=" in (texts[tree[4]] or "")


def test_items_that_cannot_be_named_are_read_alone() -> None:
    for path in ("~/x", "-x", "a\nb", "a\\b", "a\x1fb"):
        assert File().batch(path=path) is None
        assert Sha256File().batch(path=path) is None


def test_marker_without_answer_is_read_alone() -> None:
    gs, us = FactBatch.GS, FactBatch.US
    out = f"{gs}/a{us}{gs}/b{us}{gs}/b{us}text\n"
    assert FactBatch.split(out, ["/a", "/b", "/c"]) == {"/a": None, "/b": "text\n", "/c": ""}
