"""``python.call`` and ``python.raise_exception`` on real runs: the function runs on the
controller at its operation's place in the host's order (earlier operations have run,
later ones have not), reads results and facts, may call operations, and fails its host
with its exception."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corral import api, host, local
from corral.api import StringCommand, operation
from corral.facts.files import File
from corral.facts.server import Hostname
from corral.model.errors import BadInput
from corral.model.results import HostStatus, OpStatus
from corral.operations import files, python, server
from corral.testing.fleet import Fleet


def test_a_callback_runs_in_order_and_reads_results_and_facts(tmp_path: Path) -> None:
    seen: list[Any] = []
    made, later = tmp_path / "made", tmp_path / "later"

    def callback(result: Any, path: str) -> None:
        seen.append(("stdout", result.stdout, result.changed))
        seen.append(("made", host.get_fact(File, path) is not None))
        seen.append(("later", host.get_fact(File, str(later)) is not None))
        server.shell(name="nested", commands=[f"echo nested > {tmp_path}/nested"])

    def after() -> None:  # the nested operation ran before the rest
        seen.append(("nested", (tmp_path / "nested").read_text()))

    def deploy() -> None:
        r = server.shell(name="first", commands=[f"echo hello; touch {made}"])
        python.call(name="callback", function=callback, result=r, path=str(made))
        files.file(path=str(later))
        python.call(function=after)

    result = api.run("@local", deploy).hosts[0]
    assert result.status is HostStatus.CHANGED
    assert seen == [("stdout", "hello", True), ("made", True), ("later", False),
                    ("nested", "nested\n")]
    by_name = {op.name: op for op in result.operations}
    assert by_name["callback"].status is OpStatus.CHANGED  # as pyinfra counts it
    assert by_name["nested"].status is OpStatus.CHANGED


def test_an_exception_fails_the_host_and_skips_the_rest(tmp_path: Path) -> None:
    never = tmp_path / "never"

    def broken() -> None:
        raise RuntimeError("the dashboard said no")

    def deploy() -> None:
        python.call(name="rename", function=broken)
        files.file(path=str(never))

    result = api.run("@local", deploy)
    h = result.hosts[0]
    assert h.status is HostStatus.FAILED and result.exit_code == 1
    assert h.operations[0].error == "RuntimeError: the dashboard said no"
    assert "rename: RuntimeError: the dashboard said no" in (h.error or "")
    assert h.operations[1].status is OpStatus.SKIPPED and not never.exists()


def test_ignore_errors_goes_on(tmp_path: Path) -> None:
    def deploy() -> None:
        python.raise_exception(ValueError, "bad", _ignore_errors=True)
        files.file(path=str(tmp_path / "after"))

    h = api.run("@local", deploy).hosts[0]
    assert h.operations[0].status is OpStatus.FAILED
    assert h.operations[0].error == "ValueError: bad"
    assert h.status is HostStatus.CHANGED and (tmp_path / "after").exists()


def test_raise_exception_fails_the_host_with_that_exception(tmp_path: Path) -> None:
    def deploy() -> None:
        files.file(path=str(tmp_path / "before"))
        python.raise_exception(NotImplementedError, "no such platform")
        files.file(path=str(tmp_path / "after"))

    h = api.run("@local", deploy).hosts[0]
    assert h.status is HostStatus.FAILED
    assert [op.status for op in h.operations] == [OpStatus.CHANGED, OpStatus.FAILED,
                                                  OpStatus.SKIPPED]
    assert h.error == "python.raise_exception: NotImplementedError: no such platform"
    assert (tmp_path / "before").exists() and not (tmp_path / "after").exists()


def test_run_shell_command_in_a_callback_and_in_deploy_code(tmp_path: Path) -> None:
    """pyinfra's callbacks run commands with host.run_shell_command: (succeeded, output),
    after the operations called before it; the facts are read again afterwards."""
    a, b = tmp_path / "a", tmp_path / "b"
    got: list[Any] = []

    def callback() -> None:
        ok, out = host.run_shell_command(f"cat {a}; echo err >&2")
        got.append((ok, out.stdout, out.stderr))
        got.append(host.run_shell_command("exit 4", _success_exit_codes=[4])[0])
        ok, _ = host.run_shell_command(f"touch {b}; exit 1")
        got.append((ok, host.get_fact(File, str(b)) is not None))

    def deploy() -> None:
        files.line(path=str(a), line="hello")
        python.call(function=callback)
        got.append(host.run_shell_command(StringCommand("cat", str(a)))[1].stdout)

    assert api.run("@local", deploy).exit_code == 0
    assert got == [(True, "hello\n", "err\n"), True, (False, True), "hello\n"]


def test_run_shell_command_refuses_what_an_operation_refuses() -> None:
    with pytest.raises(BadInput, match="unknown global argument _bogus"):
        api.run("@local", lambda: host.run_shell_command("true", _bogus=1))
    with pytest.raises(BadInput, match="must be str or StringCommand"):
        api.run("@local", lambda: host.run_shell_command(["true"]))


def test_raise_exception_wants_an_exception_class() -> None:
    def deploy() -> None:
        python.raise_exception("ValueError")

    with pytest.raises(BadInput, match="exception must be an exception class"):
        api.run("@local", deploy)


def test_a_dry_run_calls_nothing() -> None:
    called: list[int] = []

    def deploy() -> None:
        python.call(function=lambda: called.append(1))

    result = api.run("@local", deploy, dry=True)
    assert called == [] and result.hosts[0].operations[0].status is OpStatus.PLANNED


def test_reading_a_later_operation_s_result_in_a_callback_is_an_error(tmp_path: Path) -> None:
    ops: dict[str, Any] = {}

    def peek() -> None:
        ops["later"].did_change()

    def deploy() -> None:
        python.call(function=peek)
        ops["later"] = files.file(path=str(tmp_path / "later"))

    h = api.run("@local", deploy).hosts[0]
    assert "comes after the python.call running now" in (h.operations[0].error or "")
    # and the later operation was not marked as run or skipped by the peek
    assert h.operations[1].status is OpStatus.SKIPPED
    assert h.operations[1].notes == ("skipped after a failure",)


def test_state_and_host_parameters_get_them_first() -> None:
    got: list[Any] = []

    def legacy(state: Any, host: Any, word: str) -> None:
        got.append((state.cwd is not None, host.name, word))

    api.run("@local", lambda: python.call(function=legacy, word="hi"))
    assert got == [(True, "@local", "hi")]


def test_an_included_file_s_data_is_seen_by_its_callbacks(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    got: list[Any] = []
    monkeypatch.setattr("builtins.corral_test_sink", got, raising=False)
    (tmp_path / "deploy.py").write_text(
        "from corral import local\nlocal.include('inc.py', data={'who': 'web'})\n")
    (tmp_path / "inc.py").write_text(
        "import builtins\nfrom corral import host\nfrom corral.operations import python\n"
        "python.call(function=lambda: builtins.corral_test_sink.append(host.data.who))\n")
    api.run("@local", "deploy.py")
    assert got == ["web"]


@operation()
def _stdin_to(path: str, text: Any) -> Any:
    yield StringCommand("cat", ">", path, _stdin=text)


def test_string_command_stdin_reaches_the_command(tmp_path: Path) -> None:
    lines = ["it's $HOME `id`", "\\n ; exit 1", "last"]
    big = "x" * 100_000  # through a private file (one argument of sh -c is 128 KiB at most)

    def deploy() -> None:
        _stdin_to(str(tmp_path / "small"), lines)
        _stdin_to(str(tmp_path / "big"), big)

    assert api.run("@local", deploy).hosts[0].status is HostStatus.CHANGED
    assert (tmp_path / "small").read_text() == "".join(f"{line}\n" for line in lines)
    assert (tmp_path / "big").read_text() == big + "\n"


def test_per_command_success_exit_codes(tmp_path: Path) -> None:
    @operation()
    def exits() -> Any:
        yield StringCommand("sh", "-c", "'exit 3'", _success_exit_codes=[3])
        yield StringCommand("sh", "-c", "'exit 3'")

    h = api.run("@local", lambda: exits()).hosts[0]
    assert h.status is HostStatus.FAILED
    assert "exit code 3" in (h.operations[0].error or "")
    assert len(h.operations[0].outputs) == 2  # the first passed, the second failed


def test_callbacks_on_fleet_hosts_each_see_their_own_host(fleet: Fleet,
                                                         tmp_path: Path) -> None:
    """Over SSH, on two hosts at once, logged in as a user with sudo: each host's callback
    runs with that host bound, after that host's earlier operations, and reads that host's
    facts; a command's own ``_sudo`` runs it as root."""
    names = ["fleet-001", "fleet-002"]
    entries = [entry for entry in fleet.inventory("corral") if entry[0] in names]
    inventory = tmp_path / "inventory.py"
    inventory.write_text(f"hosts = {entries!r}\n")
    seen: dict[str, Any] = {}

    def callback(result: Any) -> None:
        seen[host.name] = (result.stdout, host.get_fact(Hostname), local.shell("echo here"))

    def deploy() -> None:
        r = server.shell(commands=["id -u; echo $(( 6 * 7 ))"])
        python.call(function=callback, result=r)
        _as_root()

    result = api.run(str(inventory), deploy)
    assert result.exit_code == 0, [h.error for h in result.hosts]
    assert seen == {name: ("1000\n42", name, "here") for name in names}
    for h in result.hosts:
        assert h.operations[-1].stdout == "0\n"  # id -u under the command's own sudo


@operation()
def _as_root() -> Any:
    yield StringCommand("id", "-u", _sudo=True)
