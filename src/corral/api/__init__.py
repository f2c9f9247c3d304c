"""The embedding API: run deploys from Python, and the names extensions import.

    from corral import api
    result = api.run("@local", "deploy.py", dry=True)
    for host in result.hosts:
        print(host.host, host.status, host.changed)

Extensions written for pyinfra import ``FactBase``, ``operation``, ``deploy``, the command
types and the exceptions from here, as they did from ``pyinfra.api``, or from the
submodules named as pyinfra's (``corral.api.deploy``, ``.operation``, ``.facts``,
``.exceptions``, ``.command``, ``.host``, ``.inventory``, ``.state``, ``.config``,
``.util``, ``.arguments``, ``.hiddenvalue``). Each name is defined once, in
``corral.model``, and re-exported here.

Front ends (corral's command line is one) build on the same names and on these: loading
an inventory or a config file (:func:`load_inventory`, :func:`limit_inventory`,
:func:`exclude_inventory`, :func:`load_config`), the events a run emits (:class:`Event`
and its kinds, :func:`jsonable` for their plain data), checking a call built from text
(:mod:`corral.api.calls`), where in the user's files an error was raised
(:func:`error_location`), and the exit codes (``EXIT_OK`` ... ``EXIT_TERMINATED``). This
module is the one place they are re-exported; a front end imports nothing else of
corral's but ``corral`` itself (tools/check_layers.py checks the command line's).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from corral.engine.cluster import ClusterRun
from corral.engine.loader import (
    DeployFile,
    error_location,
    exclude_inventory,
    limit_inventory,
    load_config,
    load_inventory,
)
from corral.engine.runner import Run, RunOptions
from corral.engine.workers import WorkerRun, why_in_process, worker_count
from corral.history import OFF_VARIABLE, URL_VARIABLE, Recorder, RunInfo, default_target
from corral.model.command import Diff
from corral.model.context import host as _host
from corral.model.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PENDING,
    EXIT_TERMINATED,
    EXIT_UNREACHABLE,
)
from corral.model.events import (
    Event,
    FactsGathered,
    HostConnected,
    HostDone,
    HostLog,
    HostUnreachable,
    OperationDone,
    RunDone,
    RunStarted,
    event_fields,
    jsonable,
)
from corral.model.results import (
    HostResult,
    HostStatus,
    OpResult,
    OpStatus,
    RunResult,
)
from corral.model.secrets import MASK, Secret
from corral.vault import on_read as vault_on_read

from .calls import argument_hints, check_call, global_problem, value_matches

# the exceptions and the command types are listed once, in their pyinfra-named submodules:
# all those export is corral.api's too (``__all__`` below adds their lists)
from .command import *  # noqa: F403
from .command import __all__ as _command_names
from .config import Config
from .deploy import deploy
from .exceptions import *  # noqa: F403
from .exceptions import BadInput
from .exceptions import __all__ as _exception_names
from .facts import FactBase, ShortFactBase
from .hiddenvalue import HiddenValue
from .host import Host, HostData
from .inventory import Inventory
from .operation import OperationMeta, operation
from .state import State

DeploySource = str | Path | Callable[[], Any]


def _inventory(inv: str | Inventory, limit: Sequence[str] | None, **load: Any) -> Inventory:
    """The inventory (``load``: :func:`load_inventory`'s keywords, ``override_data`` for
    ``--data``, ``group_data`` for ``--group-data``), limited to ``limit``'s hosts."""
    inventory = load_inventory(inv, **load) if isinstance(inv, str) else inv
    if limit:
        inventory = limit_inventory(inventory, list(limit))
    return inventory


def _deploy_items(deploys: DeploySource | Sequence[DeploySource]) -> Sequence[DeploySource]:
    if isinstance(deploys, str | Path) or callable(deploys):
        return [deploys]
    return deploys


