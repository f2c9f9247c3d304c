"""The ``corral`` command: a thin client of :mod:`corral.api`, with pyinfra's flags and
argument shapes (see :mod:`corral.cli.shapes` and :mod:`corral.cli.flags`).

    corral INVENTORY DEPLOY.py...           run deploy files
    corral INVENTORY module.function ...    an operation, or a deploy or plain function
    corral INVENTORY exec -- CMD...         run a shell command
    corral INVENTORY fact server.Os [k=v]   read facts
    corral INVENTORY debug-inventory        print the hosts, their groups and data
    corral vault ...                        the encrypted secrets file (corral vault --help)
    corral history ...                      the runs recorded (corral history --help)
    corral drift INVENTORY DEPLOY.py...     a dry run recorded as a drift check
    corral audit ...                        the tamper-evident audit log (corral audit --help)
    corral serve [PROJECT_DIR]              the web dashboard (corral serve --help)

Exit codes: 0 success, 1 an operation failed, 2 changes pending (dry run, or no terminal
to confirm on), 3 hosts unreachable and nothing else failed, 4 bad input (command-line
usage errors included), 130 interrupted (Ctrl-C, SIGINT), 143 terminated (SIGTERM,
handled as SIGINT).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

import corral
from corral import __version__, api
from corral.api import BadInput, Config, CorralError, Event, Inventory, RunResult

from . import flags, shapes
from .output import HumanOutput, JsonOutput, PlainConsole, Tee, json_default, plain_console

if TYPE_CHECKING:
    from rich.console import Console



def _vault_for_workers(opts: Any, mode: str) -> None:
    """The vault as worker processes must see it: they open the file this process would
    (``--vault`` goes to them through the environment), and they cannot prompt for its
    passphrase. When a prompt would be needed, a run left to choose its workers runs in
    this process; asked for several workers, the passphrase is asked here, once, and
    handed to them through their environment (as ``CORRAL_VAULT_PASSPHRASE`` does)."""
    from corral.vault import store

    if opts.vault_file:
        os.environ[store.ENV_FILE] = str(Path(opts.vault_file).resolve())
    if opts.workers == 1 or mode != "deploy" or not store.default_path().exists():
        return
    keys = store.Keys.from_environment(interactive=False)
    if keys.passphrase or keys.identity or not store.can_prompt():
        return
    if opts.workers is None:
        opts.workers = 1
        return
    os.environ[store.ENV_PASSPHRASE] = store.prompt_secret(
        f"Passphrase for {store.default_path()}: ")

class _Terminated(BaseException):
    """SIGTERM outside a run (loading, asking to confirm): stop there, exit 143."""


class _Termination:
    """SIGTERM is handled as Ctrl-C: a run in progress is cancelled (it stops starting
    work, ends the commands still running on the hosts and reports what ran where), and
    the exit code is 143. Without this the process died at once, reporting nothing, and
    the hosts went on with the script they had been sent. A second SIGTERM during the
    run's ending ends the process at once (the default action)."""

    def __init__(self) -> None:
        self.received = False
        self.task: asyncio.Task[Any] | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        self.received = True
        task, loop = self.task, self.loop
        if task is not None and loop is not None and not task.done():
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            loop.call_soon_threadsafe(task.cancel)
            return
        raise _Terminated()

    def run(self, inventory: Any, deploys: list[Any], **kwargs: Any) -> RunResult:
        """``api.run``, its task cancelled by SIGTERM as asyncio cancels it on SIGINT."""
        done: list[RunResult] = []

        async def main_task() -> None:
            self.task, self.loop = asyncio.current_task(), asyncio.get_running_loop()
            try:
                # handed over outside the task (see api.run)
                done.append(await api.arun(inventory, deploys, **kwargs))
            finally:
                self.task = None

        asyncio.run(main_task())
        return done[0]


_TERM = _Termination()


