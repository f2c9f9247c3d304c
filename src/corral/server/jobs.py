"""Runs asked for from the server: plan (a dry run), approval, apply, cancel.

A request goes ``planning`` -> ``planned`` -> (approved) ``applying`` -> ``done`` or
``failed``; ``cancelled`` from any state before the end; ``interrupted`` when the server
stopped while its run was going. Each run is a worker process (corral.server.worker)
recorded in the history store like any run (its ``api_user`` the user who asked for it),
its events kept here to stream to browsers (server-sent events). One run at a time per
inventory and deploy: a request while another one of the same pair is planning or
applying is refused (:class:`Busy`)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from corral.history import Store
from corral.history.accounts import run_requests
from corral.history.schema import runs

from . import audit
from .project import Project

PLANNING, PLANNED, APPLYING = "planning", "planned", "applying"
DONE, FAILED, CANCELLED, INTERRUPTED = "done", "failed", "cancelled", "interrupted"
RUNNING_STATES = (PLANNING, APPLYING)
OPEN_STATES = (PLANNING, PLANNED, APPLYING)
#: a plan's exit codes that let it be approved: nothing to change, or changes pending
APPROVABLE = (0, 2)


class JobError(ValueError):
    """A request that cannot be made or acted on now (the message says why)."""


class Busy(JobError):
    """Another run of the same inventory and deploy is going."""


@dataclass
class Live:
    """A request's running worker and the events it sent, for late subscribers."""
    process: asyncio.subprocess.Process | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    listeners: list[asyncio.Queue[dict[str, Any] | None]] = field(default_factory=list)
    cancelled_by: str | None = None
    finished: bool = False


def _now() -> datetime:
    return datetime.now(UTC)


def request_row(row: Any) -> dict[str, Any]:
    def iso(value: datetime | None) -> str | None:
        if value is None:
            return None
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat(
            timespec="seconds")

    return {"id": row.id, "inventory": row.inventory, "deploy": row.deploy,
            "limit": row.limit or [], "state": row.state, "requested_by": row.requested_by,
            "approved_by": row.approved_by, "cancelled_by": row.cancelled_by,
            "plan_run_id": row.plan_run_id, "apply_run_id": row.apply_run_id,
            "plan_exit_code": row.plan_exit_code, "apply_exit_code": row.apply_exit_code,
            "error": row.error, "created_at": iso(row.created_at),
            "updated_at": iso(row.updated_at)}


def _brief(event: dict[str, Any]) -> dict[str, Any]:
    """An event as kept and streamed: an operation's record without its commands, output
    and diffs (those are read from the history once recorded; a run of many hosts would
    otherwise hold every file's text in the server's memory)."""
    if event.get("event") != "operation" or not isinstance(event.get("result"), dict):
        return event
    result = event["result"]
    return {**event, "result": {k: result.get(k) for k in
                                ("host", "name", "operation", "status", "changed", "error")}}


