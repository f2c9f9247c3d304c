"""Operations that run Python on the controller (``FunctionCommand``: ``python.call``).

Such an operation is a wave of its own, after the host's earlier operations have run: its
shell commands (an operation may yield both) run as scripts, in order, and each function
runs in a greenlet of its own with ``host`` bound to the host (``HostRun.run_callback``),
so it may read results and facts and call operations as deploy code does. Everything the
operation may change (anything, unless it declares ``changes``) is read again afterwards.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import TYPE_CHECKING

from corral.model.command import Command, CommandOutput, FunctionCommand
from corral.model.errors import CommandTimeout, ConnectionLost
from corral.model.results import OperationMeta, OpStatus

from .execute import _finish, _steps_for, describe, failure_message, out_summary
from .greenlets import run_sync
from .probe import Probe

if TYPE_CHECKING:
    from .hostrun import HostRun


def has_function(p: Probe) -> bool:
    return any(isinstance(c, FunctionCommand) for c in p.commands)


async def execute_callback(hr: HostRun, meta: OperationMeta, p: Probe) -> None:
    run = hr.run
    await run.before_change(hr)
    started = time.monotonic()
    outputs: list[CommandOutput] = []
    error: str | None = None
    summary: str | None = None
    shell: list[Command] = []  # the shell commands up to the next function
    try:
        for command in [*p.commands, None]:
            if command is not None and not isinstance(command, FunctionCommand):
                shell.append(command)
                continue
            if shell:
                error, summary = await _run_shell(hr, meta, replace(p, commands=shell),
                                                  outputs)
                shell = []
                if error is not None:
                    break
            if command is None:
                break
            error = await run_sync(hr.run_callback, meta, command)
            if error is not None:
                summary = error
                break
    except (ConnectionLost, CommandTimeout) as exc:
        _finish(hr, meta, p, outputs, OpStatus.FAILED, time.monotonic() - started,
                error=f"{exc}: this operation may or may not have run")
        raise
    except asyncio.CancelledError:
        _finish(hr, meta, p, outputs, OpStatus.MAY_HAVE_RUN, time.monotonic() - started,
                note="the run was interrupted while it ran: it may have run, in whole or "
                     "in part")
        raise
    finally:
        # whatever it did, the facts it may have changed are read again when next needed
        hr.invalidate(set(meta.call.spec.change_keys(meta.call.args, meta.call.kwargs)))
    status = OpStatus.FAILED if error is not None else OpStatus.CHANGED
    _finish(hr, meta, p, outputs, status, time.monotonic() - started, error=error)
    if error is not None and not meta.call.globals.ignore_errors:
        hr.failed = f"{meta.call.display_name}: {summary or error}"


async def _run_shell(hr: HostRun, meta: OperationMeta, p: Probe,
                     outputs: list[CommandOutput]) -> tuple[str | None, str | None]:
    """The operation's shell commands up to its next function, as one script; (why it
    failed, a one-line summary) or (None, None)."""
    steps = _steps_for(meta, p, 0)
    conn = await hr.ensure_connected()
    outs = await conn.run([s for s, _ in steps], timeout=hr.run.wave_timeout)
    for (step, command), out in zip(steps, outs, strict=True):
        if out is None:
            continue
        outputs.append(out)
        if out.exit_code not in step.ok_codes:
            return failure_message(describe(command), out), out_summary(command, out)
    return None, None
