"""The ``corral`` command: a thin client of :mod:`corral.api`.

    corral INVENTORY DEPLOY.py...           run deploy files
    corral INVENTORY exec -- CMD...         run a shell command
    corral INVENTORY fact server.Os [k=v]   read a fact
    corral INVENTORY files.line path=... line=...   run one operation
    corral vault ...                        the encrypted secrets file (corral vault --help)

Exit codes: 0 success, 1 an operation failed, 2 changes pending (dry run, or no terminal
to confirm on), 3 hosts unreachable and nothing else failed, 4 bad input, 130 interrupted
(Ctrl-C, SIGINT), 143 terminated (SIGTERM, handled as SIGINT).
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

from corral import __version__, api
from corral.engine.loader import error_location
from corral.model import errors
from corral.model.config import Config
from corral.model.context import host
from corral.model.errors import BadInput, CorralError
from corral.model.events import Event
from corral.model.results import RunResult
from corral.model.typecheck import matches

from .output import HumanOutput, JsonOutput, PlainConsole, Tee, json_default, plain_console

if TYPE_CHECKING:
    from rich.console import Console


def parse_op_args(op: Callable[..., Any], items: tuple[str, ...]) -> dict[str, Any]:
    """``key=value`` words: values are strings, or JSON where the argument's type wants it."""
    from corral.model.operation import _GLOBAL_TYPES

    spec = getattr(op, "_spec", None)
    hints: dict[str, Any] = dict(spec.hints) if spec is not None else {}
    for name, hint in _GLOBAL_TYPES.items():
        if hint is not Any:
            hints.setdefault(name, hint)
    kwargs: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise BadInput(f"expected key=value, got {item!r}")
        value: Any = raw
        hint = hints.get(key)
        if raw[:1] in "[{" and hint not in (str, str | None):
            # a list or a dict, even where a string would do too (an Iterable argument)
            try:
                value = json.loads(raw)
            except ValueError:
                pass
        elif hint is not None and not matches(raw, hint):
            try:
                value = json.loads(raw)
            except ValueError:
                if "," in raw:
                    value = raw.split(",")
        kwargs[key] = value
    return kwargs


def _deploys(args: tuple[str, ...]) -> tuple[str, list[Any], dict[str, Any]]:
    """What the positional words after INVENTORY ask for: (mode, deploys, extra)."""
    if not args:
        raise BadInput("nothing to run: give deploy files, exec -- CMD, fact NAME, or module.op")
    head, rest = args[0], args[1:]
    if head == "exec":
        words = list(rest[1:] if rest[:1] == ("--",) else rest)
        if not words:
            raise BadInput("exec needs a command: corral INVENTORY exec -- CMD")
        command = " ".join(words)
        shell_op = api.resolve_operation("server.shell")
        run_exec = _command_line_call(shell_op, {"name": f"exec: {command}",
                                                 "commands": [command]})
        return "exec", [run_exec], {}
    if head == "fact":
        if not rest:
            raise BadInput("fact needs a name: corral INVENTORY fact server.Os")
        cls = api.resolve_fact(rest[0])
        fact_kwargs: dict[str, Any] = {}
        for item in rest[1:]:
            key, sep, value = item.partition("=")
            if not sep:
                raise BadInput(f"fact arguments are key=value, got {item!r}")
            fact_kwargs[key] = value
        values: dict[str, Any] = {}

        def read_fact() -> None:
            try:
                values[host.name] = host.get_fact(cls, **fact_kwargs)
            except BadInput as exc:
                raise exc.with_context(file="command line") from None

        return "fact", [read_fact], {"values": values, "fact": cls.name}
    if head.endswith(".py") or _is_file(head):
        for word in args:
            if word.startswith("-"):
                raise BadInput(f"unknown option {word} (see corral --help)")
            if not _is_file(word):
                raise BadInput(f"no deploy file {word}")
        return "deploy", list(args), {}
    for word in args:
        if word.startswith("-"):
            raise BadInput(f"unknown option {word} (see corral --help)")
    op = api.resolve_operation(head)
    op_kwargs = parse_op_args(op, rest)
    _check_op_args(op, op_kwargs)
    return "op", [_command_line_call(op, op_kwargs)], {}