def _console(stream: Any, no_color: bool) -> Console | PlainConsole:
    """NO_COLOR: no colours, and no other styling either (bold, dim). Piped output is as
    wide as it needs (not 80 columns), so host names in tables are not cut short; with no
    terminal and no forced colour it is plain text (PlainConsole: rich is not loaded)."""
    if plain_console(stream):
        return PlainConsole(stream, no_color)
    return rich_console(stream, no_color)


def rich_console(stream: Any, no_color: bool) -> Console:
    from rich.console import Console

    width = None
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()) and "COLUMNS" not in os.environ:
        width = _PIPED_WIDTH
    if no_color:
        return Console(file=stream, no_color=True, color_system=None, highlight=False,
                       emoji=False, width=width)
    return Console(file=stream, highlight=False, emoji=False, width=width)


_PIPED_WIDTH = 400


def _echo_error(console: Console | PlainConsole, exc: BaseException) -> None:
    """One line on stderr: rich must not wrap it, nor read markup in the message."""
    text = " ".join(str(exc).split("\n")) or type(exc).__name__
    if isinstance(console, PlainConsole):
        console.print(f"error: {text}", markup=False)
        return
    from rich.markup import escape

    console.print(f"[bold red]error:[/] {escape(text)}", highlight=False, markup=True,
                  soft_wrap=True)


_NO_ATTRIBUTE = re.compile(
    r"^AttributeError: module 'corral\.(operations|facts)\.(\w+)' has no attribute '(\w+)'$")


def _locate(exc: BadInput, deploys: list[str]) -> BadInput:
    """Bad input raised with no location (say, a wrong value given to ``host.get_fact``):
    the innermost frame of the user's files in its traceback. And plain words for a name
    missing from corral's operations or facts."""
    missing = _NO_ATTRIBUTE.match(exc.message)
    if missing:
        kind = "operation" if missing[1] == "operations" else "fact"
        exc.message = f"unknown {kind} {missing[2]}.{missing[3]}"
    if exc.file is None and exc.__traceback__ is not None:
        for deploy in deploys:
            file, line = api.error_location(exc, deploy)
            if line is not None and os.path.abspath(file) == os.path.abspath(deploy):
                exc.with_context(file=file, line=line)
                break
    return exc


def _show_log(verbose: int, quiet: bool) -> None:
    """What deploy code logs with ``corral.logger`` (pyinfra's ``logger``), on stderr:
    info and above (warnings and above with --quiet), debug too at -vv."""
    import logging

    class Stderr(logging.Handler):
        """Writes to the sys.stderr of the moment (tests swap it)."""

        def emit(self, record: logging.LogRecord) -> None:
            try:
                print(self.format(record), file=sys.stderr)
            except Exception:
                self.handleError(record)

    if not any(type(h).__name__ == "Stderr" for h in corral.logger.handlers):
        corral.logger.addHandler(Stderr())
        corral.logger.propagate = False  # once, even under --debug-all's root handler
    level = logging.DEBUG if verbose > 1 else logging.WARNING if quiet else logging.INFO
    corral.logger.setLevel(level)


