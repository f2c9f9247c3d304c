"""An interrupted run reports what it had sent: an operation whose script was on the host
may have run; one never sent did not run (API results; the CLI's are in tests/cli)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from corral import api
from corral.model.events import OperationDone
from corral.model.results import HostStatus, OpStatus
from corral.operations import files, server


def test_operations_sent_before_an_interruption_may_have_run(tmp_path: Path) -> None:
    started, after = tmp_path / "started", tmp_path / "after"

    def deploy() -> None:
        files.directory(path=str(tmp_path / "d"))
        server.shell(name="slow", commands=[f"touch {started}; sleep 5; touch {after}"])
        files.file(path=str(tmp_path / "d" / "f"), _if=lambda: True)  # a later wave

    events: list[object] = []

    async def scenario() -> api.RunResult:
        task = asyncio.ensure_future(api.arun("@local", deploy, on_event=events.append))
        while not started.exists():
            await asyncio.sleep(0.02)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            return await task
        raise AssertionError("the run did not end its host")

    result = asyncio.run(scenario())
    assert result.interrupted and result.exit_code == 130
    h = result.hosts[0]
    assert h.status is HostStatus.INTERRUPTED
    made, slow, later = h.operations
    for op in (made, slow):  # both were in the script that was running
        assert op.status is OpStatus.MAY_HAVE_RUN, op
        assert any("may have run" in n for n in op.notes), op.notes
        assert not op.changed
    assert later.status is OpStatus.SKIPPED and later.notes == ("not run",)
    assert not (tmp_path / "d" / "f").exists() and not after.exists()
    # each reached the event stream too (the CLI prints them as they come)
    reported = [e.result for e in events if isinstance(e, OperationDone)]
    assert {r.name for r in reported if r.status is OpStatus.MAY_HAVE_RUN} \
        == {"files.directory", "slow"}
