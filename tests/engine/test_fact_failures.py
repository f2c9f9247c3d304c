"""A fact whose command fails is not its default: the operation (or deploy code) reading it
fails, with the fact's name, exit code and error output. What the fact declares "not
there" (``absent_exit_codes``, ``is_absent``) and a missing ``requires_command`` read as the
default. On real shells (``@local``)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from corral import api, host
from corral.api import operation
from corral.connectors.framing import build_script, parse_output, strip_done
from corral.engine.batching import fact_step, fact_value, program_missing
from corral.engine.probe import FactFailed, make_fact_key
from corral.facts.files import FindInFile
from corral.model.command import QuoteString, StringCommand
from corral.model.errors import FactError
from corral.model.facts import FactBase
from corral.model.privilege import Privilege
from corral.model.results import HostStatus, OpStatus
from corral.operations import files, server

NOBODY = Privilege()


class Fails(FactBase[str]):
    """A command that fails: exit 5, a message on stderr."""

    def command(self, code: int = 5) -> str:
        return f"echo partial; echo 'it broke' >&2; exit {code}"

    @staticmethod
    def default() -> str:
        return "DEFAULT"


class SaysAbsent(Fails):
    """Exit 3 is this command's "not there"."""

    absent_exit_codes = (3,)


class NeedsMissingProgram(Fails):
    requires_command = "corral-no-such-program"


class NeedsShell(Fails):
    requires_command = "sh"


class BadOutput(FactBase[int]):
    def command(self) -> str:
        return "echo not-a-number"

    def process(self, output: list[str]) -> int:
        return int(output[0])


def _read(cls: type[FactBase[Any]], **kwargs: Any) -> Any:
    """The value a fact's real step on a real shell gives the engine."""
    key = make_fact_key(cls, (), kwargs, NOBODY)
    script = build_script([fact_step(key)])
    ran = subprocess.run(["sh"], input=script.text.encode(), capture_output=True, timeout=20)
    out = parse_output(script, strip_done(script, ran.stdout), strip_done(script, ran.stderr))
    assert out[0] is not None
    return fact_value(key, out[0])


def test_a_failing_command_is_a_failure_with_its_exit_code_and_stderr() -> None:
    value = _read(Fails)
    assert isinstance(value, FactFailed)
    assert "Fails(" in value.message and "exit code 5" in value.message
    assert "it broke" in value.message


def test_declared_absent_exit_codes_read_as_the_default_and_no_others() -> None:
    assert _read(SaysAbsent, code=3) == "DEFAULT"
    assert isinstance(_read(SaysAbsent, code=4), FactFailed)


def test_a_missing_program_is_told_apart_from_a_failing_command() -> None:
    assert _read(NeedsMissingProgram) == "DEFAULT"
    failed = _read(NeedsShell)  # sh is there: its command's failure is a failure
    assert isinstance(failed, FactFailed) and "exit code 5" in failed.message
    # even a command that exits 127 itself ("command not found") is a failure
    assert isinstance(_read(NeedsShell, code=127), FactFailed)


def test_the_missing_program_marker_is_exact() -> None:
    from corral.model.command import CommandOutput

    key = make_fact_key(NeedsMissingProgram, (), {}, NOBODY)
    script = build_script([fact_step(key)])
    ran = subprocess.run(["sh"], input=script.text.encode(), capture_output=True, timeout=20)
    out = parse_output(script, strip_done(script, ran.stdout), strip_done(script, ran.stderr))
    assert out[0] is not None and program_missing(out[0])
    assert not program_missing(CommandOutput("", out[0].stderr, 1))
    assert not program_missing(CommandOutput("", "sh: 1: x: not found\n", 127))


def test_a_requires_command_from_the_arguments_is_quoted(tmp_path: Path) -> None:
    marker = tmp_path / "marker"

    class Needs(Fails):
        def requires_command(self, program: str) -> str:  # type: ignore[override]
            return program

        def command(self, program: str) -> str:  # type: ignore[override]
            return "echo ran"

    assert _read(Needs, program=f"x; touch {marker}") == "DEFAULT"
    assert not marker.exists()


@operation
def append_unless_found(path: str, pattern: str) -> Any:
    """files.line's shape, without its regex check (files.line refuses a regex grep would
    reject when it is planned): append when grep finds nothing."""
    if not host.get_fact(FindInFile, path=path, pattern=pattern):
        yield StringCommand("printf", "'%s\\n'", QuoteString(pattern), ">>", QuoteString(path))