def _list(kind: str) -> Callable[[click.Context, click.Parameter, bool], None]:
    def show(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if not value or ctx.resilient_parsing:
            return
        from corral import catalog

        found: dict[str, Any] = catalog.operations() if kind == "ops" else catalog.facts()
        width = max(len(n) for n in found)
        for name, obj in found.items():
            click.echo(f"{name:<{width}}  {catalog.summary(obj)}")
        ctx.exit(0)

    return show


def _support(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--support``: what to put in a bug report."""
    if not value or ctx.resilient_parsing:
        return
    import platform
    from importlib.metadata import PackageNotFoundError, version

    click.echo(f"corral: {__version__}")
    click.echo(f"Python: {platform.python_version()} ({sys.executable})")
    click.echo(f"System: {platform.platform()} ({platform.machine()})")
    for package in ("asyncssh", "click", "rich", "jinja2", "cryptography", "sqlalchemy",
                    "alembic", "psycopg"):
        try:
            click.echo(f"{package}: {version(package)}")
        except PackageNotFoundError:
            click.echo(f"{package}: not installed")
    ctx.exit(0)


_HELP = """Run deploys, an operation or function, a command or facts against INVENTORY.

\b
  corral INVENTORY deploy.py [other.py]...      deploy files, in order
  corral INVENTORY server.user bob home=/home/bob   an operation
  corral INVENTORY tasks.install [ARG] [k=v]    a deploy or plain function, by its
  corral INVENTORY tasks/web.py:install           import name, or from a file
  corral INVENTORY exec -- CMD...               a shell command, at once
  corral INVENTORY fact server.Os [files.File path=/x]...   facts
  corral INVENTORY debug-inventory              the hosts, groups and data

INVENTORY is an inventory file, a host or comma list of hosts, a target such as @local
or @chroot/PATH, or module.function returning the groups. Secrets: corral vault --help.
Every run is recorded in .corral/history.db beside the inventory: corral history --help.
corral drift INVENTORY DEPLOY is a dry run recorded as a drift check (exit 2: drifted).

\b
Exit codes: 0 done, 1 an operation failed, 2 changes pending (--dry, or no
terminal to confirm on; pyinfra exits 0 after --dry), 3 hosts unreachable,
4 bad input (nothing changed), 130 interrupted, 143 terminated.
"""


@click.command(help=_HELP, context_settings={"help_option_names": ["-h", "--help"],
                                             "max_content_width": 100})
@click.option("--list-ops", is_flag=True, expose_value=False, is_eager=True,
              callback=_list("ops"), help="List the operations and exit.")
@click.option("--list-facts", is_flag=True, expose_value=False, is_eager=True,
              callback=_list("facts"), help="List the facts and exit.")
@click.argument("inventory")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("-v", "--verbose", count=True, help="-v facts and reasons, -vv commands, "
              "-vvv remote output.")
@click.option("-q", "--quiet", is_flag=True,
              help="Only failures, errors and asked-for output (exec, fact).")
@click.option("--dry", is_flag=True, help="Plan only: change nothing, show what would change "
              "(exit 2 when changes are pending, 0 when none).")
@click.option("--diff", is_flag=True, help="Show file diffs (corral always does).")
@click.option("-y", "--yes", is_flag=True, envvar=["CORRAL_YES", "PYINFRA_YES"],
              show_envvar=True, help="Apply changes without asking.")
@click.option("--limit", multiple=True, help="Only these hosts: names, groups or globs "
              "(repeatable, or comma lists).")
@click.option("--exclude", multiple=True, help="Not these hosts: names, groups or globs.")
@click.option("--fail-percent", type=click.IntRange(0, 100), default=None,
              help="Stop the run when more than this share of hosts has failed.")
@click.option("--data", multiple=True, metavar="KEY=VALUE",
              help="Host data over every other layer (true/false, numbers and JSON read "
              "as such).")
@click.option("--group-data", multiple=True, metavar="PATH",
              help="More group data: a directory of GROUP.py files, or one (overrides).")
@click.option("--config", "config_file", metavar="FILE", default=None,
              help="Config file run before the inventory loads (default: ./config.py if "
              "there is one).")
@click.option("--chdir", metavar="DIR", default=None,
              help="Change to this directory first.")
@click.option("--sudo", is_flag=True, help="Run operations with sudo (config.SUDO).")
@click.option("--sudo-user", metavar="USER", default=None,
              help="The user sudo runs them as (with --sudo).")
@click.option("--same-sudo-password", is_flag=True,
              help="Ask for the sudo password once, for every host.")
@click.option("--use-sudo-password", is_flag=True,
              help="Ask for the sudo password once (corral never asks mid-run).")
@click.option("--use-sudo-login", is_flag=True, help="A login shell under sudo.")
@click.option("--su-user", metavar="USER", default=None, help="Run operations with su as USER.")
@click.option("--dzdo", is_flag=True, hidden=True)
@click.option("--dzdo-user", default=None, hidden=True)
@click.option("--shell-executable", metavar="SHELL", default=None,
              help="The shell commands run in (default sh).")
@click.option("--parallel", type=click.IntRange(0), default=None,
              help="Hosts at once (0: the default, 50).")
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Worker processes the hosts are split over (default: one per core, for "
              "runs of 100 hosts per worker or more; 1: this process alone).")
@click.option("--cluster", metavar="URL", default=None,
              help="Run the hosts' shards on the workers of this Dask scheduler "
              "(tcp://HOST:8786; needs corral[cluster]).")
@click.option("--serial", is_flag=True, help="One host at a time, each through its whole "
              "deploy.")
@click.option("--no-wait", is_flag=True,
              help="Accepted: corral never makes hosts wait for each other.")
@click.option("--retry", type=int, default=None, help="Retries of a failed operation.")
@click.option("--retry-delay", type=int, default=None, help="Seconds between retries.")
@click.option("--ssh-user", "--user", "ssh_user", metavar="USER", default=None,
              help="SSH user to connect as.")
@click.option("--ssh-port", "--port", "ssh_port", type=click.IntRange(1, 65535), default=None,
              help="SSH port to connect to.")
@click.option("--ssh-key", "--key", "ssh_key", metavar="PATH", default=None,
              help="SSH private key file.")
@click.option("--ssh-key-password", "--key-password", "ssh_key_password", metavar="TEXT",
              default=None, help="Passphrase of the SSH key.")
@click.option("--ssh-password", "--password", "ssh_password", metavar="TEXT", default=None,
              help="SSH password.")
@click.option("--ssh-password-prompt", is_flag=True, help="Ask for the SSH password.")
@click.option("--json", "as_json", is_flag=True,
              help="JSON-lines events on stdout (human output on stderr).")
@click.option("--debug", is_flag=True, help="Tracebacks for internal errors.")
@click.option("--debug-all", is_flag=True, help="--debug, and the SSH library's debug log.")
@click.option("--debug-facts", is_flag=True,
              help="Plan, show the facts read, change nothing, exit 0.")
@click.option("--debug-operations", is_flag=True,
              help="Plan, show the operations and their commands, change nothing, exit 0.")
@click.option("--connect-timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds to connect and authenticate (default 10).")
@click.option("--wave-timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds one wave of a host may take (default 3600).")
@click.option("--vault", "vault_file", metavar="FILE", default=None,
              help="The vault file `secrets[...]` reads (default ./secrets.vault).")
@click.option("--history", "history_target", metavar="URL|PATH", default=None,
              help="Record the run in this store: a SQLite file or a database URL "
              "(postgresql://...; default $CORRAL_HISTORY_URL, else .corral/history.db "
              "beside the inventory).")
@click.option("--no-history", is_flag=True, help="Record nothing in the history.")
# set by ``corral drift ...`` (main() below): a dry run recorded as a drift check
@click.option("--drift-check", "drift", is_flag=True, hidden=True)
@click.option("--support", is_flag=True, expose_value=False, is_eager=True, callback=_support,
              help="Print versions for a bug report and exit.")
@click.version_option(__version__, prog_name="corral")
def cli(inventory: str, args: tuple[str, ...], **options: Any) -> None:
    _TERM.install()
    # the words after ``--`` (main() takes them off before click reads the rest): a
    # command for exec, or arguments starting with "-" for a function
    after = click.get_current_context().obj
    if after is not None:
        args = (*args, "--", *after)
    opts = _Options(inventory, args, **options)
    corral.is_cli = True  # deploy code may ask (pyinfra's is_cli)
    no_color = bool(os.environ.get("NO_COLOR"))
    human_stream = sys.stderr if opts.as_json else sys.stdout
    console = _console(human_stream, no_color)
    err_console = _console(sys.stderr, no_color)
    debug = opts.debug or opts.debug_all or bool(os.environ.get("CORRAL_DEBUG"))
    _show_log(opts.verbose, opts.quiet)
    if debug:
        import logging

        logging.getLogger("corral").setLevel(logging.DEBUG)
        if opts.debug_all:  # every library's log too (asyncssh's connections)
            logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    files = [a for a in args if a.endswith(".py")]
    failure: BaseException | None = None
    if opts.vault_file:
        from corral.vault import configure

        configure(opts.vault_file)
    try:
        code = _main(console, err_console, opts)
    except BadInput as exc:
        failure = _locate(exc, files)
        code = api.EXIT_BAD_INPUT
    except CorralError as exc:
        failure = exc
        code = exc.exit_code
    except (KeyboardInterrupt, click.Abort):
        err_console.print("[bold red]interrupted[/]")
        code = api.EXIT_INTERRUPTED
    except _Terminated:
        err_console.print("[bold red]terminated[/] (SIGTERM)")
        code = api.EXIT_TERMINATED
    except Exception as exc:
        if debug:
            raise
        failure = RuntimeError(f"internal error: {type(exc).__name__}: {exc} "
                               "(run with --debug for a traceback)")
        code = api.EXIT_FAILED
    if _TERM.received and code == api.EXIT_INTERRUPTED:
        err_console.print("[bold red]terminated[/] (SIGTERM): the run was interrupted")
        code = api.EXIT_TERMINATED
    if failure is not None:
        _echo_error(err_console, failure)
        if opts.as_json:
            JsonOutput()(_ErrorEvent(str(failure), code))
    sys.exit(code)


class _Options:
    """The command line's values, by the names of its options."""

    def __init__(self, inventory: str, args: tuple[str, ...], **options: Any) -> None:
        self.inventory = inventory
        self.args = args
        self.verbose: int = options.pop("verbose")
        self.quiet: bool = options.pop("quiet")
        self.dry: bool = options.pop("dry")
        self.diff: bool = options.pop("diff")
        self.yes: bool = options.pop("yes")
        self.limit: tuple[str, ...] = options.pop("limit")
        self.exclude: tuple[str, ...] = options.pop("exclude")
        self.fail_percent: int | None = options.pop("fail_percent")
        self.parallel: int | None = options.pop("parallel") or None
        self.serial: bool = options.pop("serial")
        self.workers: int | None = options.pop("workers")
        self.cluster: str | None = options.pop("cluster")
        self.no_wait: bool = options.pop("no_wait")
        self.as_json: bool = options.pop("as_json")
        self.debug: bool = options.pop("debug")
        self.debug_all: bool = options.pop("debug_all")
        self.debug_facts: bool = options.pop("debug_facts")
        self.debug_operations: bool = options.pop("debug_operations")
        self.connect_timeout: float | None = options.pop("connect_timeout")
        self.wave_timeout: float | None = options.pop("wave_timeout")
        self.vault_file: str | None = options.pop("vault_file")
        self.history_target: str | None = options.pop("history_target")
        self.no_history: bool = options.pop("no_history")
        self.drift: bool = options.pop("drift")
        self.flags = flags.Flags(**options)


def _main(console: Console | PlainConsole, err_console: Console | PlainConsole,
          opts: _Options) -> int:
    flags.change_directory(opts.flags)
    flags.check(opts.flags)
    for warning in opts.flags.warnings:
        err_console.print(f"warning: {warning}", markup=False, highlight=False, soft_wrap=True)
    cwd = os.getcwd()
    if cwd not in sys.path:  # deploy functions and inventory functions import from here
        sys.path.append(cwd)
    request = shapes.parse(opts.args, opts.flags.chdir)
    _vault_for_workers(opts, request.mode)
    config = _config(opts)
    override = flags.override_data(opts.flags, flags.ask_password)
    inv = api.load_inventory(opts.inventory, override_data=override,
                             group_data=opts.flags.group_data)
    if opts.limit:
        inv = api.limit_inventory(inv, list(opts.limit))
    if opts.exclude:
        inv = api.exclude_inventory(inv, list(opts.exclude))
        if not inv.get_active_hosts():  # as a --limit that matches nothing: not meant
            raise BadInput("--exclude leaves no host to run on", file="command line")
    _ask_sudo_password(inv, config)
    if request.mode == "debug-inventory":
        _print_inventory(console, inv, opts.as_json)
        return api.EXIT_OK
    debugging = opts.debug_facts or opts.debug_operations
    verbose = opts.verbose
    if opts.debug_facts:
        verbose = max(verbose, 1)
    if opts.debug_operations:
        verbose = max(verbose, 2)
    human = HumanOutput(console, verbose, show_diffs=True, quiet=opts.quiet)
    sink: Callable[[Event], None] = Tee(human, JsonOutput()) if opts.as_json else human
    parallel = 1 if opts.serial else opts.parallel

    def execute(dry_run: bool, on_event: Callable[[Event], None]) -> RunResult:
        try:
            return _TERM.run(inv, request.deploys, dry=dry_run, parallel=parallel,
                             fail_percent=opts.fail_percent, on_event=on_event,
                             config=config, workers=opts.workers, cluster=opts.cluster,
                             **_history(opts, request))
        finally:
            human.stop()  # a live display left running would keep the cursor hidden

    if opts.drift:
        return _drift(human, sink, execute, request)
    if request.mode == "fact":
        return _facts(console, human, execute(False, sink), request, opts.as_json)
    if debugging:
        plan = execute(True, sink)
        human.summary(plan)
        ok = (api.EXIT_OK, api.EXIT_PENDING)
        return api.EXIT_OK if plan.exit_code in ok else plan.exit_code
    # exec runs the command it is given at once, as pyinfra does: there is nothing to plan
    if opts.dry or opts.yes or request.mode == "exec":
        result = execute(opts.dry, sink)
    else:
        interactive = sys.stdin.isatty() and console.is_terminal
        plan = execute(True, sink)
        human.summary(plan)
        if plan.exit_code not in (api.EXIT_OK, api.EXIT_PENDING) or not plan.changed:
            return plan.exit_code
        if not interactive:
            console.print("changes are pending; nothing was changed (no terminal to confirm "
                          "on: run with -y to apply)", highlight=False, soft_wrap=True)
            return api.EXIT_PENDING
        if not click.confirm("Apply these changes?", default=False, err=opts.as_json):
            return api.EXIT_PENDING
        result = execute(False, sink)
    if request.mode == "exec" and not opts.as_json and not result.dry:
        _print_exec_output(console, result)
    human.summary(result)
    return result.exit_code


def _drift(human: HumanOutput, sink: Callable[[Event], None],
           execute: Callable[[bool, Callable[[Event], None]], RunResult],
           request: shapes.Request) -> int:
    """``corral drift INVENTORY DEPLOY``: the deploy as a dry run, recorded as a drift
    check. Its exit code is the dry run's: 0 no host would change (none has drifted), 2
    some would (they drifted), 1 or 3 as any run's (failed, unreachable)."""
    if request.mode not in ("deploy", "function"):
        raise BadInput(f"corral drift checks deploy files or a deploy function, not "
                       f"{request.mode}", file="command line")
    plan = execute(True, sink)
    human.summary(plan)
    return plan.exit_code


def _history(opts: _Options, request: shapes.Request) -> dict[str, Any]:
    """The history keywords of the run: where (``--history``, ``--no-history``) and what
    to record of the command line (the flags that say what ran where; never a value that
    may be a secret: --data, passwords, the arguments of an operation or a command)."""
    if opts.no_history:
        return {"history": False}
    recorded = {"inventory": opts.inventory, "mode": request.mode,
                "limit": list(opts.limit), "exclude": list(opts.exclude),
                "serial": opts.serial, "sudo": bool(opts.flags.sudo),
                "workers": opts.workers, "cluster": opts.cluster}
    if request.mode == "function" and opts.args:
        recorded["target"] = opts.args[0]
    # None: CORRAL_HISTORY_URL, CORRAL_NO_HISTORY, else beside the inventory (corral.api)
    found: dict[str, Any] = {"history": opts.history_target or None,
                             "history_options": recorded}
    if opts.drift:
        found["history_kind"] = "drift"
    return found


def _ask_sudo_password(inventory: Inventory, config: Config) -> None:
    """``_use_sudo_password`` in a host's data (pyinfra 2's key, still in inventories) or
    ``config.USE_SUDO_PASSWORD`` set by ``config.py``: ask for the sudo password once,
    before the run, on the terminal (pyinfra 3 asks whenever sudo does; corral never asks
    mid-run), for the hosts whose data gives no ``_sudo_password``. No terminal: bad input,
    nothing run."""
    if config.SUDO_PASSWORD is not None:
        return
    hosts = inventory.get_active_hosts()
    wanting = [h for h in hosts if h.data.get("_use_sudo_password")
               or getattr(config, "USE_SUDO_PASSWORD", False)]
    if not any(h.data.get("_sudo_password") is None for h in wanting):
        return
    password = flags.ask_password("sudo password: ")
    problem = api.global_problem("_sudo_password", password)
    if problem is not None:
        raise BadInput(f"the sudo password {problem}", file="command line")
    config.SUDO_PASSWORD = api.Secret(password)


def _config(opts: _Options) -> Config:
    """The run's config: ``config.py`` (or ``--config``) first, then the flags over it."""
    config = Config()
    if opts.connect_timeout:
        config.CONNECT_TIMEOUT = opts.connect_timeout
    if opts.wave_timeout:
        config.WAVE_TIMEOUT = opts.wave_timeout
    given = opts.flags.config_file
    if given is not None and not Path(given).is_file():
        raise BadInput(f"--config {given}: no such file", file="command line")
    path = Path(given or "config.py")
    if path.is_file():
        api.load_config(path, config)
    flags.configure(config, opts.flags, opts.fail_percent, flags.ask_password)
    return config


def _facts(console: Console | PlainConsole, human: HumanOutput, result: RunResult,
           request: shapes.Request, as_json: bool) -> int:
    """Each fact's value on each host: ``host: value`` lines (under the fact's name when
    several were asked for), or one ``fact`` event per fact."""
    if result.exit_code != api.EXIT_OK:
        human.summary(result)
    several = len(request.facts) > 1
    failed = False
    for fact in request.facts:
        for name, error in fact.errors.items():
            failed = True
            human.line((f"{name}: {error}", "red"))
        if as_json:
            JsonOutput()(_FactEvent(fact.name, fact.kwargs, fact.values, fact.errors))
            continue
        if several:
            console.out(fact.label, highlight=False)
        for name, value in fact.values.items():
            text = json.dumps(value, default=json_default, indent=2)
            console.out(f"{name}: {text}", highlight=False)
    if failed and result.exit_code == api.EXIT_OK:
        return api.EXIT_FAILED
    return result.exit_code


def _print_inventory(console: Console | PlainConsole, inv: Inventory, as_json: bool) -> None:
    """``debug-inventory``: each host, its groups and its data (passwords masked)."""
    hosts = [{"name": h.name, "groups": list(h.groups), "data": _shown_data(h.data)}
             for h in inv]
    if as_json:
        JsonOutput()(_InventoryEvent(hosts))
        return
    for entry in hosts:
        console.out(str(entry["name"]), highlight=False)
        console.out(f"    groups: {', '.join(entry['groups']) or '-'}", highlight=False)
        data = json.dumps(entry["data"], default=json_default, indent=4).replace("\n", "\n    ")
        console.out(f"    data: {data}", highlight=False)


def _shown_data(data: Any) -> dict[str, Any]:
    """Host data to show: a password's value (a key naming one) masked, as secrets are."""
    shown = json.loads(json.dumps(dict(data.dict()), default=json_default))
    for key, value in shown.items():
        if "password" in key.lower() and value is not None:
            shown[key] = api.MASK
    return dict(shown)


def _print_exec_output(console: Console | PlainConsole, result: RunResult) -> None:
    """Each host's output, every line prefixed with the host's name (stderr to stderr)."""
    err = _console(sys.stderr, console.no_color)
    for h in result.hosts:
        for op in h.operations:
            for out in op.outputs:
                for line in out.stdout.splitlines():
                    console.out(f"{h.host}: {line}", highlight=False)
                for line in out.stderr.splitlines():
                    err.out(f"{h.host}: {line}", highlight=False)


class _ErrorEvent(Event):
    kind = "error"

    def __init__(self, message: str, exit_code: int) -> None:
        self.message = message
        self.exit_code = exit_code

    def to_json(self) -> dict[str, Any]:
        return {"event": "error", "message": self.message, "exit_code": self.exit_code}


class _FactEvent(Event):
    kind = "fact"

    def __init__(self, fact: str, arguments: dict[str, Any], values: dict[str, Any],
                 errors: dict[str, str]) -> None:
        self.fact = fact
        self.arguments = arguments
        self.values = values
        self.errors = errors

    def to_json(self) -> dict[str, Any]:
        event = {"event": "fact", "fact": self.fact,
                 "arguments": json.loads(json.dumps(self.arguments, default=json_default)),
                 "values": json.loads(json.dumps(self.values, default=json_default))}
        if self.errors:
            event["errors"] = dict(self.errors)
        return event


class _InventoryEvent(Event):
    kind = "inventory"

    def __init__(self, hosts: list[dict[str, Any]]) -> None:
        self.hosts = hosts

    def to_json(self) -> dict[str, Any]:
        return {"event": "inventory", "hosts": self.hosts}


def main() -> None:
    # thousands of connections keep many objects alive: collect cycles less often (a full
    # collection walks them all; measured at 1,000 hosts: controller CPU 17.0 s -> 14.9 s)
    gc.set_threshold(100_000, 50, 1000)
    if sys.argv[1:2] == ["vault"]:  # its own command group (an inventory named vault: ./vault)
        from .vault import main as vault_main

        sys.exit(vault_main(sys.argv[2:]))
    if sys.argv[1:2] == ["serve"]:  # the web dashboard (docs/dashboard.md), its own front end
        from corral.server.command import main as serve_main

        _exit_now(serve_main(sys.argv[2:]))
    if sys.argv[1:2] == ["history"]:  # as vault (an inventory named history: ./history)
        from .history import main as history_main

        _exit_now(history_main(sys.argv[2:]))
    if sys.argv[1:2] == ["audit"]:  # as history
        from .audit import main as audit_main

        _exit_now(audit_main(sys.argv[2:]))
    words, after = sys.argv[1:], None
    if words[:1] == ["drift"]:  # corral drift INVENTORY DEPLOY: a dry run, a drift check
        words = ["--drift-check", "--dry", *words[1:]]
    if "--" in words:  # what follows is not for click (exec -- ls -la)
        words, after = words[:words.index("--")], words[words.index("--") + 1:]
    try:
        code = cli.main(args=words, prog_name="corral", standalone_mode=False, obj=after)
    except SystemExit as exc:
        _exit_now(exc.code)
    except click.ClickException as exc:
        # a flag's value click refuses (a port that is no number, a missing argument): bad
        # input, one line, exit 4 (click's own code, 2, means changes pending here)
        print(f"error: {exc.format_message()} (see corral --help)", file=sys.stderr)
        _exit_now(api.EXIT_BAD_INPUT)
    except click.Abort:
        _exit_now(api.EXIT_INTERRUPTED)
    _exit_now(code if isinstance(code, int) else 0)


def _exit_now(code: Any) -> None:
    """Exit without tearing the interpreter down: the output is flushed and nothing is left
    to do, but freeing every object of a large run one by one took a tenth of a second
    after the last host was done (50 hosts)."""
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        code = code or 1
    os._exit(code)


if __name__ == "__main__":
    main()


__all__ = ["cli", "main"]
