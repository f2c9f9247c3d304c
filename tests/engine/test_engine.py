"""The engine on real shells: waves, round trips, fresh facts, results, global arguments."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from pathlib import Path
from typing import Any

import pytest

from corral import api, host
from corral.connectors.local import ProcessConnector
from corral.facts.files import File, FindInFile
from corral.model.errors import BadInput
from corral.model.events import FactsGathered
from corral.model.results import HostStatus, OpStatus
from corral.operations import files, server


def run(deploy: Any, hosts: str = "@local", **kwargs: Any) -> api.RunResult:
    return api.run(hosts, deploy, **kwargs)


def test_converged_host_costs_one_round_trip_whatever_the_number_of_operations(
    tmp_path: Path,
) -> None:
    def deploy(n: int) -> Any:
        def body() -> None:
            for i in range(n):
                files.directory(path=str(tmp_path / f"d{i}"))

        return body

    first = run(deploy(20)).hosts[0]
    assert first.status is HostStatus.CHANGED and first.changed == 20
    # one round trip for the facts, one for the commands
    assert first.invocations == 2
    for n in (5, 20):
        again = run(deploy(n)).hosts[0]
        assert again.status is HostStatus.OK and again.changed == 0
        assert again.invocations == 1


def test_dependent_operations_run_in_later_waves_and_converge(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"

    def deploy() -> None:
        files.directory(path=str(tmp_path / "a"))
        files.directory(path=str(target))
        files.file(path=str(target / "f"), mode="600")

    result = run(deploy).hosts[0]
    assert [op.status for op in result.operations] == [OpStatus.CHANGED] * 3
    assert (target / "f").is_file() and oct((target / "f").stat().st_mode)[-3:] == "600"
    # facts of the later waves were read at the end of the earlier wave's script
    assert result.invocations <= 4
    assert run(deploy).hosts[0].changed == 0


def test_facts_read_in_deploy_code_see_earlier_operations(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}
    path = str(tmp_path / "new")

    def deploy() -> None:
        seen["before"] = host.get_fact(File, path=path)
        op = files.file(path=path)
        seen["changed"] = op.changed
        seen["after"] = host.get_fact(File, path=path)

    run(deploy)
    assert seen["before"] is None
    assert seen["changed"] is True
    assert isinstance(seen["after"], dict) and seen["after"]["size"] == 0


def test_operation_results_expose_output(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def deploy() -> None:
        op = server.shell(commands=["echo out; echo err >&2"])
        seen.update(stdout=op.stdout, stderr=op.stderr, changed=op.did_change(),
                    ok=op.did_succeed(), error=op.did_error())

    run(deploy)
    # joined lines, no final newline: as pyinfra's OperationMeta
    assert seen == {"stdout": "out", "stderr": "err", "changed": True, "ok": True,
                    "error": False}


def test_if_with_callables_and_results(tmp_path: Path) -> None:
    a, b, c = (str(tmp_path / n) for n in "abc")

    def deploy() -> None:
        made = files.file(path=a)
        files.file(path=b, _if=made)
        files.file(path=c, _if=lambda: not made.did_change())

    result = run(deploy).hosts[0]
    assert os.path.exists(b) and not os.path.exists(c)
    assert result.operations[2].status is OpStatus.SKIPPED
    os.unlink(b)
    run(deploy)  # a exists now: b's condition is false, c's true
    assert not os.path.exists(b) and os.path.exists(c)


def test_failure_stops_the_host_and_reports_the_command(tmp_path: Path) -> None:
    after = tmp_path / "after"

    def deploy() -> None:
        server.shell(commands=["echo before"])
        server.shell(name="Break", commands=["echo oops >&2; exit 3"])
        files.file(path=str(after))

    result = run(deploy)
    h = result.hosts[0]
    assert h.status is HostStatus.FAILED and result.exit_code == 1
    failed = h.operations[1]
    assert failed.status is OpStatus.FAILED
    assert failed.error is not None and "exit code 3" in failed.error and "oops" in failed.error
    assert h.operations[2].status is OpStatus.SKIPPED
    assert not after.exists()


def test_command_not_found_is_named(tmp_path: Path) -> None:
    def deploy() -> None:
        server.shell(commands=["no-such-tool-here --flag"])

    op = run(deploy).hosts[0].operations[0]
    assert op.error is not None and "command not found: no-such-tool-here" in op.error


def test_ignore_errors_lets_the_host_go_on(tmp_path: Path) -> None:
    after = tmp_path / "after"

    def deploy() -> None:
        server.shell(commands=["false", "echo unreached"], _ignore_errors=True)
        files.file(path=str(after))

    h = run(deploy).hosts[0]
    assert h.operations[0].status is OpStatus.FAILED
    assert h.operations[0].stdout == ""
    assert after.exists() and h.status is HostStatus.CHANGED


def test_global_arguments_env_chdir_shell_timeout_retries(tmp_path: Path) -> None:
    counter = tmp_path / "count"
    seen: dict[str, Any] = {}

    def deploy() -> None:
        env = server.shell(commands=["echo $GREETING"], _env={"GREETING": "hi there"})
        cwd = server.shell(commands=["pwd"], _chdir=str(tmp_path))
        bash = server.shell(commands=["echo $BASH_VERSION"], _shell_executable="bash")
        retry = server.shell(
            commands=[f"echo x >> {counter}; [ $(wc -l < {counter}) -ge 2 ]"],
            _retries=2, _retry_delay=0,
        )
        slow = server.shell(commands=["sleep 20"], _timeout=1, _ignore_errors=True)
        seen.update(env=env.stdout, cwd=cwd.stdout, bash=bash.stdout, retry=retry.did_succeed(),
                    slow=slow.did_error(), retried=retry.get_retry_info())

    run(deploy)
    assert seen["env"] == "hi there"
    assert seen["cwd"] == f"{tmp_path}"
    assert seen["bash"].strip()[:1].isdigit()
    assert seen["retry"] is True and counter.read_text().count("x") == 2
    assert seen["retried"] == {"retry_attempts": 1, "max_retries": 2, "was_retried": True,
                               "retry_succeeded": True}
    assert seen["slow"] is True


def test_dry_run_changes_nothing_and_reports_pending(tmp_path: Path) -> None:
    path = tmp_path / "f"

    def deploy() -> None:
        files.file(path=str(path))

    result = run(deploy, dry=True)
    assert not path.exists()
    assert result.changed == 1 and result.exit_code == 2
    assert result.hosts[0].operations[0].status is OpStatus.PLANNED


def test_several_hosts_run_once_and_serial(tmp_path: Path) -> None:
    log = tmp_path / "log"
    hosts = ",".join(f"@testlocal/h{i}" for i in range(4))

    def deploy() -> None:
        server.shell(commands=[f"echo once >> {log}"], _run_once=True)
        server.shell(
            commands=[f"echo start-{host.name} >> {log}; sleep 0.05; "
                      f"echo end-{host.name} >> {log}"],
            _serial=True,
        )

    result = run(deploy, hosts)
    assert all(h.status is HostStatus.CHANGED for h in result.hosts)
    lines = log.read_text().split()
    assert lines.count("once") == 1
    serial = [line for line in lines if line != "once"]
    assert len(serial) == 8
    for i in range(0, 8, 2):  # every start is followed by the same host's end
        assert serial[i].startswith("start-") and serial[i + 1] == "end-" + serial[i][6:]


def test_parallel_bounds_hosts_at_once(tmp_path: Path) -> None:
    log = tmp_path / "log"
    hosts = ",".join(f"@testlocal/p{i}" for i in range(4))

    def deploy() -> None:
        server.shell(commands=[f"echo start >> {log}; sleep 0.05; echo end >> {log}"])

    run(deploy, hosts, parallel=1)
    assert log.read_text().split() == ["start", "end"] * 4


def test_bad_input_on_one_host_changes_nothing_anywhere(tmp_path: Path) -> None:
    hosts = ",".join(f"@testlocal/b{i}" for i in range(3))
    marker = tmp_path / "marker"

    def deploy() -> None:
        files.file(path=str(marker))
        if host.name.endswith("b2"):
            files.file(path=str(marker), mode=["not", "a", "mode"])

    with pytest.raises(BadInput) as info:
        run(deploy, hosts)
    assert "host @testlocal/b2" in str(info.value) and "mode" in str(info.value)
    assert info.value.line is not None
    assert not marker.exists()


def test_unknown_argument_names_the_deploy_line(tmp_path: Path) -> None:
    deploy = tmp_path / "deploy.py"
    deploy.write_text("from corral.operations import files\n\nfiles.file(paht='/x')\n")
    with pytest.raises(BadInput) as info:
        run(str(deploy))
    assert info.value.file == str(deploy) and info.value.line == 3
    assert "unknown argument 'paht'" in str(info.value)


def test_unreachable_host_does_not_stop_the_others(tmp_path: Path) -> None:
    path = tmp_path / "f"

    def deploy() -> None:
        files.file(path=str(path))

    result = run(deploy, f"@local,@chroot{tmp_path}/nothing-here")
    assert result.host("@local").status is HostStatus.CHANGED
    assert result.host(f"@chroot{tmp_path}/nothing-here").status is HostStatus.UNREACHABLE
    assert result.exit_code == 1 or result.exit_code == 3
    assert path.exists()


def test_bad_input_after_a_fact_read_in_deploy_code_changes_nothing(tmp_path: Path) -> None:
    """A fact the pending operations cannot change is read without running them, so the
    deploy code reaches its end, and its errors, before anything changes."""
    from corral.facts.server import Os

    marker = tmp_path / "marker"
    hosts = ",".join(f"@testlocal/f{i}" for i in range(2))

    def deploy() -> None:
        files.file(path=str(marker))
        if host.get_fact(Os) == "Linux" and host.name.endswith("f1"):
            files.file(path=str(marker), present="yes")

    with pytest.raises(BadInput, match="present"):
        run(deploy, hosts)
    assert not marker.exists()


def test_cross_host_edges_do_not_deadlock_with_few_slots(tmp_path: Path) -> None:
    log = tmp_path / "log"
    hosts = ",".join(f"@testlocal/s{i}" for i in range(3))

    def deploy() -> None:
        server.shell(commands=[f"echo once >> {log}"], _run_once=True)
        server.shell(commands=[f"echo serial >> {log}"], _serial=True)

    result = run(deploy, hosts, parallel=1)
    assert all(h.status is HostStatus.CHANGED for h in result.hosts)
    assert log.read_text().split() == ["once"] + ["serial"] * 3


def test_tree_keys_conflict_with_changes_below_and_above() -> None:
    from corral.model import keys

    tree = [keys.tree("/srv/app")]
    assert keys.conflicts(tree, [keys.path("/srv/app/a/b")])
    assert keys.conflicts(tree, [keys.path("/srv")])
    assert keys.conflicts(tree, [keys.path("/srv/app")])
    assert not keys.conflicts(tree, [keys.path("/srv/other")])
    assert not keys.conflicts([keys.path("/srv")], [keys.path("/srv/app")])


def test_node_changes_conflict_with_the_path_itself_not_below_it() -> None:
    from corral.model import keys
    from corral.operations.files import _directory_changes, _file_changes

    node = [keys.node("/srv/app")]
    assert keys.conflicts([keys.path("/srv/app")], node)
    assert not keys.conflicts([keys.path("/srv/app/f")], node)
    assert not keys.conflicts([keys.path("/srv")], node)
    assert keys.conflicts([keys.tree("/srv")], node)
    assert keys.conflicts([keys.tree("/srv/app/sub")], node)
    # only an operation that cannot replace or remove what is there changes a node
    assert _directory_changes("/d") == [keys.node("/d")]
    assert _directory_changes("/d", present=False) == [keys.path("/d")]
    assert _directory_changes("/d", recursive=True) == [keys.path("/d")]
    assert _directory_changes("/d", force=True) == [keys.path("/d")]
    assert _file_changes("/f", mode="600") == [keys.node("/f")]
    assert _file_changes("/f", force=True) == [keys.path("/f")]
    assert _file_changes("/f", False) == [keys.path("/f")]


def test_guarded_operations_share_a_wave_when_their_facts_did_not_change(
        tmp_path: Path) -> None:
    """files.file under a new directory reads a path the directory operation changes; on
    the host its fact reads the same after the mkdir, so the guard passes: one wave."""
    d = tmp_path / "g"

    def deploy() -> None:
        files.directory(path=str(d))
        files.file(path=str(d / "f"))

    h = run(deploy).hosts[0]
    assert [op.status for op in h.operations] == [OpStatus.CHANGED] * 2
    assert {op.wave for op in h.operations} == {1}
    assert h.invocations == 2


def test_a_failed_guard_plans_the_rest_again_on_the_new_state(tmp_path: Path) -> None:
    """The second operation's fact (no line matches, the file is missing) is changed by
    the first, which writes a matching line: the guard stops the script and the second
    operation is planned again on the new state (a replacement, not an append)."""
    path = tmp_path / "env"

    def deploy() -> None:
        files.line(path=str(path), line="A=1")
        files.line(path=str(path), line="^A=.*", replace="A=2")

    h = run(deploy).hosts[0]
    assert [op.status for op in h.operations] == [OpStatus.CHANGED] * 2
    assert [op.wave for op in h.operations] == [1, 2]
    assert path.read_text() == "A=2\n"
    # the stopped script read the fact again at its end: the second wave needs no fetch
    assert h.invocations == 3


def test_a_guard_accepts_an_output_the_plan_does_not_depend_on(tmp_path: Path) -> None:
    """Lines appended to a file that does not exist yet: after the first, the others'
    fact reads "exists, no match" instead of "missing", on which they plan the same: the
    guards accept it and all run in one wave."""
    path = tmp_path / "env"

    def deploy() -> None:
        files.line(path=str(path), line="A=1")
        files.line(path=str(path), line="B=2")
        files.line(path=str(path), line="C=3")

    gathered: list[FactsGathered] = []
    h = api.run("@local", deploy,
                on_event=lambda e: gathered.append(e) if isinstance(e, FactsGathered) else None)
    assert [op.status for op in h.hosts[0].operations] == [OpStatus.CHANGED] * 3
    assert {op.wave for op in h.hosts[0].operations} == {1}
    assert h.hosts[0].invocations == 2
    assert path.read_text() == "A=1\nB=2\nC=3\n"
    # the host's last wave ran to its end: the guarded facts were not read again after it
    assert len(gathered) == 1
    assert run(deploy).hosts[0].changed == 0


def test_facts_changed_before_more_deploy_code_are_read_again_in_the_same_script(
        tmp_path: Path) -> None:
    """Deploy code that reads a fact after operations: the wave's script reads the facts
    its guarded operations depend on again at its end, so the fact read costs no round trip
    of its own."""
    path = tmp_path / "env"
    seen: list[Any] = []

    def deploy() -> None:
        files.line(path=str(path), line="A=1")
        files.line(path=str(path), line="B=2")
        seen.append(host.get_fact(FindInFile, path=str(path), pattern="^.*B=2.*$",
                                   interpolate_variables=False))

    h = run(deploy).hosts[0]
    assert seen == [["B=2"]]
    assert h.invocations == 2


def test_facts_a_batch_cannot_answer_are_read_alone(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A host whose stat gives no answer in a batch (only the markers come back): those
    facts are read again one by one, in one more invocation, and the plan is right."""
    from corral.facts.files import _batches as file_facts

    for i in range(3):
        (tmp_path / f"f{i}").write_text("x")
        (tmp_path / f"f{i}").chmod(0o640)

    def deploy() -> None:
        for i in range(3):
            files.file(path=str(tmp_path / f"f{i}"), mode="640")

    h = run(deploy).hosts[0]
    assert h.changed == 0 and h.invocations == 1
    real = file_facts.StatBatch.command
    monkeypatch.setattr(file_facts.StatBatch, "command", classmethod(
        lambda cls, items: real(items).replace("stat -c", "false")))
    h = run(deploy).hosts[0]
    assert h.changed == 0 and h.invocations == 2
    assert all(op.status is OpStatus.OK for op in h.operations)