class Jobs:
    def __init__(self, store: Store, project: Project) -> None:
        self.store = store
        self.project = project
        self.live: dict[int, Live] = {}
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    # -- reading ---------------------------------------------------------------------
    def get(self, request_id: int) -> dict[str, Any] | None:
        with self.store.read() as conn:
            row = conn.execute(select(run_requests)
                               .where(run_requests.c.id == request_id)).first()
        return None if row is None else request_row(row)

    def list_requests(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.store.read() as conn:
            return [request_row(r) for r in conn.execute(
                select(run_requests).order_by(run_requests.c.id.desc()).limit(limit))]

    def _set(self, request_id: int, **values: Any) -> None:
        with self.store.write() as conn:
            conn.execute(update(run_requests).where(run_requests.c.id == request_id)
                         .values(updated_at=_now(), **values))

    def recover(self) -> int:
        """At start: requests whose run was going when the server stopped are interrupted
        (their worker was the server's child and is gone). Returns how many."""
        with self.store.write() as conn:
            done = conn.execute(update(run_requests)
                                .where(run_requests.c.state.in_(RUNNING_STATES))
                                .values(state=INTERRUPTED, updated_at=_now(),
                                        error="the server stopped during the run"))
        return int(done.rowcount)

    # -- acting ----------------------------------------------------------------------
    async def plan(self, inventory: str, deploy: str, limit: list[str], user: str) -> int:
        if inventory not in self.project.inventories:
            raise JobError(f"inventory {inventory!r} is not one of the project's")
        if deploy not in self.project.deploys:
            raise JobError(f"deploy {deploy!r} is not one of the project's")
        async with self._lock:
            with self.store.write() as conn:
                going = conn.execute(select(run_requests.c.id).where(
                    run_requests.c.inventory == inventory, run_requests.c.deploy == deploy,
                    run_requests.c.state.in_(RUNNING_STATES))).first()
                if going is not None:
                    raise Busy(f"request {going.id} of {inventory} and {deploy} is running: "
                               "one run at a time per inventory and deploy")
                key = conn.execute(insert(run_requests).values(
                    inventory=inventory, deploy=deploy, limit=limit, state=PLANNING,
                    requested_by=user, created_at=_now(), updated_at=_now()),
                ).inserted_primary_key
                assert key is not None
                request_id = int(key[0])
            audit.record(self.store, audit.RUN_REQUEST, user, request=request_id,
                         inventory=inventory, deploy=deploy, limit=limit)
            await self._start(request_id, dry=True, user=user)
        return request_id

    async def approve(self, request_id: int, user: str) -> None:
        async with self._lock:
            found = self.get(request_id)
            if found is None:
                raise JobError(f"no request {request_id}")
            if found["state"] != PLANNED:
                raise JobError(f"request {request_id} is {found['state']}, not planned")
            if found["requested_by"] == user:
                raise JobError("a plan is approved by someone other than who asked for it")
            if found["plan_exit_code"] not in APPROVABLE:
                raise JobError(f"request {request_id}'s plan failed: it cannot be applied")
            with self.store.read() as conn:
                going = conn.execute(select(run_requests.c.id).where(
                    run_requests.c.inventory == found["inventory"],
                    run_requests.c.deploy == found["deploy"],
                    run_requests.c.state.in_(RUNNING_STATES))).first()
            if going is not None:
                raise Busy(f"request {going.id} of the same inventory and deploy is running")
            self._set(request_id, state=APPLYING, approved_by=user)
            audit.record(self.store, audit.RUN_APPROVE, user, request=request_id,
                         plan_run=found["plan_run_id"])
            await self._start(request_id, dry=False, user=found["requested_by"])

    async def cancel(self, request_id: int, user: str) -> None:
        async with self._lock:
            found = self.get(request_id)
            if found is None:
                raise JobError(f"no request {request_id}")
            if found["state"] not in OPEN_STATES:
                raise JobError(f"request {request_id} is {found['state']}: nothing to cancel")
            audit.record(self.store, audit.RUN_CANCEL, user, request=request_id,
                         state=found["state"])
            live = self.live.get(request_id)
            if found["state"] in RUNNING_STATES and live is not None and live.process:
                live.cancelled_by = user
                # as Ctrl-C on the command line: the engine stops starting operations,
                # lets those under way finish, records the run as interrupted
                if live.process.returncode is None:
                    live.process.send_signal(signal.SIGINT)
                return
            self._set(request_id, state=CANCELLED, cancelled_by=user)

    async def _start(self, request_id: int, *, dry: bool, user: str) -> None:
        found = self.get(request_id)
        assert found is not None
        spec = {"directory": str(self.project.root), "inventory": found["inventory"],
                "deploy": found["deploy"], "limit": found["limit"], "dry": dry,
                "history": self.store.url, "user": user, "request": request_id}
        env = {k: v for k, v in os.environ.items() if k != "CORRAL_NO_HISTORY"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "corral.server.worker", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            cwd=str(self.project.root), env=env)
        assert process.stdin is not None
        process.stdin.write(json.dumps(spec).encode())
        process.stdin.close()
        live = Live(process=process)
        self.live[request_id] = live
        task = asyncio.create_task(self._follow(request_id, live, dry))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, request_id: int, live: Live, dry: bool) -> None:
        assert live.process is not None and live.process.stdout is not None
        stderr_task = asyncio.create_task(live.process.stderr.read()  # type: ignore[union-attr]
                                          )
        exit_line: dict[str, Any] | None = None
        async for raw in live.process.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            if event.get("type") == "exit":
                exit_line = event
            self._publish(live, {"phase": "plan" if dry else "apply", **_brief(event)})
        code = await live.process.wait()
        stderr = (await stderr_task).decode(errors="replace").strip()
        exit_code = exit_line["exit_code"] if exit_line else code
        error = exit_line.get("error") if exit_line else (
            stderr.splitlines()[-1] if stderr else f"the run ended with code {code}")
        run_id = self._run_id(request_id, dry)
        if live.cancelled_by is not None:
            state = CANCELLED
        elif dry:
            state = PLANNED if exit_code in APPROVABLE else FAILED
        else:
            state = DONE if exit_code == 0 else FAILED
        values: dict[str, Any] = {"state": state, "error": error}
        if live.cancelled_by is not None:
            values["cancelled_by"] = live.cancelled_by
        if dry:
            values.update(plan_run_id=run_id, plan_exit_code=exit_code)
        else:
            values.update(apply_run_id=run_id, apply_exit_code=exit_code)
        self._set(request_id, **values)
        self._publish(live, {"phase": "state", "state": state})
        live.finished = True
        for queue in live.listeners:
            queue.put_nowait(None)

    def _run_id(self, request_id: int, dry: bool) -> int | None:
        """The history's run of this request's plan or apply (recorded by its worker with
        the request's id among its options)."""
        with self.store.read() as conn:
            for row in conn.execute(select(runs.c.id, runs.c.options, runs.c.dry)
                                    .order_by(runs.c.id.desc()).limit(200)):
                options = row.options or {}
                if options.get("server_request") == request_id and bool(row.dry) == dry:
                    return int(row.id)
        return None

    def _publish(self, live: Live, event: dict[str, Any]) -> None:
        live.events.append(event)
        for queue in live.listeners:
            queue.put_nowait(event)

    def subscribe(self, request_id: int) -> tuple[list[dict[str, Any]],
                                                  asyncio.Queue[dict[str, Any] | None] | None]:
        """The events so far, and a queue of those to come (None: the run is over)."""
        live = self.live.get(request_id)
        if live is None:
            return [], None
        if live.finished:
            return list(live.events), None
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        live.listeners.append(queue)
        return list(live.events), queue

    def unsubscribe(self, request_id: int, queue: asyncio.Queue[dict[str, Any] | None],
                    ) -> None:
        live = self.live.get(request_id)
        if live is not None and queue in live.listeners:
            live.listeners.remove(queue)

    async def shutdown(self) -> None:
        """Stop the runs going (SIGINT, then wait for them to record their end)."""
        for live in self.live.values():
            if live.process is not None and live.process.returncode is None:
                live.process.send_signal(signal.SIGINT)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=30)
