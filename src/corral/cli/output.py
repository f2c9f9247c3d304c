"""Human output: live progress on a terminal, plain lines when piped, and the summaries."""

from __future__ import annotations

import difflib
import json
import json.encoder
import os
import sys
from collections import Counter, defaultdict
from enum import Enum
from typing import IO, TYPE_CHECKING, Any

from corral.api import (
    Diff,
    Event,
    FactsGathered,
    HostConnected,
    HostDone,
    HostLog,
    HostStatus,
    HostUnreachable,
    OperationDone,
    OpResult,
    OpStatus,
    RunResult,
    RunStarted,
    event_fields,
    jsonable,
)

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress


class PlainConsole:
    """The little the CLI asks of a console, for output that is neither a terminal nor
    coloured: text written as it is. rich is not imported at all then (about 40 ms of the
    start-up of every run)."""

    is_terminal = False
    color_system = None

    def __init__(self, file: IO[str], no_color: bool = True) -> None:
        self.file = file
        self.no_color = no_color

    def print(self, text: str, *, markup: bool = True, end: str = "\n", **_: Any) -> None:
        if markup and "[" in text:
            from rich.markup import render

            text = render(text).plain
        self.file.write(text + end)

    def out(self, text: str, **_: Any) -> None:
        self.file.write(text + "\n")


def plain_console(stream: Any) -> bool:
    """Whether output to ``stream`` gets a PlainConsole: not a terminal, no forced colour."""
    isatty = getattr(stream, "isatty", None)
    return not (isatty and isatty()) and not os.environ.get("FORCE_COLOR")