def _is_file(name: str) -> bool:
    try:
        return Path(name).is_file()
    except OSError:  # a name too long to be a file's
        return False


_COMMAND_LINE = "<command line>"


def _command_line_call(op: Callable[..., Any], kwargs: dict[str, Any]) -> Callable[[], None]:
    """Call ``op(**kwargs)`` from a frame of its own, so the operation's location (in the
    summary and in errors) is the command line rather than this module."""
    code = compile("op(**kwargs)", _COMMAND_LINE, "eval")

    def call() -> None:
        eval(code, {"op": op, "kwargs": kwargs})

    return call


def _check_op_args(op: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """Unknown, missing or mistyped arguments of an ad-hoc operation: bad input, before
    any host is contacted."""
    from corral.model.operation import bind_arguments, check_argument_text, validate_globals

    spec = getattr(op, "_spec", None)
    if spec is None:
        return
    where = ("command line", 0)
    given = {k: v for k, v in kwargs.items() if k.startswith("_") or k == "name"}
    plain = {k: v for k, v in kwargs.items() if k not in given}
    validate_globals(given, where, spec.name)
    bind_arguments(spec, (), plain, where)
    check_argument_text(spec, (), plain, given, where)  # NUL from JSON, bytes from argv


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
            file, line = error_location(exc, deploy)
            if line is not None and os.path.abspath(file) == os.path.abspath(deploy):
                exc.with_context(file=file, line=line)
                break
    return exc


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


@click.command(context_settings={"help_option_names": ["-h", "--help"],
                                 "ignore_unknown_options": True})
@click.option("--list-ops", is_flag=True, expose_value=False, is_eager=True,
              callback=_list("ops"), help="List the operations and exit.")
@click.option("--list-facts", is_flag=True, expose_value=False, is_eager=True,
              callback=_list("facts"), help="List the facts and exit.")
@click.argument("inventory")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("--dry", is_flag=True, help="Plan only: change nothing, show what would change.")
@click.option("--limit", multiple=True, help="Only these hosts: names, groups or globs.")
@click.option("--parallel", type=click.IntRange(1), default=None, help="Hosts at once.")
@click.option("-y", "--yes", is_flag=True, help="Apply changes without asking.")
@click.option("--json", "as_json", is_flag=True, help="JSON-lines events on stdout.")
@click.option("-v", "--verbose", count=True, help="-v facts and reasons, -vv commands, "
              "-vvv remote output.")
@click.option("--fail-percent", type=click.IntRange(0, 100), default=None,
              help="Stop the run when more than this share of hosts has failed.")
@click.option("--connect-timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds to connect and authenticate (default 10).")
@click.option("--wave-timeout", type=click.FloatRange(min=0.1), default=None,
              help="Seconds one wave of a host may take (default 3600).")
@click.option("--vault", "vault_file", metavar="FILE", default=None,
              help="The vault file `secrets[...]` reads (default ./secrets.vault).")
@click.version_option(__version__, prog_name="corral")
def cli(inventory: str, args: tuple[str, ...], dry: bool, limit: tuple[str, ...],
        parallel: int | None, yes: bool, as_json: bool, verbose: int,
        fail_percent: int | None, connect_timeout: float | None,
        wave_timeout: float | None, vault_file: str | None) -> None:
    """Run deploys, commands, facts or one operation against INVENTORY.

    INVENTORY is an inventory file, a comma list of hosts, or a target such as
    @local or @chroot/PATH. Secrets: see corral vault --help.
    """
    _TERM.install()
    no_color = bool(os.environ.get("NO_COLOR"))
    human_stream = sys.stderr if as_json else sys.stdout
    console = _console(human_stream, no_color)
    err_console = _console(sys.stderr, no_color)
    deploys = [a for a in args if a.endswith(".py")]
    failure: BaseException | None = None
    if vault_file:
        from corral.vault import configure

        configure(vault_file)
    try:
        config = Config()
        if connect_timeout:
            config.CONNECT_TIMEOUT = connect_timeout
        if wave_timeout:
            config.WAVE_TIMEOUT = wave_timeout
        code = _main(console, inventory, args, dry, limit, parallel, yes, as_json, verbose,
                     fail_percent, config)
    except BadInput as exc:
        failure = _locate(exc, deploys)
        code = errors.EXIT_BAD_INPUT
    except CorralError as exc:
        failure = exc
        code = exc.exit_code
    except (KeyboardInterrupt, click.Abort):
        err_console.print("[bold red]interrupted[/]")
        code = errors.EXIT_INTERRUPTED
    except _Terminated:
        err_console.print("[bold red]terminated[/] (SIGTERM)")
        code = errors.EXIT_TERMINATED
    except Exception as exc:
        if os.environ.get("CORRAL_DEBUG"):
            raise
        failure = RuntimeError(f"internal error: {type(exc).__name__}: {exc} "
                               "(set CORRAL_DEBUG=1 for a traceback)")
        code = errors.EXIT_FAILED
    if _TERM.received and code == errors.EXIT_INTERRUPTED:
        err_console.print("[bold red]terminated[/] (SIGTERM): the run was interrupted")
        code = errors.EXIT_TERMINATED
    if failure is not None:
        _echo_error(err_console, failure)
        if as_json:
            JsonOutput()(_ErrorEvent(str(failure), code))
    sys.exit(code)


def _main(console: Console | PlainConsole, inventory: str, args: tuple[str, ...], dry: bool,
          limit: tuple[str, ...], parallel: int | None, yes: bool, as_json: bool,
          verbose: int, fail_percent: int | None, config: Config) -> int:
    mode, deploys, extra = _deploys(args)
    inv = api._inventory(inventory, list(limit) or None)
    human = HumanOutput(console, verbose, show_diffs=True)
    sink: Callable[[Event], None] = Tee(human, JsonOutput()) if as_json else human

    def execute(dry_run: bool, on_event: Callable[[Event], None]) -> RunResult:
        try:
            return _TERM.run(inv, deploys, dry=dry_run, parallel=parallel,
                             fail_percent=fail_percent, on_event=on_event, config=config)
        finally:
            human.stop()  # a live display left running would keep the cursor hidden

    read_only = mode == "fact"
    if dry or read_only or yes:
        result = execute(dry and not read_only, sink)
    else:
        interactive = sys.stdin.isatty() and console.is_terminal
        plan = execute(True, sink)
        human.summary(plan)
        if plan.exit_code not in (errors.EXIT_OK, errors.EXIT_PENDING) or not plan.changed:
            return plan.exit_code
        if not interactive:
            console.print("changes are pending; nothing was changed (no terminal to confirm "
                          "on: run with -y to apply)", highlight=False, soft_wrap=True)
            return errors.EXIT_PENDING
        if not click.confirm("Apply these changes?", default=False, err=as_json):
            return errors.EXIT_PENDING
        result = execute(False, sink)
    if mode == "exec" and not as_json:
        _print_exec_output(console, result)
    if mode != "fact" or result.exit_code != errors.EXIT_OK:
        human.summary(result)
    if mode == "fact":
        values = extra["values"]
        if as_json:
            JsonOutput()(_FactEvent(extra["fact"], values))
        else:
            for name, value in values.items():
                text = json.dumps(value, default=json_default, indent=2)
                console.out(f"{name}: {text}", highlight=False)
    return result.exit_code


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

    def __init__(self, fact: str, values: dict[str, Any]) -> None:
        self.fact = fact
        self.values = values

    def to_json(self) -> dict[str, Any]:
        return {"event": "fact", "fact": self.fact,
                "values": json.loads(json.dumps(self.values, default=json_default))}


def main() -> None:
    # thousands of connections keep many objects alive: collect cycles less often (a full
    # collection walks them all; measured at 1,000 hosts: controller CPU 17.0 s -> 14.9 s)
    gc.set_threshold(100_000, 50, 1000)
    if sys.argv[1:2] == ["vault"]:  # its own command group (an inventory named vault: ./vault)
        from .vault import main as vault_main

        sys.exit(vault_main(sys.argv[2:]))
    try:
        cli(prog_name="corral")
    except SystemExit as exc:
        _exit_now(exc.code)
    _exit_now(0)


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


__all__ = ["cli", "main", "parse_op_args"]
