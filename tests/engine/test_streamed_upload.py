"""Large uploads are streamed: their content is read and base64-encoded chunk by chunk while
the script is sent (connectors/streams.py), on a real shell; byte-exact, atomic, one
invocation, and the controller never holds the content whole."""

from __future__ import annotations

import asyncio
import io
import os
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral import api
from corral.connectors.framing import Step
from corral.connectors.local import ProcessConnector
from corral.connectors.shell import PRINTF_UPLOAD_MAX, upload
from corral.connectors.streams import CHUNK, Stream, StreamedText, script_pieces
from corral.engine.execute import STREAM_MIN, _upload_content
from corral.model.command import FileUploadCommand
from corral.model.host import Host, HostData
from corral.model.operation import GlobalArgs
from corral.model.results import HostStatus
from corral.operations import files


def _content(size: int) -> bytes:
    return (bytes(range(256)) * (size // 256 + 1))[:size]


async def _send(steps_texts: list[str], hosts: int = 1) -> list[list[object]]:
    """Run the texts as one framed script on ``hosts`` local shells at once."""
    conns = [ProcessConnector(Host(f"h{i}", HostData({}), (), "local", ""))
             for i in range(hosts)]
    try:
        for conn in conns:
            await conn.connect()
        results = await asyncio.gather(*(conn.run([Step(text=t) for t in steps_texts],
                                                  timeout=60) for conn in conns))
        assert all(conn.invocations == 1 for conn in conns)
        return [list(r) for r in results]
    finally:
        for conn in conns:
            await conn.close()


def _no_temporary_files(directory: Path) -> None:
    assert not [p for p in directory.iterdir() if p.name.startswith(".corral")]


@pytest.mark.parametrize("size", [STREAM_MIN + 1, 5 * CHUNK, 5 * CHUNK + 1, 5_000_007])
@pytest.mark.parametrize("kind", ["bytes", "path", "file object"])
def test_a_streamed_upload_is_byte_exact(tmp_path: Path, size: int, kind: str) -> None:
    data = _content(size)
    src_path = tmp_path / "src.bin"
    src_path.write_bytes(data)
    src: object = {"bytes": data, "path": str(src_path), "file object": io.BytesIO(data)}[kind]
    dest = tmp_path / "out" / "dest.bin"
    dest.parent.mkdir()
    cmd = FileUploadCommand(src, str(dest), mode="640")  # type: ignore[arg-type]
    content = _upload_content(cmd)
    assert isinstance(content, Stream) and content.size == size
    text = upload(cmd, content, GlobalArgs())
    assert isinstance(text, StreamedText) and len(text) < 2000  # the content is not in it
    (out,) = asyncio.run(_send(["true", text, "true"]))
    assert [o.exit_code for o in out] == [0, 0, 0]  # type: ignore[attr-defined]
    assert dest.read_bytes() == data
    assert oct(dest.stat().st_mode & 0o777) == "0o640"
    _no_temporary_files(dest.parent)


def test_small_uploads_stay_in_the_script_text(tmp_path: Path) -> None:
    cmd = FileUploadCommand(_content(PRINTF_UPLOAD_MAX), str(tmp_path / "f"))
    content = _upload_content(cmd)
    assert isinstance(content, bytes)
    text = upload(cmd, content, GlobalArgs())
    assert not isinstance(text, StreamedText) and "printf" in text


def test_one_file_object_streams_to_several_hosts_at_once(tmp_path: Path) -> None:
    data = _content(4 * CHUNK + 99)
    shared = io.BytesIO(data)
    texts = [upload(FileUploadCommand(shared, str(tmp_path / f"d{i}")),
                    Stream(len(data), FileUploadCommand(shared, "x").chunks), GlobalArgs())
             for i in range(3)]
    asyncio.run(_send(texts, hosts=3))  # 3 hosts, each writing all three files
    for i in range(3):
        assert (tmp_path / f"d{i}").read_bytes() == data


def _short(data: bytes, fail: bool) -> Stream:
    def chunks(limit: int) -> Iterator[bytes]:
        yield data[: len(data) // 2]
        if fail:
            raise OSError("read error")

    return Stream(len(data), chunks)


@pytest.mark.parametrize("fail", [False, True])
def test_content_that_ends_early_replaces_nothing(tmp_path: Path, fail: bool) -> None:
    """A local file cut short while it was sent, or a read error: the host finds the size
    wrong, the step fails and the destination is as it was."""
    data = _content(2 * CHUNK + 5)
    dest = tmp_path / "conf"
    dest.write_text("before\n")
    text = upload(FileUploadCommand(b"", str(dest)), _short(data, fail), GlobalArgs())
    (out,) = asyncio.run(_send([text, "echo after"]))
    first, after = out
    assert first.exit_code != 0  # type: ignore[attr-defined]
    assert "arrived incomplete" in first.stderr  # type: ignore[attr-defined]
    assert after is None  # the script stopped there
    assert dest.read_text() == "before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conf"]


def test_script_pieces_cut_the_text_at_each_stream() -> None:
    a, b = Stream(1, lambda n: iter([b"x"])), Stream(2, lambda n: iter([b"yy"]))
    text = f"one\n{a.placeholder}two\n{b.placeholder}three"
    assert script_pieces(text, (a, b)) == ["one\n", a, "two\n", b, "three"]
    assert a.placeholder != b.placeholder and "\x1e" in a.placeholder


def test_a_large_put_is_never_held_whole_and_costs_no_extra_round_trip(tmp_path: Path) -> None:
    size = 24 * 1024 * 1024
    src = tmp_path / "big.bin"
    with open(src, "wb") as fh:
        for _ in range(size // (1 << 20)):
            fh.write(os.urandom(1 << 20))
    dest = tmp_path / "dest" / "big.bin"

    def deploy() -> None:
        files.put(src=str(src), dest=str(dest))
        files.file(path=str(tmp_path / "dest" / "other"))

    tracemalloc.start()
    try:
        result = api.run("@local", deploy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    h = result.hosts[0]
    assert h.status is HostStatus.CHANGED and h.changed == 2
    assert dest.read_bytes() == src.read_bytes()
    # facts, then the changes: the upload is a step of the same script
    assert h.invocations == 2
    # the content (24 MiB, 32 MiB as base64) was never held: a few chunks at a time
    assert peak < 8 * 1024 * 1024, peak
    again = api.run("@local", deploy).hosts[0]
    assert again.status is HostStatus.OK and again.invocations == 1


def test_a_large_file_object_is_streamed_too(tmp_path: Path) -> None:
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(12 * 1024 * 1024))
    dest = tmp_path / "dest.bin"
    with src.open("rb") as handle:

        def deploy() -> None:
            files.put(src=handle, dest=str(dest))

        tracemalloc.start()
        try:
            result = api.run("@local", deploy)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert result.hosts[0].status is HostStatus.CHANGED, result
        assert dest.read_bytes() == src.read_bytes()
        assert peak < 6 * 1024 * 1024, peak  # read in pieces: never the 12 MiB at once
        assert api.run("@local", deploy).hosts[0].changed == 0  # compared by its hash