def _deploys(
    deploys: DeploySource | Sequence[DeploySource],
) -> tuple[list[Callable[[], None]], str | None]:
    items = _deploy_items(deploys)
    out: list[Callable[[], None]] = []
    directory: str | None = None
    for item in items:
        if isinstance(item, str | Path):
            df = DeployFile(Path(item))
            directory = directory or str(df.path.parent)
            out.append(df.runner())
        else:
            out.append(item)
    return out, directory


async def arun(
    inventory: str | Inventory,
    deploys: DeploySource | Sequence[DeploySource],
    *,
    dry: bool = False,
    limit: Sequence[str] | None = None,
    parallel: int | None = None,
    fail_percent: int | None = None,
    config: Config | None = None,
    on_event: Callable[[Event], None] | None = None,
    workers: int | None = 1,
    cluster: str | None = None,
    history: str | Path | bool | None = None,
    history_user: str | None = None,
    history_options: Mapping[str, Any] | None = None,
    history_kind: str = "run",
) -> RunResult:
    """Run deploy files or functions against an inventory; return typed results.

    ``workers``: the hosts are split over this many worker processes (None: one per
    core, for runs of at least ``MIN_HOSTS_PER_WORKER`` hosts per worker; 1, the
    default: this process alone). The results and events are those of one process. Only
    deploy files and an inventory loaded from a file or list can be split (each worker
    loads them again); asked for more than one worker otherwise, :class:`BadInput`.

    ``cluster``: the address of a Dask scheduler (``tcp://HOST:8786``): the hosts are split
    over tasks on its workers (``workers`` shards, if more than one; else one per worker
    thread), the project directory sent to them (docs/scale.md). Same results and events.

    The run is recorded in the history (docs/history.md): ``history`` None records it where
    ``CORRAL_HISTORY_URL`` says, else in ``.corral/history.db`` beside the inventory file (or
    in the working directory), unless ``CORRAL_NO_HISTORY`` is set; a URL or a SQLite
    file's path records it there; False records nothing. ``history_user`` is who asked for
    the run (a front end's user); ``history_options`` is more to record about it (a front
    end's options; its ``inventory`` key, the inventory as the user gave it);
    ``history_kind`` is what the run is recorded as (``run``, or ``drift``: a dry run
    checking which hosts drifted from the deploy, as ``corral drift``). Split over
    workers or a cluster, the run is recorded once, here, from the events they send.

    Raises :class:`BadInput` (nothing changed on any host) for input that cannot run.
    """
    # the vault keys the run reads (names only, for the history's audit log): the inventory
    # may read some as it loads; worker processes and cluster shards tell theirs over their
    # links (engine.shardrun), and they arrive here too
    vault_keys: set[str] = set()
    forget = vault_on_read(vault_keys.add)
    try:
        return await _arun(inventory, deploys, vault_keys, dry, limit, parallel,
                           fail_percent, config, on_event, workers, cluster, history,
                           history_user, history_options, history_kind)
    finally:
        forget()


async def _arun(inventory: str | Inventory, deploys: DeploySource | Sequence[DeploySource],
                vault_keys: set[str], dry: bool, limit: Sequence[str] | None,
                parallel: int | None, fail_percent: int | None, config: Config | None,
                on_event: Callable[[Event], None] | None, workers: int | None,
                cluster: str | None, history: str | Path | bool | None,
                history_user: str | None,
                history_options: Mapping[str, Any] | None, history_kind: str) -> RunResult:
    inv = _inventory(inventory, limit)
    funcs, directory = _deploys(deploys)
    recorder = _recorder(history, inventory, inv, deploys, history_user, history_options,
                         history_kind, dry=dry, limit=list(limit or []), parallel=parallel,
                         fail_percent=fail_percent, workers=workers, cluster=cluster)
    handler = on_event
    if recorder is not None:
        recorder.vault_keys = vault_keys
        handler = recorder if on_event is None else _tee(on_event, recorder)
    options = RunOptions(dry=dry, parallel=parallel, fail_percent=fail_percent,
                         on_event=handler, config=config, deploy_dir=directory)
    try:
        result = await _execute(inv, deploys, funcs, options, workers, cluster, parallel,
                                config)
    except BaseException as exc:
        if recorder is not None:
            code, error = _failure(exc)
            await asyncio.to_thread(recorder.finish, None, code, error)
        raise
    if recorder is not None:
        await asyncio.to_thread(recorder.finish, result)
    return result