def test_deploy_code_reads_past_operations_that_will_do_nothing(tmp_path: Path) -> None:
    """A fact read by deploy code is not held back by pending operations that, planned on
    the facts known, do nothing: it is read with their facts, and what is queued after the
    read joins their wave (one fetch, one script). A pending operation that will change
    the path does hold the read back until it has run."""
    f = tmp_path / "f"
    seen: list[Any] = []

    def deploy() -> None:
        files.directory(path=str(tmp_path / "d"))  # to do, elsewhere
        files.file(path=str(f), present=False)  # already absent: nothing to do
        seen.append(host.get_fact(File, path=str(f)))
        server.shell(commands=["true"])

    h = run(deploy).hosts[0]
    assert seen == [None]
    assert h.invocations == 2 and {op.wave for op in h.operations} == {1}

    seen.clear()

    def deploy_changing() -> None:
        files.file(path=str(f))  # makes the file
        seen.append(host.get_fact(File, path=str(f)))

    run(deploy_changing)
    assert seen and seen[0] is not None and seen[0] is not False


class _SlowClose(ProcessConnector):
    """A local shell whose close takes a while, like an SSH connection ending its remote
    commands; records the hosts whose close ran to its end."""

    name = "slowclose"
    closed: list[str] = []

    async def close(self) -> None:
        await asyncio.sleep(0.3)
        await super().close()
        _SlowClose.closed.append(self.host.name)