_STYLE = {
    OpStatus.CHANGED: "yellow",
    OpStatus.PLANNED: "cyan",
    OpStatus.FAILED: "bold red",
    OpStatus.OK: "green",
    OpStatus.SKIPPED: "dim",
    OpStatus.MAY_HAVE_RUN: "bold red",
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
    """Consumes engine events and prints them for people.

    Lines are built from (text, style) segments, never from markup: when the output is not
    a terminal they are written as plain text straight to the stream (rich's rendering of a
    line cost more controller CPU than the rest of a 50-host run's work on it); on a
    terminal rich styles them and keeps them above the progress bar."""

    def __init__(self, console: Console | PlainConsole, verbose: int, show_diffs: bool,
                 quiet: bool = False) -> None:
        self.console = console
        #: only failures and errors (``--quiet``): no progress, changes or summary tables
        self.quiet = quiet and verbose == 0
        self.verbose = verbose
        self.show_diffs = show_diffs
        self.live = console.is_terminal and not self.quiet
        #: no terminal and no colours: lines go to the stream as they are
        self.plain = not self.live and console.color_system is None
        self.progress: Progress | None = None
        self.task: Any = None

    def __call__(self, event: Event) -> None:
        if isinstance(event, OperationDone):
            self._operation(event.result)
        elif isinstance(event, RunStarted):
            self._start(len(event.hosts), event.dry)
        elif isinstance(event, HostLog):
            self.line((f"[{event.host}] ", "bold"), (event.message, ""))
        elif isinstance(event, HostUnreachable):
            self.line((event.host, "bold magenta"), (f": unreachable: {event.error}", ""))
        elif isinstance(event, HostConnected) and self.verbose >= 1:
            self.line((f"{event.host}: connected", "dim"))
        elif isinstance(event, FactsGathered) and self.verbose >= 1:
            self.line((f"{event.host}: facts {', '.join(event.facts)}", "dim"))
        elif isinstance(event, HostDone):
            if self.progress is not None:
                self.progress.advance(self.task)
            if self.verbose >= 1:
                r = event.result
                self.line((f"{r.host}: {r.status.value}, {r.invocations} remote invocations",
                           "dim"))
        if hasattr(event, "result") and isinstance(event.result, RunResult):
            self.stop()

    def line(self, *parts: tuple[str, str]) -> None:
        """One line of output from (text, style) parts: never wrapped (piped output is for
        reading and grepping)."""
        if self.plain:
            self.console.file.write("".join([text for text, _ in parts]) + "\n")
        else:
            from rich.text import Text

            self._rich().print(Text.assemble(*parts), highlight=False, soft_wrap=True)

    def _rich(self) -> Console:
        assert not isinstance(self.console, PlainConsole)  # a PlainConsole is plain
        return self.console

    def _start(self, hosts: int, dry: bool) -> None:
        if self.live:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.progress = Progress(
                TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                console=self._rich(), transient=True,
            )
            self.task = self.progress.add_task("planning" if dry else "hosts", total=hosts)
            self.progress.start()

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def _operation(self, op: OpResult) -> None:
        failed = op.status in (OpStatus.FAILED, OpStatus.MAY_HAVE_RUN)
        interesting = failed or (op.changed and not self.quiet)
        if not interesting and self.verbose < 1:
            return
        label = {OpStatus.PLANNED: "would change" if op.changed else "no change"}.get(
            op.status, op.status.value)
        style = _STYLE.get(op.status, "")
        self.line((op.host, style), (f": {op.name}: ", ""), (label, style))
        if self.verbose >= 1:
            for note in op.notes:
                self.line((f"    {note}", "dim"))
        if self.verbose >= 2:
            for cmd in op.commands:
                self.line((f"    $ {cmd}", "blue"))
        if self.verbose >= 3:
            for out in op.outputs:
                for text in out.stdout.splitlines():
                    self.line((f"    {text}", "dim"))
                for text in out.stderr.splitlines():
                    self.line((f"    {text}", "red"))
        if (self.show_diffs and not self.quiet) or self.verbose >= 1:
            for diff in op.diffs:
                text = unified_diff(diff)
                if self.plain:
                    self.console.file.write(text)
                else:
                    self.console.print(text, highlight=False, markup=False, soft_wrap=True,
                                       end="")
        if op.error:
            for i, text in enumerate(op.error.splitlines()):
                self.line((f"    {'error: ' if i == 0 else '  '}{text}", "red"))

    def summary(self, result: RunResult) -> None:
        self.stop()
        if self.quiet:
            for h in result.hosts:  # (an unreachable host's line is shown when found)
                if h.error and h.status is not HostStatus.UNREACHABLE:
                    self.line((f"{h.host}: {h.status.value}: {h.error.splitlines()[0]}",
                               _HOST_STYLE[h.status]))
            return
        rows = []
        for h in result.hosts:
            status = h.status.value
            if result.dry and h.status is HostStatus.CHANGED:
                status = "would change"
            rows.append([(h.host, ""), (status, _HOST_STYLE[h.status]), (str(h.changed), ""),
                         (str(h.invocations), "")])
        self.table("dry run: nothing was changed" if result.dry else None,
                   [("host", "left"), ("status", "left"), ("changed", "right"),
                    ("invocations", "right")], rows)
        for h in result.hosts:
            if h.error and h.status is not HostStatus.UNREACHABLE:
                self.line((f"{h.host}: {h.error.splitlines()[0]}", "red"))
        per_op: dict[str, Counter[str]] = defaultdict(Counter)
        for h in result.hosts:
            for op in h.operations:
                key = "changed" if op.changed else op.status.value
                if op.status is OpStatus.PLANNED and not op.changed:
                    key = "ok"
                per_op[f"{op.name} ({op.location.rsplit('/', 1)[-1]})"][key] += 1
        if per_op and (self.verbose >= 1 or len(result.hosts) > 1):
            counts: tuple[str, ...] = ("changed", "ok", "failed", "skipped")
            if any(OpStatus.MAY_HAVE_RUN.value in n for n in per_op.values()):
                counts += (OpStatus.MAY_HAVE_RUN.value,)
            self.table(None, [("operation", "left")] + [(c, "right") for c in counts],
                       [[(name, "")] + [(str(n.get(c, 0)), "") for c in counts]
                        for name, n in per_op.items()])

    def table(self, title: str | None, columns: list[tuple[str, str]],
              rows: list[list[tuple[str, str]]]) -> None:
        """A table of (text, style) cells: drawn by rich on a terminal; as plain text
        otherwise, in the same layout (rich took a tenth of a second for a 200-host
        summary, at the very end of the run)."""
        if not self.plain:
            from rich.table import Table
            from rich.text import Text

            table = Table(title=title, show_edge=False, pad_edge=False)
            for i, (name, justify) in enumerate(columns):
                table.add_column(name, justify="right" if justify == "right" else "left",
                                 overflow="fold" if i == 0 else "ellipsis")
            for row in rows:
                table.add_row(*(Text(text, style=style) for text, style in row))
            self._rich().print(table)
            return
        widths = [max([len(name)] + [len(row[i][0]) for row in rows])
                  for i, (name, _) in enumerate(columns)]

        def cells(texts: list[str], sep: str) -> str:
            return sep.join(t.rjust(w) if j == "right" else t.ljust(w)
                            for t, w, (_, j) in zip(texts, widths, columns, strict=True))

        lines = [cells([name for name, _ in columns], " ┃ "),
                 "━╇━".join("━" * w for w in widths)]
        lines += [cells([text for text, _ in row], " │ ") for row in rows]
        if title:
            width = sum(widths) + 3 * (len(widths) - 1)
            left = max(0, width - len(title)) // 2
            lines.insert(0, " " * left + title + " " * max(0, width - len(title) - left))
        self.console.file.write("\n".join(lines) + "\n")


def json_default(value: Any) -> Any:
    """JSON for fact values: sets as sorted lists, datetimes and the rest as text."""
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


_str = json.encoder.encode_basestring_ascii  # what json.dumps does with a str


class JsonEncoder:
    """The JSON text of events, exactly as ``json.dumps(event.to_json(),
    default=json_default)`` writes it; an event that is a dataclass's fields (``operation``,
    the most frequent) without building the dict first. Each record is in one event only:
    an operation's in its ``operation`` event, a host's summary in ``host_done``, the run's
    in ``run_done``."""

    def event(self, event: Event) -> str:
        names = event_fields(type(event))
        if names is None or type(event).to_json is not Event.to_json:  # its own to_json
            return json.dumps(event.to_json(), default=json_default)
        parts = [f'"event": {_str(event.kind)}']
        parts += [f"{_str(n)}: {self.encode(getattr(event, n))}" for n in names]
        return "{" + ", ".join(parts) + "}"

    def encode(self, value: Any) -> str:
        t = type(value)
        if t is str:
            return _str(value)
        if value is None:
            return "null"
        if t is bool:
            return "true" if value else "false"
        if t is int:
            return int.__repr__(value)
        if t is tuple or t is list:
            return "[" + ", ".join([self.encode(v) for v in value]) + "]"
        names = event_fields(t)
        if names is not None:
            return "{" + ", ".join([f"{_str(n)}: {self.encode(getattr(value, n))}"
                                   for n in names]) + "}"
        if isinstance(value, Enum):
            return self.encode(value.value)
        return json.dumps(jsonable(value), default=json_default)


class JsonOutput:
    """A JSON-lines event stream."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self.encoder = JsonEncoder()

    def __call__(self, event: Event) -> None:
        self.stream.write(self.encoder.event(event) + "\n")
        self.stream.flush()


class Tee:
    def __init__(self, *sinks: Any) -> None:
        self.sinks = sinks

    def __call__(self, event: Event) -> None:
        for sink in self.sinks:
            sink(event)
