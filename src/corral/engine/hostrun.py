"""One host's run: its chain of operations, cut into waves, and the facts they read.

A wave costs one round trip for the facts its operations need and one for their commands;
the facts the next wave needs are read at the end of this wave's script.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from corral.connectors.base import Connector
from corral.connectors.framing import Step
from corral.model.command import CommandOutput, FunctionCommand, Reconnect, StringCommand
from corral.model.context import current_host, deploy_data
from corral.model.errors import (
    BadInput,
    ConnectError,
    CorralError,
    FactError,
    NestedOperationError,
    OperationError,
)
from corral.model.events import Event, FactsGathered, HostLog
from corral.model.facts import FactBatch
from corral.model.host import Host
from corral.model.keys import ANY, Key, conflicts
from corral.model.operation import (
    GLOBAL_ARG_NAMES,
    OpCall,
    build_global_args,
    caller_location,
    check_text,
    config_env,
    resolve_defaults,
    validate_globals,
)
from corral.model.results import HostResult, HostStatus, OperationMeta, OpStatus
from corral.model.secrets import collect as collect_secrets
from corral.model.secrets import mask, reveal

from .batching import StepCache, fact_value, families, output_lines, plan_fetch
from .callbacks import execute_callback, has_function
from .execute import (
    WaveContext,
    WaveOutcome,
    WavePlan,
    command_globals,
    command_text,
    describe,
    digest_output,
    dry_reads,
    execute_wave,
    mask_result,
    output_digest,
    skipped_result,
)
from .greenlets import await_only, run_sync
from .loader import error_location
from .probe import FactFailed, FactKey, Probe, make_fact_key, probe, temp_directory


class RunSide(Protocol):
    """What a host's run sees of the whole run (``runner.Run``): its settings, its events,
    its start gate and connections, and the edges between hosts (run-once claims, serial
    locks). Nothing else: the run reads a host's outcome through :meth:`HostRun.result`."""

    @property
    def config(self) -> Any: ...
    @property
    def state(self) -> Any: ...
    @property
    def dry(self) -> bool: ...
    @property
    def wave_timeout(self) -> float: ...
    @property
    def stopping(self) -> bool: ...
    @property
    def steps(self) -> StepCache: ...

    def emit(self, event: Event) -> None: ...
    def op_done(self, meta: OperationMeta) -> None: ...
    def has_host(self, host: Host) -> bool: ...
    async def before_change(self, hr: HostRun) -> None: ...
    async def connect(self, hr: HostRun) -> Connector: ...
    async def connect_to(self, host: Host) -> Connector: ...
    async def claim_once(self, key: Any, hr: HostRun) -> str | None: ...
    def finish_once(self, key: Any) -> None: ...
    def serial_lock(self, key: Any, hr: HostRun) -> AbstractAsyncContextManager[None]: ...


class HostAborted(BaseException):
    """Stops a failed host's deploy code at its next operation call."""


def _is_barrier(call: OpCall) -> bool:
    g = call.globals
    return g.if_ is not None or g.serial or g.run_once


