"""Operation results as pyinfra 3.10's ``OperationMeta`` gives them to deploy code, on real
shells (``@local``): ``will_change`` (and ``changed``) known when read, ``did_succeed``,
``executed``, joined output, retry counts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from corral import api
from corral.api import operation
from corral.model.events import Event, OperationDone
from corral.model.results import HostStatus, OpStatus
from corral.operations import files, server


def run(deploy: Any, **kwargs: Any) -> api.RunResult:
    return api.run("@local", deploy, **kwargs)


@operation()
def restart(marker: str, restarted: bool = False) -> Any:
    """A service's restart, as systemd.service(restarted=...) does it: a command only when
    asked to."""
    if restarted:
        yield f"echo restarted >> {marker}"


def test_will_change_given_as_an_argument_restarts_when_the_unit_changes(tmp_path: Path
                                                                         ) -> None:
    """pyinfra-examples' tasks/web.py: ``restarted=unit.will_change``. It was None, so the
    service was never restarted."""
    unit, marker = tmp_path / "app.service", tmp_path / "restarts"
    seen: list[Any] = []

    def deploy(text: str) -> Any:
        def body() -> None:
            generated = files.put(src=io.StringIO(text), dest=str(unit))
            seen.append(generated.will_change)
            restart(marker=str(marker), restarted=generated.will_change)

        return body

    first = run(deploy("v1\n")).hosts[0]
    assert first.status is HostStatus.CHANGED and seen == [True]
    assert marker.read_text() == "restarted\n"
    run(deploy("v1\n"))
    assert seen[1] is False and marker.read_text() == "restarted\n"  # no change, no restart
    run(deploy("v2\n"))
    assert seen[2] is True and marker.read_text() == "restarted\nrestarted\n"


def test_will_change_is_read_without_running_anything(tmp_path: Path) -> None:
    """Planned on the host's facts: the operation stays pending and joins the wave of the
    operations after it (invocations: its facts, then the next one's, then all the changes
    in one script)."""
    state: dict[str, Any] = {}

    def deploy() -> None:
        a = files.directory(path=str(tmp_path / "a"))
        state["will"] = a.will_change
        state["changed"] = a.changed  # before it ran: will_change, as in pyinfra
        state["complete"] = a.is_complete()
        files.directory(path=str(tmp_path / "b"))

    result = run(deploy).hosts[0]
    assert state == {"will": True, "changed": True, "complete": False}
    assert result.invocations == 3 and result.changed == 2
    assert {op.wave for op in result.operations} == {1}


def test_will_change_after_an_operation_that_changes_what_it_reads(tmp_path: Path) -> None:
    """The earlier operation writes the file the later one reads: it runs first, and the
    later one is planned on what it left (the same content: no change)."""
    path = tmp_path / "f"
    state: dict[str, Any] = {}

    def deploy() -> None:
        first = files.put(src=io.StringIO("x\n"), dest=str(path))
        again = files.put(src=io.StringIO("x\n"), dest=str(path))
        state["again"] = again.will_change
        state["first done"] = first.is_complete()

    result = run(deploy).hosts[0]
    assert state == {"again": False, "first done": True}
    assert [op.changed for op in result.operations] == [True, False]


def test_will_change_in_a_dry_run_changes_nothing(tmp_path: Path) -> None:
    seen: list[bool] = []

    def deploy() -> None:
        seen.append(files.directory(path=str(tmp_path / "d")).will_change)

    result = run(deploy, dry=True)
    assert seen == [True] and not (tmp_path / "d").exists()
    assert result.hosts[0].operations[0].status is OpStatus.PLANNED


def test_an_if_false_operation_succeeded_without_executing(tmp_path: Path) -> None:
    state: dict[str, Any] = {}

    def deploy() -> None:
        skipped = server.shell(commands=[f"touch {tmp_path / 'never'}"], _if=lambda: False)
        state.update(will=skipped.will_change, ok=skipped.did_succeed(),
                     changed=skipped.did_change(), executed=skipped.executed)

    run(deploy)
    # pyinfra: an _if that is false makes the operation a success with no commands
    assert state == {"will": False, "ok": True, "changed": False, "executed": False}
    assert not (tmp_path / "never").exists()


def test_executed_is_true_only_where_commands_ran(tmp_path: Path) -> None:
    state: dict[str, Any] = {}

    def deploy() -> None:
        made = files.directory(path=str(tmp_path))  # exists: nothing to do
        ran = server.shell(commands=["true"])
        state.update(made=made.executed, ran=ran.executed,
                     succeeded=ran.did_succeed(_raise_if_not_complete=False))

    run(deploy)
    assert state == {"made": False, "ran": True, "succeeded": True}


def test_output_is_joined_lines_without_a_final_newline() -> None:
    state: dict[str, Any] = {}

    def deploy() -> None:
        op = server.shell(commands=["printf 'a\\nb\\n'", "printf c", "echo d; echo e >&2"])
        state.update(out=op.stdout, err=op.stderr, lines=op.stdout_lines,
                     errs=op.stderr_lines)

    run(deploy)
    # each command's output cut into lines (c did not end its line: d is a line of its own)
    assert state == {"out": "a\nb\nc\nd", "err": "e", "lines": ["a", "b", "c", "d"],
                     "errs": ["e"]}


def test_retry_counts(tmp_path: Path) -> None:
    flag = tmp_path / "flag"
    state: dict[str, Any] = {}
    events: list[Event] = []

    def deploy() -> None:
        flaky = server.shell(commands=[f"echo out; test -e {flag} || {{ touch {flag}; false; }}"],
                             _retries=3, _retry_delay=0)
        steady = server.shell(commands=["echo fine"], _retries=3, _retry_delay=0)
        never = server.shell(commands=["echo no >&2; false"], _retries=2, _retry_delay=0,
                             _ignore_errors=True)
        state.update(flaky=flaky.get_retry_info(), steady=steady.get_retry_info(),
                     never=never.get_retry_info(), flaky_err=flaky.stderr,
                     never_err=never.stderr_lines)

    result = run(deploy, on_event=events.append)
    assert state["flaky"] == {"retry_attempts": 1, "max_retries": 3, "was_retried": True,
                              "retry_succeeded": True}
    assert state["steady"] == {"retry_attempts": 0, "max_retries": 3, "was_retried": False,
                               "retry_succeeded": None}
    assert state["never"] == {"retry_attempts": 2, "max_retries": 2, "was_retried": True,
                              "retry_succeeded": False}
    # the count is not part of the output
    assert state["flaky_err"] == "" and state["never_err"] == ["no", "no", "no"]
    records = [e.result for e in events if isinstance(e, OperationDone)]
    assert [r.retries for r in records] == [1, 0, 2]
    assert result.hosts[0].operations[0].retries == 1