async def _execute(inv: Inventory, deploys: DeploySource | Sequence[DeploySource],
                   funcs: list[Callable[[], None]], options: RunOptions,
                   workers: int | None, cluster: str | None, parallel: int | None,
                   config: Config | None) -> RunResult:
    """The run: in this process, split over worker processes, or on a Dask cluster."""
    if cluster is not None:
        return await _cluster_run(inv, deploys, options, cluster, workers, config)
    if workers != 1:
        items = _deploy_items(deploys)
        files = [str(i) if isinstance(i, str | Path) else i for i in items]
        run_parallel = parallel or (config or Config()).PARALLEL
        count = worker_count(workers, len(inv.get_active_hosts()), run_parallel,
                             why_in_process(inv, files, config))
        if count > 1:
            return await WorkerRun(inv, files, options, count).execute()
    return await Run(inv, funcs, options).execute()


async def _cluster_run(inv: Inventory, deploys: DeploySource | Sequence[DeploySource],
                       options: RunOptions, cluster: str, workers: int | None,
                       config: Config | None) -> RunResult:
    files = [str(i) if isinstance(i, str | Path) else i for i in _deploy_items(deploys)]
    why_not = why_in_process(inv, files, config)
    if why_not is not None:
        raise BadInput(f"--cluster: {why_not}", file="command line")
    count = workers if workers is not None and workers > 1 else None
    return await ClusterRun(inv, files, options, cluster, count).execute()


def _tee(first: Callable[[Event], None], second: Callable[[Event], None],
         ) -> Callable[[Event], None]:
    def both(event: Event) -> None:
        first(event)
        second(event)

    return both


def _failure(exc: BaseException) -> tuple[int, str]:
    """The exit code and message a run that raised is recorded with."""
    from .exceptions import CorralError

    if isinstance(exc, CorralError):
        return exc.exit_code, str(exc)
    if isinstance(exc, KeyboardInterrupt | asyncio.CancelledError):
        return EXIT_INTERRUPTED, "interrupted"
    return EXIT_FAILED, f"internal error: {type(exc).__name__}"


def _off(value: str | None) -> bool:
    return (value or "").strip().lower() not in ("", "0", "no", "false")


def _recorder(history: str | Path | bool | None, inventory: str | Inventory,
              inv: Inventory, deploys: DeploySource | Sequence[DeploySource],
              user: str | None, given: Mapping[str, Any] | None, kind: str,
              **options: Any) -> Recorder | None:
    """The run's recorder, started; None when recording is off."""
    if history is False or (history is None and _off(os.environ.get(OFF_VARIABLE))):
        return None
    extra = dict(given or {})
    source = inventory if isinstance(inventory, str) else extra.pop("inventory", None)
    extra.pop("inventory", None)
    if history is None or history is True:
        target: str | Path = os.environ.get(URL_VARIABLE) or default_target(source)
    else:
        target = history
    files: list[tuple[str, str]] = []
    if source is not None and os.path.isfile(source):
        files.append((str(source), "inventory"))
    items = [deploys] if isinstance(deploys, str | Path) or callable(deploys) else deploys
    files += [(str(d), "deploy") for d in items if isinstance(d, str | Path)]
    first = next((path for path, role in files if role == "deploy"), None)
    from corral import __version__

    info = RunInfo(kind=kind, dry=bool(options["dry"]), inventory=source, files=files,
                   corral_version=__version__,
                   options={**options, **extra}, api_user=user,
                   directory=os.path.dirname(os.path.abspath(first or source or ".")))
    groups = {h.name: list(h.groups) for h in inv.get_active_hosts()}
    return Recorder(target, info, groups).start()


