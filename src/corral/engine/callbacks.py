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
from collections.abc import Awaitable, Callable
from dataclasses import replace

from corral.model.command import Command, CommandOutput, FunctionCommand
from corral.model.errors import CommandTimeout, ConnectionLost
from corral.model.results import OperationMeta, OpStatus

from .execute import (
    WaveContext,
    WaveOutcome,
    _record,
    _steps_for,
    describe,
    failure_message,
    out_summary,
)
from .probe import Probe

#: runs one function of the operation in its own greenlet, with its host bound; returns
#: why it failed, or None (``HostRun.run_callback``)
CallFunction = Callable[[OperationMeta, FunctionCommand], Awaitable[str | None]]


def has_function(p: Probe) -> bool:
    return any(isinstance(c, FunctionCommand) for c in p.commands)


async def execute_callback(ctx: WaveContext, meta: OperationMeta, p: Probe,
                           call_function: CallFunction) -> WaveOutcome:
    """Run the operation (its shell commands as scripts, its functions in greenlets, in
    order) and say what it did; everything it may change is read again afterwards."""
    await ctx.before_change()
    started = time.monotonic()
    outputs: list[CommandOutput] = []
    error: str | None = None
    summary: str | None = None
    shell: list[Command] = []  # the shell commands up to the next function
    # whatever it did, the facts it may have changed are read again when next needed
    changed = frozenset(meta.call.spec.change_keys(meta.call.args, meta.call.kwargs))
    try:
        for command in [*p.commands, None]:
            if command is not None and not isinstance(command, FunctionCommand):
                shell.append(command)
                continue
            if shell:
                error, summary = await _run_shell(ctx, meta, replace(p, commands=shell),
                                                  outputs)
                shell = []
                if error is not None:
                    break
            if command is None:
                break
            error = await call_function(meta, command)
            if error is not None:
                summary = error
                break
    except (ConnectionLost, CommandTimeout) as exc:
        result = _record(ctx, meta, p, outputs, OpStatus.FAILED, time.monotonic() - started,
                         error=f"{exc}: this operation may or may not have run")
        return WaveOutcome(results=((meta, result),), changed=changed, error=exc)
    except asyncio.CancelledError as exc:
        result = _record(ctx, meta, p, outputs, OpStatus.MAY_HAVE_RUN,
                         time.monotonic() - started,
                         note="the run was interrupted while it ran: it may have run, in "
                              "whole or in part")
        return WaveOutcome(results=((meta, result),), changed=changed, error=exc)
    except BaseException as exc:  # the run stops (bad input, a host aborted)
        return WaveOutcome(changed=changed, error=exc)
    status = OpStatus.FAILED if error is not None else OpStatus.CHANGED
    result = _record(ctx, meta, p, outputs, status, time.monotonic() - started, error=error)
    failure = None
    if error is not None and not meta.call.globals.ignore_errors:
        failure = f"{meta.call.display_name}: {summary or error}"
    return WaveOutcome(results=((meta, result),), failure=failure, changed=changed)


async def _run_shell(ctx: WaveContext, meta: OperationMeta, p: Probe,
                     outputs: list[CommandOutput]) -> tuple[str | None, str | None]:
    """The operation's shell commands up to its next function, as one script; (why it
    failed, a one-line summary) or (None, None)."""
    steps = _steps_for(meta, p, 0)
    conn = await ctx.connection()
    outs = await conn.run([s for s, _ in steps], timeout=ctx.timeout)
    for (step, command), out in zip(steps, outs, strict=True):
        if out is None:
            continue
        outputs.append(out)
        if out.exit_code not in step.ok_codes:
            return failure_message(describe(command), out), out_summary(command, out)
    return None, None
