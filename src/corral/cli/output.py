"""Human output: live progress on a terminal, plain lines when piped, and the summaries."""

from __future__ import annotations

import difflib
import json
import sys
from collections import Counter, defaultdict
from typing import IO, Any

from rich.console import Console
from rich.markup import escape as e
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from corral.model.command import Diff
from corral.model.events import (
    Event,
    FactsGathered,
    HostConnected,
    HostDone,
    HostUnreachable,
    OperationDone,
    RunStarted,
)
from corral.model.results import HostStatus, OpResult, OpStatus, RunResult

_STYLE = {
    OpStatus.CHANGED: "yellow",
    OpStatus.PLANNED: "cyan",
    OpStatus.FAILED: "bold red",
    OpStatus.OK: "green",
    OpStatus.SKIPPED: "dim",
}
_HOST_STYLE = {
    HostStatus.OK: "green",
    HostStatus.CHANGED: "yellow",
    HostStatus.FAILED: "bold red",
    HostStatus.UNREACHABLE: "bold magenta",
    HostStatus.INTERRUPTED: "bold red",
}


def unified_diff(diff: Diff) -> str:
    if diff.secret:
        return f"--- {diff.path}\n(secret changed)\n"
    old = (diff.old or "").splitlines(keepends=True)
    new = (diff.new or "").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"{diff.path} (on host)",
                                 tofile=f"{diff.path} (wanted)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


class HumanOutput:
    """Consumes engine events and prints them for people."""

    def __init__(self, console: Console, verbose: int, show_diffs: bool) -> None:
        self.console = console
        self.verbose = verbose
        self.show_diffs = show_diffs
        self.live = console.is_terminal
        self.progress: Progress | None = None
        self.task: Any = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self._start(len(event.hosts), event.dry)
        elif isinstance(event, OperationDone):
            self._operation(event.result)
        elif isinstance(event, HostUnreachable):
            self.print(f"[bold magenta]{e(event.host)}[/]: unreachable: {e(event.error)}")
        elif isinstance(event, HostConnected) and self.verbose >= 1:
            self.print(f"[dim]{e(event.host)}: connected[/]")
        elif isinstance(event, FactsGathered) and self.verbose >= 1:
            self.print(f"[dim]{e(event.host)}: facts {e(', '.join(event.facts))}[/]")
        elif isinstance(event, HostDone):
            if self.progress is not None:
                self.progress.advance(self.task)
            if self.verbose >= 1:
                r = event.result
                self.print(f"[dim]{e(r.host)}: {r.status.value}, "
                           f"{r.invocations} remote invocations[/]")
        if hasattr(event, "result") and isinstance(event.result, RunResult):
            self.stop()

    def print(self, text: str) -> None:
        """One line of output: never wrapped (piped output is for reading and grepping)."""
        self.console.print(text, highlight=False, soft_wrap=True)

    def _start(self, hosts: int, dry: bool) -> None:
        if self.live:
            self.progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                console=self.console, transient=True,
            )
            self.task = self.progress.add_task("planning" if dry else "hosts", total=hosts)
            self.progress.start()

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def _operation(self, op: OpResult) -> None:
        interesting = op.changed or op.status in (OpStatus.FAILED,)
        if not interesting and self.verbose < 1:
            return
        label = {OpStatus.PLANNED: "would change" if op.changed else "no change"}.get(
            op.status, op.status.value)
        style = _STYLE.get(op.status, "")
        self.print(f"[{style}]{e(op.host)}[/]: {e(op.name)}: [{style}]{label}[/]")
        if self.verbose >= 1:
            for note in op.notes:
                self.print(f"    [dim]{e(note)}[/]")
        if self.verbose >= 2:
            for cmd in op.commands:
                self.print(f"    [blue]$ {e(cmd)}[/]")
        if self.verbose >= 3:
            for out in op.outputs:
                for line in out.stdout.splitlines():
                    self.print(f"    [dim]{e(line)}[/]")
                for line in out.stderr.splitlines():
                    self.print(f"    [red]{e(line)}[/]")
        if self.show_diffs or self.verbose >= 1:
            for diff in op.diffs:
                self.console.print(unified_diff(diff), highlight=False, markup=False,
                                   soft_wrap=True, end="")
        if op.error:
            for i, line in enumerate(op.error.splitlines()):
                self.print(f"    [red]{'error: ' if i == 0 else '  '}{e(line)}[/]")

    def summary(self, result: RunResult) -> None:
        self.stop()
        table = Table(title="dry run: nothing was changed" if result.dry else None,
                      show_edge=False, pad_edge=False)
        table.add_column("host", overflow="fold")
        table.add_column("status")
        table.add_column("changed", justify="right")
        table.add_column("invocations", justify="right")
        for h in result.hosts:
            style = _HOST_STYLE[h.status]
            status = h.status.value
            if result.dry and h.status is HostStatus.CHANGED:
                status = "would change"
            table.add_row(e(h.host), f"[{style}]{status}[/]", str(h.changed),
                          str(h.invocations))
        self.console.print(table)
        for h in result.hosts:
            if h.error and h.status is not HostStatus.UNREACHABLE:
                self.print(f"[red]{e(h.host)}: {e(h.error.splitlines()[0])}[/]")
        per_op: dict[str, Counter[str]] = defaultdict(Counter)
        for h in result.hosts:
            for op in h.operations:
                key = "changed" if op.changed else op.status.value
                if op.status is OpStatus.PLANNED and not op.changed:
                    key = "ok"
                per_op[f"{op.name} ({op.location.rsplit('/', 1)[-1]})"][key] += 1
        if per_op and (self.verbose >= 1 or len(result.hosts) > 1):
            ops = Table(show_edge=False, pad_edge=False)
            ops.add_column("operation", overflow="fold")
            for col in ("changed", "ok", "failed", "skipped"):
                ops.add_column(col, justify="right")
            for name, counts in per_op.items():
                ops.add_row(e(name), *(str(counts.get(c, 0)) for c in
                                    ("changed", "ok", "failed", "skipped")))
            self.console.print(ops)


def json_default(value: Any) -> Any:
    """JSON for fact values: sets as sorted lists, datetimes and the rest as text."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


class JsonOutput:
    """A JSON-lines event stream."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def __call__(self, event: Event) -> None:
        self.stream.write(json.dumps(event.to_json(), default=json_default) + "\n")
        self.stream.flush()


class Tee:
    def __init__(self, *sinks: Any) -> None:
        self.sinks = sinks

    def __call__(self, event: Event) -> None:
        for sink in self.sinks:
            sink(event)