def run(inventory: str | Inventory, deploys: DeploySource | Sequence[DeploySource],
        **kwargs: Any) -> RunResult:
    """The synchronous form of :func:`arun`."""
    done: list[RunResult] = []

    async def main_task() -> None:
        # handed over outside the task: asyncio.run formats the task's repr, result
        # included, when it puts the SIGINT handler back (costly for a large result)
        done.append(await arun(inventory, deploys, **kwargs))

    asyncio.run(main_task())
    return done[0]


async def afacts(inventory: str | Inventory, fact: type[FactBase[Any]] | str, *args: Any,
                 limit: Sequence[str] | None = None,
                 **kwargs: Any) -> tuple[RunResult, dict[str, Any]]:
    """Read one fact on every host: ``(run result, {host name: value})``."""
    cls = resolve_fact(fact) if isinstance(fact, str) else fact
    values: dict[str, Any] = {}

    def read() -> None:
        values[_host.name] = _host.get_fact(cls, *args, **kwargs)

    result = await arun(inventory, read, limit=limit)
    return result, values


def _import(module: str) -> Any:
    """The module, or None if it does not exist; an error inside it is reported as such."""
    import importlib

    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise BadInput(f"cannot import {module}: {exc}") from None
    except ImportError as exc:
        raise BadInput(f"cannot import {module}: {exc}") from None


def resolve_fact(name: str) -> type[FactBase[Any]]:
    """``server.Os`` -> the fact class (built-in facts), or ``package.module.Class``."""

    from corral.model.facts import registered_facts

    module, _, cls_name = name.rpartition(".")
    if not module:
        raise BadInput(f"unknown fact {name}: give it as module.Fact, e.g. server.Os")
    candidates = [f"corral.facts.{module}", module]
    for mod in candidates:
        imported = _import(mod)
        if imported is None:
            continue
        cls = getattr(imported, cls_name, None)
        if isinstance(cls, type) and issubclass(cls, FactBase):
            return cls
    known = ", ".join(sorted(registered_facts())[:8])
    raise BadInput(f"unknown fact {name} (for example: {known}, ...)")


def resolve_operation(name: str) -> Callable[..., Any]:
    """``files.line`` -> the operation function."""

    module, _, op_name = name.rpartition(".")
    for mod in (f"corral.operations.{module}", module):
        if not module:
            break
        imported = _import(mod)
        if imported is None:
            continue
        op = getattr(imported, op_name, None)
        if op is not None and getattr(op, "is_corral_operation", False):
            return op  # type: ignore[no-any-return]
    raise BadInput(f"unknown operation {name}")


__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PENDING",
    "EXIT_TERMINATED",
    "EXIT_UNREACHABLE",
    "MASK",
    "Config",
    "Diff",
    "Event",
    "FactBase",
    "FactsGathered",
    "HiddenValue",
    "Host",
    "HostConnected",
    "HostData",
    "HostDone",
    "HostLog",
    "HostResult",
    "HostStatus",
    "HostUnreachable",
    "Inventory",
    "OpResult",
    "OpStatus",
    "OperationDone",
    "OperationMeta",
    "RunDone",
    "RunResult",
    "RunStarted",
    "Secret",
    "ShortFactBase",
    "State",
    "afacts",
    "argument_hints",
    "arun",
    "check_call",
    "deploy",
    "error_location",
    "event_fields",
    "exclude_inventory",
    "global_problem",
    "jsonable",
    "limit_inventory",
    "load_config",
    "load_inventory",
    "operation",
    "resolve_fact",
    "resolve_operation",
    "run",
    "value_matches",
]
__all__ += _command_names
__all__ += _exception_names