class HostRun:
    """The engine's side of one host: implements the context deploy code talks to."""

    in_operation = False

    def __init__(self, run: RunSide, host: Host) -> None:
        self.run = run
        self.host = host
        #: the config this host's deploy code sees and changes: a copy of the run's, made
        #: again for each deploy file (pyinfra's per-host config)
        self.config: Any = run.config
        self.connector: Connector | None = None
        #: the connection started with the host's task, before its deploy code runs
        self.connecting: asyncio.Task[Connector] | None = None
        self.pending: list[OperationMeta] = []
        self.metas: list[OperationMeta] = []
        self.facts: dict[FactKey, Any] = {}
        #: bumped whenever ``facts`` changes: plans made on the same facts are reused
        self._facts_gen = 0
        self._probes: dict[int, tuple[int, Probe]] = {}
        #: what each fact's command printed, as a digest: guards compare against it
        self.fact_digests: dict[FactKey, str] = {}
        #: kinds of fact batch this host could not answer (read alone from then on)
        self.unbatchable: set[type[FactBatch]] = set()
        self.failed: str | None = None
        self.unreachable: str | None = None
        self.waves = 0
        #: the invocations of its connections closed so far (a restart makes a new one)
        self.invocations_seen = 0
        self._extra: set[FactKey] = set()
        #: secret values this host's run knows of: masked in every result and event
        self.secrets: set[str] = set()
        #: the sudo passwords its operations and facts were given: the connector's, to end
        #: root's commands when the run is interrupted
        self.sudo_passwords: set[str] = set()
        collect_secrets(host.data.dict(), self.secrets)
        self.done = False
        #: the deploy code has ended: only the pending operations are left to run
        self.code_done = False
        self._occurrences: dict[tuple[str, int], int] = {}
        self._keys: dict[int, tuple[str, int, int]] = {}
        #: while a python.call function runs: the operations after it, held back
        self._held: list[OperationMeta] = []
        #: connections to other hosts of the run, to read their facts (other.get_fact)
        self.borrowed: dict[str, Connector] = {}
        #: facts of other hosts read for this host's deploy code, by host name
        self.other_facts: dict[str, dict[FactKey, Any]] = {}
        self.started = time.monotonic()

    # -- the context deploy code sees ------------------------------------------------

    def add_op(self, call: OpCall) -> OperationMeta:
        if self.failed or self.unreachable or self.run.stopping:
            raise HostAborted()
        loc = (call.file, call.line)
        n = self._occurrences.get(loc, 0)
        self._occurrences[loc] = n + 1
        collect_secrets((call.args, call.kwargs, call.globals.env, call.globals.sudo_password),
                        self.secrets)
        self._note_sudo_password(call.globals.sudo_password)
        meta = OperationMeta(call, self._resolve, self._predict)
        self._keys[id(meta)] = (call.file, call.line, n)
        self._precheck(meta)
        self.pending.append(meta)
        self.metas.append(meta)
        return meta

    def get_fact(self, fact_cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                 of: Host | None = None) -> Any:
        """A fact of this host for its deploy code; ``of``: of another host of the run
        (``other.get_fact(...)``, read over a connection of this host's own)."""
        given = {k: v for k, v in kwargs.items() if k in GLOBAL_ARG_NAMES}
        where, what = caller_location(2), f"fact {getattr(fact_cls, 'name', fact_cls)}"
        validate_globals(given, where, what)
        # as an operation's: the call's, the enclosing @deploy's, the host's data, config
        defaults = resolve_defaults(self.config, self.host.data, where, what)
        g = build_global_args(given, defaults)
        collect_secrets(g.sudo_password, self.secrets)
        self._note_sudo_password(g.sudo_password)
        key = make_fact_key(fact_cls, args, kwargs, g.privilege())
        value = await_only(self.read_fact(key) if of is None else self.read_other_fact(of, key))
        if isinstance(value, FactFailed):
            # as pyinfra: the host fails, unless the read ignores errors
            if g.ignore_errors:
                return key.cls.default()
            raise FactError(value.message)
        return value

    def run_shell_command(self, command: Any, arguments: dict[str, Any]
                          ) -> tuple[bool, CommandOutput]:
        """pyinfra's ``host.run_shell_command``: run one command now, after the operations
        called before it, past the start gate; (succeeded, output). It may change
        anything: the facts are read again when next needed."""
        where = caller_location(2)
        what = "host.run_shell_command"
        given = {k: v for k, v in arguments.items() if k not in ("print_output", "print_input")}
        validate_globals(given, where, what)
        check_text(given, where, what, "global argument")
        defaults = resolve_defaults(self.config, self.host.data, where, what)
        if isinstance(command, StringCommand):
            cmd = command
        elif isinstance(command, str):
            cmd = StringCommand(command)
        else:
            raise BadInput(f"{what}: the command must be str or StringCommand, not "
                           f"{type(command).__name__}", file=where[0], line=where[1])
        check_text({"command": cmd}, where, what, "argument")
        g = command_globals(build_global_args(given, defaults, config_env(self.config)), cmd)
        collect_secrets((cmd.bits, g.env, g.sudo_password), self.secrets)
        self._note_sudo_password(g.sudo_password)
        await_only(self.flush())  # what was called before it runs first
        if self.failed or self.run.stopping:
            raise HostAborted()
        return await_only(self._run_now(cmd, g))

    async def _run_now(self, cmd: StringCommand, g: Any) -> tuple[bool, CommandOutput]:
        await self.run.before_change(self)
        conn = await self.ensure_connected()
        step = Step(text=command_text(cmd, g), ok_codes=g.success_exit_codes, may_fail=True)
        try:
            (out,) = await conn.run([step], timeout=self.run.wave_timeout)
        finally:
            self.invalidate({ANY})
        if out is None:  # pragma: no cover - a one-step script always runs its step
            out = CommandOutput("", "", -1)
        return out.exit_code in g.success_exit_codes, out

    def get_fact_of(self, other: Host, fact_cls: Any, args: tuple[Any, ...],
                    kwargs: dict[str, Any]) -> Any:
        return self.get_fact(fact_cls, args, kwargs, of=other)

    async def read_other_fact(self, other: Host, key: FactKey) -> Any:
        """A fact of another host of the run, for this host's deploy code (the token a
        cluster's first host made, say). It is read as it is now, over a connection this
        host opens to the other (kept for more such reads, closed with this host's own):
        the other host's chain and connection are not touched. Read once per run."""
        if not self.run.has_host(other):
            raise FactError(f"host {other.name} is not part of this run (--limit?): "
                            f"cannot read its facts")
        known = self.other_facts.setdefault(other.name, {})
        if key not in known:
            conn = self.borrowed.get(other.name)
            if conn is None:
                try:
                    conn = await self.run.connect_to(other)
                except ConnectError as exc:
                    raise FactError(f"cannot read {key.label} on {other.name}: {exc}") from None
                conn.sudo_passwords = self.sudo_passwords
                self.borrowed[other.name] = conn
            outputs = await conn.run([self.run.steps.fact(key)],
                                     timeout=self.run.wave_timeout)
            out = outputs[0]
            known[key] = (FactFailed(f"fact {key.label} on {other.name}: no output")
                          if out is None else fact_value(key, out))
            labels = (mask(key.label, self.secrets) if self.secrets else key.label,)
            self.run.emit(FactsGathered(other.name, labels))
        value = known[key]
        if isinstance(value, FactFailed):
            return FactFailed(f"{value.message} (on {other.name})")
        return value

    def _note_sudo_password(self, password: Any) -> None:
        if password is not None:
            self.sudo_passwords.add(reveal(password))

    def noop(self, description: str) -> None:
        """Outside an operation a noop note has nothing to attach to; pyinfra ignores it."""

    def temp_directory(self) -> str:
        return temp_directory(self)

    def log(self, host: Host, message: str) -> None:
        """``host.log`` from deploy code: shown in the run's output (secrets masked)."""
        text = mask(message, self.secrets) if self.secrets else message
        self.run.emit(HostLog(host.name, text))

    def _resolve(self, meta: OperationMeta) -> None:
        if any(m is meta for m in self._held):
            raise OperationError(f"{meta.call.display_name} ({meta.call.location}) comes "
                                 "after the python.call running now: it has not run yet")
        await_only(self.flush())
        if meta.result is None:
            meta.result = skipped_result(self.host, meta, "not run")

    def _predict(self, meta: OperationMeta) -> bool:
        return await_only(self.predict(meta))

    async def predict(self, meta: OperationMeta) -> bool:
        """Whether a pending operation will change the host (``will_change``), found
        without running it when it can be: the operations before it and it are planned on
        the host's facts (fetched with one invocation if needed). Only when operations
        before it may change what it reads do those run first (then it is planned on what
        they left); an operation with ``_if``, ``_serial`` or ``_run_once``, or one that
        cannot be planned (it fails when it runs), runs to answer."""
        if not any(m is meta for m in self.pending):
            await self.flush()  # not pending: it is about to be skipped, or done
            return _tried_to_change(meta)
        index = next(i for i, m in enumerate(self.pending) if m is meta)
        after = self.pending[index + 1] if index + 1 < len(self.pending) else None
        if _is_barrier(meta.call):
            await self.flush(until=after)
            return _tried_to_change(meta)
        if any(_is_barrier(m.call) for m in self.pending[:index]):
            await self.flush(until=meta)
        if meta.result is not None:
            return _tried_to_change(meta)
        index = next(i for i, m in enumerate(self.pending) if m is meta)
        earlier = self.pending[:index]
        probes = await self._probe_all([*earlier, meta])
        p = probes[id(meta)]
        if earlier and not self.run.dry:
            changes: set[Key] = set()
            for other in earlier:
                q = probes[id(other)]
                if q.error is not None or q.commands or conflicts(_reads(q), changes):
                    changes |= other.call.spec.change_keys(other.call.args, other.call.kwargs)
            if conflicts(_reads(p), changes):
                await self.flush(until=meta)
                if meta.result is not None:
                    return _tried_to_change(meta)
                p = (await self._probe_all([meta]))[id(meta)]
        if p.error is not None and not self.run.dry:
            await self.flush(until=after)
            return _tried_to_change(meta)
        return bool(p.commands)

    def _precheck(self, meta: OperationMeta) -> None:
        """Plan the operation once with no facts: errors in its arguments, source files and
        templates surface now, before any host is changed. While the host has no facts yet
        that plan is also its plan on the facts known (kept, not made again)."""
        p = probe(meta.call, self.host, {}) if self.facts else self._probe(meta)
        if p.error is not None and p.refused:
            # refused before reading the host: its arguments are wrong, whatever the host
            # holds; bad input, found before any host changes (pyinfra too refuses it
            # while it prepares the run)
            call = meta.call
            raise BadInput(str(p.error), file=call.file, line=call.line,
                           host=self.host.name, operation=call.spec.name)

    # -- running ---------------------------------------------------------------------
    async def read_fact(self, key: FactKey) -> Any:
        """A fact for deploy code (a :class:`FactFailed` if its command failed). The pending
        operations' facts are fetched with it (their wave then needs no fetch, and they can
        be planned). Pending operations that may change it run first (it is then read again
        at the end of their script); otherwise it is read at once and the operations stay
        pending, to run in fewer waves."""
        wanted = {key} - self.facts.keys()
        for meta in self.pending:
            if _is_barrier(meta.call):
                break
            wanted |= self._probe(meta).misses
        if wanted:
            await self.fetch(wanted)
        if conflicts(key.reads(), self._pending_changes()):
            self._extra.add(key)
            await self.flush()
            self._extra.discard(key)
        if key not in self.facts:
            await self.fetch({key})
        return self.facts[key]

    def _probe(self, meta: OperationMeta) -> Probe:
        """The operation planned on the facts known now (operations are pure functions
        of their arguments and facts: a plan made on the same facts is reused)."""
        hit = self._probes.get(id(meta))
        if hit is not None and hit[0] == self._facts_gen:
            return hit[1]
        p = probe(meta.call, self.host, self.facts)
        self._probes[id(meta)] = (self._facts_gen, p)
        return p

    def _accepted(self, meta: OperationMeta, p: Probe, key: FactKey) -> tuple[str, ...]:
        """The digests a guard on ``key`` accepts for this operation: what it was planned
        on, and each equivalent output the fact names on which it plans the same."""
        digest = self.fact_digests[key]
        output = digest_output(digest)
        if output is None:
            return (digest,)
        accepted = [digest]
        planned = [(type(c), describe(c)) for c in p.commands]
        for alt in key.cls().equivalent_outputs(output, *key.args, **key.call_kwargs()):
            try:
                value = key.cls().process(output_lines(alt))
            except Exception:
                continue
            other = probe(meta.call, self.host, {**self.facts, key: value})
            if (not other.misses and other.error is None
                    and [(type(c), describe(c)) for c in other.commands] == planned):
                accepted.append(output_digest(CommandOutput(alt, "", 0)))
        return tuple(accepted)

    def _pending_changes(self) -> set[Key]:
        """What the pending operations may change. One planned, on the facts known now,
        to do nothing (and reading nothing an earlier one may change) changes nothing."""
        changes: set[Key] = set()
        for meta in self.pending:
            if self.run.dry or _is_barrier(meta.call):
                changes |= meta.call.spec.change_keys(meta.call.args, meta.call.kwargs)
                continue
            p = self._probe(meta)
            reads: set[Key] = set()
            for k in p.reads:
                reads |= k.reads()
            if p.misses or p.error is not None or p.commands or conflicts(reads, changes):
                changes |= meta.call.spec.change_keys(meta.call.args, meta.call.kwargs)
        return changes

    async def ensure_connected(self) -> Connector:
        if self.connector is None:
            if self.connecting is not None:
                task, self.connecting = self.connecting, None
                self.connector = await task
            else:
                self.connector = await self.run.connect(self)
            self.connector.sudo_passwords = self.sudo_passwords  # the same set, kept up
        return self.connector

    async def fetch(self, keys: set[FactKey]) -> None:
        """Read facts in one remote invocation."""
        ordered = sorted(keys, key=lambda k: k.label)
        conn = await self.ensure_connected()
        plan = plan_fetch(ordered, self.unbatchable)
        outputs = await conn.run(plan.steps(self.run.steps), timeout=self.run.wave_timeout)
        done, outs, again = plan.outputs(outputs)
        self.store_facts(done, outs)
        if again:  # what a batch could not answer, read alone
            self.unbatchable |= families(again)
            outputs = await conn.run([self.run.steps.fact(k) for k in again],
                                     timeout=self.run.wave_timeout)
            self.store_facts(again, outputs)

    def store_facts(self, keys: list[FactKey], outputs: list[Any]) -> None:
        """Keep what fact steps read. A command that failed (not "absent", not a missing
        program) is kept as a :class:`FactFailed`: what reads the fact fails with it."""
        self._facts_gen += 1
        for key, out in zip(keys, outputs, strict=True):
            if out is None:
                continue
            self.fact_digests[key] = output_digest(out)
            self.facts[key] = fact_value(key, out)
        labels = tuple(mask(k.label, self.secrets) if self.secrets else k.label for k in keys)
        self.run.emit(FactsGathered(self.host.name, labels))

    async def flush(self, until: OperationMeta | None = None) -> None:
        """Run every pending operation (those before ``until``, if given)."""
        while self.pending and self.pending[0] is not until:
            if self.failed or self.run.stopping:
                for meta in self.pending:
                    meta.result = skipped_result(self.host, meta, "skipped after a failure"
                                                 if self.failed else "run stopped")
                    self.run.op_done(meta)
                self.pending.clear()
                return
            await self._wave(until)

    def _holds(self, meta: OperationMeta) -> bool:
        """An operation's ``_if``, evaluated when it is about to run, with its host bound
        (a ``host.when(lambda: host.data...)`` condition reads this host's data, as the
        deploy code that made it did)."""
        token = current_host.set(self)
        data_token = deploy_data.set(meta.call.data)
        try:
            return _condition(meta.call.globals.if_)
        finally:
            deploy_data.reset(data_token)
            current_host.reset(token)

    async def _wave(self, until: OperationMeta | None = None) -> None:
        first = self.pending[0]
        g = first.call.globals
        if g.if_ is not None and not self._holds(first):
            self.pending.pop(0)
            first.condition_false = True
            first.result = skipped_result(self.host, first, "_if condition is false",
                                          status=OpStatus.SKIPPED)
            self.run.op_done(first)
            return
        if g.run_once:
            ran_on = await self.run.claim_once(self._keys[id(first)], self)
            if ran_on is not None:
                self.pending.pop(0)
                first.result = skipped_result(self.host, first, f"run once, on {ran_on}")
                self.run.op_done(first)
                return
        candidates = [first]
        if not _is_barrier(first.call):
            for meta in self.pending[1:]:
                if meta is until or _is_barrier(meta.call):
                    break
                candidates.append(meta)
        probes = await self._probe_all(candidates)
        plan = self._assemble(candidates, probes)
        if g.serial:
            async with self.run.serial_lock(self._keys[id(first)], self):
                await self._execute(plan)
        else:
            await self._execute(plan)
        if g.run_once:
            self.run.finish_once(self._keys[id(first)])

    async def _probe_all(self, metas: list[OperationMeta]) -> dict[int, Probe]:
        """Plan every candidate; fetch the facts they miss, all at once, until none miss."""
        probes: dict[int, Probe] = {}
        todo = list(metas)
        while todo:
            misses: set[FactKey] = set()
            again = []
            for meta in todo:
                p = self._probe(meta)
                probes[id(meta)] = p
                if p.misses:
                    misses |= p.misses
                    again.append(meta)
            if self._extra:
                misses |= {k for k in self._extra if k not in self.facts}
                self._extra.clear()
            if not misses:
                break
            await self.fetch(misses)
            todo = again
        return probes

    def _assemble(self, metas: list[OperationMeta], probes: dict[int, Probe]) -> WavePlan:
        """Take operations in order into one wave.

        An operation that reads a fact an earlier operation of the wave may change is
        *guarded*: on the host, just before its commands, the script reads those facts again
        and compares them with what the operation was planned on (a digest); if they differ
        the script stops there and the rest is planned again in the next wave. So a wave is
        cut only where a change really altered what a later operation sees. Without a digest
        to compare (or with a planning error) the wave is cut before the operation.
        """
        plan = WavePlan()
        changed: set[Key] = set()
        for meta in metas:
            p = probes[id(meta)]
            if not self.run.dry and p.error is None and has_function(p):
                # Python run on the controller (python.call) between the host's commands:
                # the wave ends before it, and it is a step of its own
                if plan.ops:
                    plan.deferred = metas[metas.index(meta):]
                else:
                    plan.ops.append((meta, p))
                    plan.callback = True
                break
            stale = set()
            if changed and not self.run.dry:
                stale = {k for k in p.reads if conflicts(k.reads(), changed)}
            if stale:
                if p.error is not None or any(k not in self.fact_digests for k in stale):
                    plan.deferred = metas[metas.index(meta):]
                    plan.refetch |= {k for m in plan.deferred for k in probes[id(m)].reads
                                     if conflicts(k.reads(), changed)}
                    break
                plan.guards[id(meta)] = [(k, self._accepted(meta, p, k)) for k in
                                         sorted(stale, key=lambda k: k.label)]
                plan.refetch |= stale
            plan.ops.append((meta, p))
            if p.error is not None or _restarts(p):  # the wave ends with it
                break
            if p.commands:
                changed |= meta.call.spec.change_keys(meta.call.args, meta.call.kwargs)
        # facts this wave may change are read again at the end of its script, after the
        # changes, for whichever operation is planned (again) next
        guarded = [i for i, (m, _) in enumerate(plan.ops) if id(m) in plan.guards]
        if guarded:
            plan.refetch |= {k for _, p in plan.ops[guarded[0]:] for k in p.reads
                             if conflicts(k.reads(), changed)}
        # the last wave of a host whose deploy code has ended: the facts read again are
        # needed only if a guard stops the script and the rest is planned again
        plan.refetch_if_stopped = (self.code_done and not plan.deferred
                                   and len(plan.ops) == len(self.pending))
        return plan

    async def _execute(self, plan: WavePlan) -> None:
        self.waves += 1
        if self.run.dry:  # the old sides of its diffs, read as facts
            missing = dry_reads(plan) - self.facts.keys()
            if missing:
                await self.fetch(missing)
        ctx = WaveContext(
            host=self.host, wave=self.waves, dry=self.run.dry, timeout=self.run.wave_timeout,
            steps=self.run.steps, facts=self.facts, unbatchable=frozenset(self.unbatchable),
            before_change=lambda: self.run.before_change(self),
            connection=self.ensure_connected)
        if plan.callback:
            meta, p = plan.ops[0]
            outcome = await execute_callback(ctx, meta, p, self._call_function)
        else:
            outcome = await execute_wave(plan, ctx)
        self.apply(outcome)
        done = {id(m) for m, _ in outcome.results}
        self.pending = [m for m in self.pending if id(m) not in done]
        if outcome.error is not None:
            raise outcome.error
        if outcome.reconnect is not None:
            await self._reconnect(outcome.reconnect)

    async def _reconnect(self, how: Reconnect) -> None:
        """The host restarts: close its connection, forget its facts, wait ``delay``, then
        try to connect every ``interval`` until it answers, for up to ``timeout`` (then it
        is unreachable). Its next operations run on the new connection."""
        old, self.connector = self.connector, None
        if old is not None:
            self.invocations_seen += old.invocations
            with contextlib.suppress(Exception):  # it is going down: closing may fail
                await old.close()
        self.invalidate({ANY})  # everything read before the restart may have changed
        await asyncio.sleep(how.delay)
        deadline = time.monotonic() + how.timeout
        while True:
            try:
                # each attempt bounded by what is left of the wait (a host still down may
                # not even refuse)
                left = max(deadline - time.monotonic(), 0.1)
                self.connector = await asyncio.wait_for(self.run.connect(self), left)
            except (ConnectError, TimeoutError) as exc:
                if time.monotonic() + how.interval > deadline:
                    why = str(exc) or "connecting timed out"
                    raise ConnectError(f"the host did not come back within {how.timeout:g}s "
                                       f"of its restart: {why}") from None
                await asyncio.sleep(how.interval)
            else:
                self.connector.sudo_passwords = self.sudo_passwords
                return

    def apply(self, outcome: WaveOutcome) -> None:
        """Take in what a wave did: its operations' records (masked, each told to the run),
        the host's failure, the facts it made stale, the facts it read again."""
        for meta, raw in outcome.results:
            meta.raw_result = raw
            meta.result = mask_result(raw, self.secrets) if self.secrets else raw
            self.run.op_done(meta)
        for meta in outcome.replan:
            meta.predicted = None  # planned again: predicted again when read
        if outcome.failure is not None:
            self.failed = outcome.failure
        if outcome.changed:
            self.invalidate(set(outcome.changed))
        if outcome.refetched:
            keys, outputs = zip(*outcome.refetched, strict=True)
            self.store_facts(list(keys), list(outputs))
        self.unbatchable |= outcome.unbatchable

    async def _call_function(self, meta: OperationMeta, command: FunctionCommand
                             ) -> str | None:
        return await run_sync(self.run_callback, meta, command)

    def invalidate(self, changes: set[Key]) -> None:
        self._facts_gen += 1
        for key in [k for k in self.facts if conflicts(k.reads(), changes)]:
            del self.facts[key]
            self.fact_digests.pop(key, None)

    # -- the host's end -----------------------------------------------------------------

    def connect_early(self, task: asyncio.Task[Connector]) -> None:
        """The connection, started before the deploy code needs it (taken when it does)."""
        self.connecting = task

    async def close(self, finish: Callable[[Coroutine[Any, Any, None]], Awaitable[None]]
                    ) -> None:
        """Close the host's connections (its own, one started early and never needed, those
        to other hosts); ``finish`` runs each close to its end even if cancelled."""
        early, self.connecting = self.connecting, None
        if early is not None:  # started, never needed (the deploy code stopped first)
            if not early.done():
                early.cancel()
            await asyncio.wait([early])  # cancelled or done: no wait to speak of
            if not early.cancelled() and early.exception() is None and self.connector is None:
                self.connector = early.result()
        conn, self.connector = self.connector, None
        if conn is not None:
            self.invocations_seen += conn.invocations
            await finish(conn.close())
        borrowed, self.borrowed = self.borrowed, {}
        for other in borrowed.values():  # connections to other hosts, for their facts
            await finish(other.close())

    def result(self) -> HostResult:
        """The host's record: its operations' records (those that did not run say so), its
        status and error (secrets masked)."""
        for meta in self.metas:
            if meta.result is None:
                meta.result = skipped_result(self.host, meta, "not run")
        ops = tuple(m.result for m in self.metas if m.result is not None)
        if self.failed and self.secrets:
            self.failed = mask(self.failed, self.secrets)
        if not self.done:
            status, error = HostStatus.INTERRUPTED, "interrupted"
        elif self.unreachable:
            status, error = HostStatus.UNREACHABLE, self.unreachable
        elif self.failed:
            status, error = HostStatus.FAILED, self.failed
        elif any(op.changed for op in ops):
            status, error = HostStatus.CHANGED, None
        else:
            status, error = HostStatus.OK, None
        return HostResult(
            host=self.host.name,
            status=status,
            operations=ops,
            error=error,
            invocations=self.invocations_seen + (self.connector.invocations if self.connector
                                                 else 0),
            duration=time.monotonic() - self.started,
        )

    # -- deploy code -------------------------------------------------------------------

    def run_deploy(self, deploy: Callable[[], None]) -> None:
        """Run deploy code for this host (inside its greenlet)."""
        self.config = _copy_config(self.run.config)
        token = current_host.set(self)
        try:
            deploy()
        except (HostAborted, CorralError) as exc:
            if isinstance(exc, BadInput):
                exc.with_context(host=self.host.name)
            raise
        except Exception as exc:
            file, line = error_location(exc)
            raise BadInput(f"{type(exc).__name__}: {exc}", file=file, line=line,
                           host=self.host.name) from None
        finally:
            current_host.reset(token)


    def run_callback(self, meta: OperationMeta, command: FunctionCommand) -> str | None:
        """Run a ``python.call`` function, in its own greenlet, at its operation's turn:
        the operations before it have run, those after it are held back until it and the
        operations it calls have run. Returns why it failed, or None."""
        held = [m for m in self.pending if m is not meta]
        self.pending, self._held = [], held
        token = current_host.set(self)
        data_token = deploy_data.set(meta.call.data)
        try:
            args = command.args
            if _wants_state_and_host(command.function):
                args = (self.run.state, self.host, *args)
            command.function(*args, **command.kwargs)
            await_only(self.flush())  # what it called, before the rest
            if self.failed:
                return str(NestedOperationError(f"an operation it called failed: "
                                                f"{self.failed}"))
            return None
        except (HostAborted, BadInput):
            raise
        except Exception as exc:
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        finally:
            deploy_data.reset(data_token)
            current_host.reset(token)
            self.pending, self._held = self.pending + held, []


def _wants_state_and_host(function: Any) -> bool:
    """pyinfra 1.x's callback form, still honoured by pyinfra 3: ``f(state, host, ...)``."""
    try:
        params = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "state" in params and "host" in params


def _restarts(p: Probe) -> bool:
    """Whether the operation restarts the host (its connection is made again after it)."""
    return any(isinstance(c, Reconnect) for c in p.commands)


def _reads(p: Probe) -> set[Key]:
    """The state keys the facts an operation was planned on read."""
    reads: set[Key] = set()
    for key in p.reads:
        reads |= key.reads()
    return reads


def _tried_to_change(meta: OperationMeta) -> bool:
    return meta.will_change if meta.result is not None else False


def _copy_config(config: Any) -> Any:
    copy = getattr(config, "copy", None)
    return copy() if callable(copy) else config


def _condition(cond: Any) -> bool:
    if isinstance(cond, OperationMeta):
        return cond.did_change()
    if isinstance(cond, list | tuple):
        return all(_condition(c) for c in cond)
    return bool(cond())