def test_a_failing_fact_fails_the_operation_that_reads_it_and_changes_nothing(
        tmp_path: Path) -> None:
    """An operation reading FindInFile with a pattern grep rejects: before, the fact read
    as "no match" and the line was appended again on every run."""
    target = tmp_path / "f"
    target.write_text("a\n")
    after = tmp_path / "after"

    def deploy() -> None:
        append_unless_found(name="bad", path=str(target), pattern="x[")
        files.file(name="after", path=str(after))

    for _ in range(2):
        result = api.run("@local", deploy)
        h = result.hosts[0]
        assert result.exit_code == 1 and h.status is HostStatus.FAILED
        bad, later = h.operations
        assert bad.status is OpStatus.FAILED and bad.error is not None
        assert "fact files.FindInFile(" in bad.error and "exit code 1" in bad.error
        assert "Invalid regular expression" in bad.error  # grep's message
        assert h.error is not None and "Invalid regular expression" in h.error
        assert later.status is OpStatus.SKIPPED
        assert target.read_text() == "a\n" and not after.exists()


def test_an_operation_that_catches_the_fact_error_still_fails(tmp_path: Path) -> None:
    marker = tmp_path / "marker"

    @operation
    def careless() -> Any:
        try:
            host.get_fact(Fails)
        except Exception:
            pass
        yield f"touch {marker}"

    result = api.run("@local", lambda: careless())
    op = result.hosts[0].operations[0]
    assert op.status is OpStatus.FAILED and op.error is not None and "it broke" in op.error
    assert not marker.exists() and result.exit_code == 1


def test_an_operation_ignoring_errors_fails_alone(tmp_path: Path) -> None:
    target, after = tmp_path / "f", tmp_path / "after"
    target.write_text("a\n")

    def deploy() -> None:
        append_unless_found(path=str(target), pattern="x[", _ignore_errors=True)
        files.file(path=str(after))

    h = api.run("@local", deploy).hosts[0]
    assert h.operations[0].status is OpStatus.FAILED
    assert h.status is HostStatus.CHANGED and after.exists()


def test_deploy_code_reading_a_failing_fact_fails_the_host(tmp_path: Path) -> None:
    seen: list[Any] = []

    def deploy() -> None:
        seen.append(host.get_fact(Fails, _ignore_errors=True))  # as pyinfra: the default
        seen.append(host.get_fact(Fails))
        seen.append("unreached")

    result = api.run("@local", deploy)
    h = result.hosts[0]
    assert seen == ["DEFAULT"]
    assert h.status is HostStatus.FAILED and result.exit_code == 1
    assert h.error is not None and "exit code 5" in h.error and "it broke" in h.error


def test_deploy_code_can_catch_the_failure() -> None:
    caught: list[str] = []

    def deploy() -> None:
        try:
            host.get_fact(Fails)
        except FactError as exc:
            caught.append(str(exc))

    result = api.run("@local", deploy)
    assert result.exit_code == 0 and "it broke" in caught[0]


def test_an_output_the_fact_cannot_parse_fails_what_reads_it() -> None:
    @operation
    def reads_bad() -> Any:
        host.get_fact(BadOutput)
        yield "true"

    def deploy() -> None:
        reads_bad()

    h = api.run("@local", deploy).hosts[0]
    op = h.operations[0]
    assert op.status is OpStatus.FAILED and op.error is not None
    assert "cannot parse its output" in op.error and h.status is HostStatus.FAILED


def test_batched_facts_still_read_as_before(tmp_path: Path) -> None:
    """File facts of several paths are read in one stat batch; a missing path is absent,
    not a failure."""
    for i in range(3):
        (tmp_path / f"f{i}").write_text("x")

    def deploy() -> None:
        for i in range(4):
            files.file(path=str(tmp_path / f"f{i}"))
        server.shell(commands=["true"])

    h = api.run("@local", deploy).hosts[0]
    assert h.status is HostStatus.CHANGED, h
    assert [op.changed for op in h.operations[:4]] == [False, False, False, True]


@pytest.mark.parametrize("stderr", ["sudo: unknown user corral-x\nsudo: error initializing "
                                    "audit plugin sudoers_audit\n"])
def test_sudo_saying_the_user_is_unknown_reads_as_the_default(stderr: str) -> None:
    from corral.model.command import CommandOutput

    as_user = make_fact_key(Fails, (), {}, Privilege(sudo=True, sudo_user="corral-x"))
    assert fact_value(as_user, CommandOutput("", stderr, 1)) == "DEFAULT"
    # without a user to become, the same text is a failure
    assert isinstance(fact_value(make_fact_key(Fails, (), {}, NOBODY),
                                 CommandOutput("", stderr, 1)), FactFailed)