def test_a_run_cancelled_twice_still_closes_every_connection(tmp_path: Path) -> None:
    _SlowClose.closed.clear()
    started = tmp_path / "started"

    def deploy() -> None:
        server.shell(commands=[f"touch {started}-$$; sleep 30"])

    async def scenario() -> api.RunResult:
        hosts = ",".join(f"@slowclose/h{i}" for i in range(3))
        task = asyncio.ensure_future(api.arun(hosts, deploy))
        while len(list(tmp_path.glob("started-*"))) < 3:
            await asyncio.sleep(0.02)
        task.cancel()
        await asyncio.sleep(0.1)  # the hosts are closing their connections now
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            return await task
        raise AssertionError("the run did not end its hosts")

    result = asyncio.run(scenario())
    assert result.interrupted
    assert sorted(_SlowClose.closed) == [f"@slowclose/h{i}" for i in range(3)]


def test_events_as_json_are_the_dataclasses_fields(tmp_path: Path) -> None:
    """Events' JSON: every field of the event and of the results it holds, nested, with
    tuples as lists and enums as their values: what ``dataclasses.asdict`` gives; but
    ``host_done`` and ``run_done``, which leave out what other events say (the host's
    operations, the run's hosts), so each record is said once."""
    import dataclasses
    import json

    from corral.model.events import HOST_SUMMARY, RUN_SUMMARY, HostDone, RunDone

    events: list[Any] = []

    def deploy() -> None:
        files.directory(path=str(tmp_path / "d"))
        server.shell(commands=["echo hi"])

    api.run("@local", deploy, on_event=events.append)
    assert {type(e).__name__ for e in events} >= {"OperationDone", "HostDone", "RunDone"}

    def plain(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if hasattr(value, "value") and not isinstance(value, int | str | float | bool):
            return value.value
        return value

    for event in events:
        expected = {"event": event.kind, **plain(dataclasses.asdict(event))}
        if isinstance(event, HostDone | RunDone):
            fields = HOST_SUMMARY if isinstance(event, HostDone) else RUN_SUMMARY
            whole = {**expected["result"], "exit_code": event.result.exit_code} \
                if isinstance(event, RunDone) else expected["result"]
            expected["result"] = {n: whole[n] for n in fields}
        assert json.loads(json.dumps(event.to_json(), default=str)) == json.loads(
            json.dumps(expected, default=str))


@pytest.mark.parametrize("dry", [False, True])
def test_a_replaced_files_diff_shows_its_old_text_without_another_round_trip(
        tmp_path: Path, dry: bool) -> None:
    """The old side of an upload's diff is read in the change's own script, just before
    the file is replaced: facts and change, two invocations (a dry run reads it with a
    second fetch, and changes nothing)."""
    target = tmp_path / "app.conf"
    target.write_text("port = 1\n")

    def deploy() -> None:
        files.put(src=io.StringIO("port = 2\n"), dest=str(target))

    h = run(deploy, dry=dry).hosts[0]
    (op,) = h.operations
    assert [(d.path, d.old, d.new) for d in op.diffs] == [
        (str(target), "port = 1\n", "port = 2\n")]
    assert h.invocations == 2
    assert target.read_text() == ("port = 1\n" if dry else "port = 2\n")
    if not dry:  # converged: no change, no diff, one invocation
        again = run(deploy).hosts[0]
        assert again.changed == 0 and again.operations[0].diffs == ()
        assert again.invocations == 1


def test_an_operation_skipped_after_a_failure_reads_no_old_text(tmp_path: Path) -> None:
    target = tmp_path / "f"
    target.write_text("old\n")

    def deploy() -> None:
        server.shell(commands=["false"])
        files.put(src=io.StringIO("new\n"), dest=str(target))

    h = run(deploy).hosts[0]
    assert [op.status for op in h.operations] == [OpStatus.FAILED, OpStatus.SKIPPED]
    assert h.operations[1].diffs == () and target.read_text() == "old\n"


class _Recording(ProcessConnector):
    """A local shell that records when it connected and when it closed."""

    name = "recording"
    log: list[str] = []

    async def connect(self) -> None:
        await asyncio.sleep(0.05)  # a handshake's round trips
        await super().connect()
        _Recording.log.append(f"connected {self.host.name}")

    async def close(self) -> None:
        await super().close()
        _Recording.log.append(f"closed {self.host.name}")


def test_hosts_connect_while_their_deploy_code_plans(tmp_path: Path) -> None:
    """The connection starts with the host's task: by the time the deploy code reads its
    first fact the handshake is under way; a deploy that stops with bad input before
    needing the host still closes the connection it started, and changes nothing."""
    _Recording.log.clear()
    order: list[str] = []

    def deploy() -> None:
        order.append(f"code started, {len(_Recording.log)} connected")
        host.get_fact(File, path=str(tmp_path))

    hosts = "@recording/a,@recording/b"
    result = run(deploy, hosts=hosts)
    assert all(h.status is HostStatus.OK for h in result.hosts)
    assert order == ["code started, 0 connected"] * 2
    assert sorted(_Recording.log) == ["closed @recording/a", "closed @recording/b",
                                      "connected @recording/a", "connected @recording/b"]

    _Recording.log.clear()
    marker = tmp_path / "marker"

    def bad() -> None:
        files.line(path=str(marker), line="x")
        raise ValueError("bad input in the deploy")

    with pytest.raises(BadInput):
        run(bad, hosts=hosts)
    assert not marker.exists()
    connected = [e for e in _Recording.log if e.startswith("connected")]
    closed = [e for e in _Recording.log if e.startswith("closed")]
    assert len(closed) == len(connected)  # every connection started was closed
