"""One host's run: its chain of operations, cut into waves, and the facts they read.

A wave costs one round trip for the facts its operations need and one for their commands;
the facts the next wave needs are read at the end of this wave's script.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from corral.connectors.base import Connector
from corral.model.command import CommandOutput
from corral.model.context import current_host
from corral.model.errors import (
    BadInput,
    CorralError,
    FactError,
)
from corral.model.events import FactsGathered
from corral.model.facts import FactBatch
from corral.model.host import Host
from corral.model.keys import Key, conflicts
from corral.model.operation import (
    GLOBAL_ARG_NAMES,
    OpCall,
    build_global_args,
    caller_location,
    resolve_defaults,
    validate_globals,
)
from corral.model.results import OperationMeta, OpStatus
from corral.model.secrets import collect as collect_secrets
from corral.model.secrets import mask, reveal

from .batching import fact_step, fact_value, families, output_lines, plan_fetch
from .execute import (
    WavePlan,
    describe,
    digest_output,
    execute_wave,
    output_digest,
    skipped_result,
)
from .greenlets import await_only
from .loader import error_location
from .probe import FactFailed, FactKey, Probe, make_fact_key, probe

if TYPE_CHECKING:
    from .runner import Run


class HostAborted(BaseException):
    """Stops a failed host's deploy code at its next operation call."""


def _is_barrier(call: OpCall) -> bool:
    g = call.globals
    return g.if_ is not None or g.serial or g.run_once


class HostRun:
    """The engine's side of one host: implements the context deploy code talks to."""

    in_operation = False

    def __init__(self, run: Run, host: Host) -> None:
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
        meta = OperationMeta(call, self._resolve)
        self._keys[id(meta)] = (call.file, call.line, n)
        self._precheck(meta)
        self.pending.append(meta)
        self.metas.append(meta)
        return meta

    def get_fact(self, fact_cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        given = {k: v for k, v in kwargs.items() if k in GLOBAL_ARG_NAMES}
        where, what = caller_location(2), f"fact {getattr(fact_cls, 'name', fact_cls)}"
        validate_globals(given, where, what)
        # as an operation's: the call's, the enclosing @deploy's, the host's data, config
        defaults = resolve_defaults(self.config, self.host.data, where, what)
        g = build_global_args(given, defaults)
        collect_secrets(g.sudo_password, self.secrets)
        self._note_sudo_password(g.sudo_password)
        key = make_fact_key(fact_cls, args, kwargs, g.privilege_key())
        value = await_only(self.read_fact(key))
        if isinstance(value, FactFailed):
            # as pyinfra: the host fails, unless the read ignores errors
            if g.ignore_errors:
                return key.cls.default()
            raise FactError(value.message)
        return value

    def _note_sudo_password(self, password: Any) -> None:
        if password is not None:
            self.sudo_passwords.add(reveal(password))

    def noop(self, description: str) -> None:
        """Outside an operation a noop note has nothing to attach to; pyinfra ignores it."""

    def _resolve(self, meta: OperationMeta) -> None:
        await_only(self.flush())
        if meta.result is None:
            meta.result = skipped_result(self.host, meta, "not run")

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
        outputs = await conn.run(plan.steps(), timeout=self.run.wave_timeout)
        done, outs, again = plan.outputs(outputs)
        self.store_facts(done, outs)
        if again:  # what a batch could not answer, read alone
            self.unbatchable |= families(again)
            outputs = await conn.run([fact_step(k) for k in again],
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

    async def flush(self) -> None:
        """Run every pending operation."""
        while self.pending:
            if self.failed or self.run.stopping:
                for meta in self.pending:
                    meta.result = skipped_result(self.host, meta, "skipped after a failure"
                                                 if self.failed else "run stopped")
                    self.run.op_done(meta)
                self.pending.clear()
                return
            await self._wave()

    async def _wave(self) -> None:
        first = self.pending[0]
        g = first.call.globals
        if g.if_ is not None and not _condition(g.if_):
            self.pending.pop(0)
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
                if _is_barrier(meta.call):
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
        plan = WavePlan(host=self)
        changed: set[Key] = set()
        for meta in metas:
            p = probes[id(meta)]
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
            if p.error is not None:
                break
            if p.commands:
                changed |= meta.call.spec.change_keys(meta.call.args, meta.call.kwargs)
        plan.changes = changed
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
        await execute_wave(plan)
        done = {id(m) for m, _ in plan.ops if m.result is not None}
        self.pending = [m for m in self.pending if id(m) not in done]

    def invalidate(self, changes: set[Key]) -> None:
        self._facts_gen += 1
        for key in [k for k in self.facts if conflicts(k.reads(), changes)]:
            del self.facts[key]
            self.fact_digests.pop(key, None)

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


def _copy_config(config: Any) -> Any:
    copy = getattr(config, "copy", None)
    return copy() if callable(copy) else config


def _condition(cond: Any) -> bool:
    if isinstance(cond, OperationMeta):
        return cond.did_change()
    if isinstance(cond, list | tuple):
        return all(_condition(c) for c in cond)
    return bool(cond())
