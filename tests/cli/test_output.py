"""The CLI's output sinks: the JSON encoder writes exactly what ``json.dumps`` of the event
would, and the plain (piped) rendering matches rich's layout."""

from __future__ import annotations

import io
import json

from hypothesis import given
from hypothesis import strategies as st

from corral.cli.main import _console, rich_console
from corral.cli.output import HumanOutput, JsonEncoder, json_default
from corral.model.command import CommandOutput, Diff
from corral.model.events import (
    HOST_SUMMARY,
    RUN_SUMMARY,
    HostDone,
    OperationDone,
    RunDone,
    RunStarted,
)
from corral.model.results import HostResult, HostStatus, OpResult, OpStatus, RunResult

text = st.text(max_size=20)


@st.composite
def op_results(draw: st.DrawFn, host: str) -> OpResult:
    return OpResult(
        host=host, name=draw(text), operation="files.put",
        location=f"/d/deploy.py:{draw(st.integers(0, 99))}",
        status=draw(st.sampled_from(list(OpStatus))), changed=draw(st.booleans()),
        commands=tuple(draw(st.lists(text, max_size=3))),
        outputs=tuple(CommandOutput(draw(text), draw(text), draw(st.integers(-1, 255)))
                      for _ in range(draw(st.integers(0, 2)))),
        diffs=tuple(Diff(path="/x", old=draw(st.none() | text), new=draw(text))
                    for _ in range(draw(st.integers(0, 1)))),
        notes=tuple(draw(st.lists(text, max_size=2))), error=draw(st.none() | text),
        duration=draw(st.floats(0, 10)), wave=draw(st.integers(0, 3)))


@st.composite
def runs(draw: st.DrawFn) -> RunResult:
    names = draw(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4,
                          unique=True))
    hosts = tuple(HostResult(host=n, status=draw(st.sampled_from(list(HostStatus))),
                             operations=tuple(draw(st.lists(op_results(n), max_size=3))),
                             error=draw(st.none() | text),
                             invocations=draw(st.integers(0, 9)))
                  for n in names)
    facts = draw(st.dictionaries(st.text(max_size=5), st.none() | st.integers() | text
                                 | st.sets(st.integers(), max_size=3), max_size=3))
    return RunResult(hosts=hosts, dry=draw(st.booleans()), facts=facts)


def reference(event: object) -> str:
    return json.dumps(event.to_json(), default=json_default)  # type: ignore[attr-defined]


@given(runs())
def test_json_text_is_what_json_dumps_writes_and_says_each_record_once(
        run: RunResult) -> None:
    enc = JsonEncoder()
    events: list[object] = [RunStarted(hosts=tuple(h.host for h in run.hosts), dry=run.dry)]
    for h in run.hosts:
        events += [OperationDone(op) for op in h.operations]
        events.append(HostDone(h))
    events.append(RunDone(run))
    texts = [enc.event(event) for event in events]  # type: ignore[arg-type]
    assert texts == [reference(event) for event in events]
    # each piece of data in one event only: an operation's output in its operation event,
    # not again in host_done and run_done
    decoded = [json.loads(t) for t in texts]
    for h in run.hosts:
        done = [e for e in decoded if e["event"] == "host_done"
                and e["result"]["host"] == h.host]
        assert len(done) == 1 and set(done[0]["result"]) == set(HOST_SUMMARY)
        assert done[0]["result"]["status"] == h.status.value
    assert set(decoded[-1]["result"]) == set(RUN_SUMMARY)
    assert decoded[-1]["result"]["exit_code"] == run.exit_code
    ops = [e["result"] for e in decoded if e["event"] == "operation"]
    assert ops == [json.loads(reference(OperationDone(op)))["result"]
                   for h in run.hosts for op in h.operations]


def _summary(result: RunResult, verbose: int, plain: bool) -> str:
    out = io.StringIO()
    console = _console(out, True) if plain else rich_console(out, True)
    human = HumanOutput(console, verbose, show_diffs=True)
    human.plain = plain  # rich draws it when False
    human.summary(result)
    return out.getvalue()


@given(runs(), st.integers(0, 1))
def test_plain_summary_tables_match_rich_layout(run: RunResult, verbose: int) -> None:
    # rich folds a cell that does not fit the line and measures wide characters: the
    # plain path is for piped output, which is as wide as it needs
    if any(not n.isascii() or not n.isprintable() for h in run.hosts
           for n in [h.host, h.error or "", *(op.name for op in h.operations)]):
        return
    assert _summary(run, verbose, plain=True) == _summary(run, verbose, plain=False)


def test_piped_operation_lines_are_plain_text() -> None:
    out = io.StringIO()
    human = HumanOutput(_console(out, True), 0, show_diffs=True)
    assert human.plain
    op = OpResult(host="h1", name="put [x]", operation="files.put", location="d.py:1",
                  status=OpStatus.CHANGED, changed=True,
                  diffs=(Diff(path="/a", old="1\n", new="2\n"),), error=None)
    human(OperationDone(op))
    lines = out.getvalue().splitlines()
    assert lines[0] == "h1: put [x]: changed"
    assert lines[1:] == ["--- /a (on host)", "+++ /a (wanted)", "@@ -1 +1 @@", "-1", "+2"]
