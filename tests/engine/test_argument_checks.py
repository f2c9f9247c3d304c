"""Call-time argument checks: None for a required argument and NUL bytes in text are bad
input (one line, exit 4), found for every registered operation before any host is touched."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corral import api, catalog
from corral.api import deploy
from corral.model.errors import BadInput
from corral.model.secrets import Secret
from corral.model.typecheck import admits_none, matches
from corral.operations import apt, files, server

OPERATIONS = catalog.operations()

#: required arguments whose annotation says None means something (not bad input)
NONE_MEANS_SOMETHING = {("files.ini", "section")}


def sample(hint: Any) -> Any:
    """A value that fits ``hint`` (for the arguments not under test)."""
    if hint is None or hint is Any or isinstance(hint, typing.TypeVar):
        return "x"
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return sample(next(a for a in args if a is not type(None)))
    if origin is typing.Literal:
        return args[0]
    if hint in (str, os.PathLike) or origin is os.PathLike:
        return "x"
    simple = {int: 1, float: 1.0, bool: True, bytes: b"x", dict: {}, list: ["x"],
              tuple: ("x",), set: {"x"}}
    if hint in simple:
        return simple[hint]
    if origin in (list, tuple, set, frozenset) or (origin is not None and origin.__name__ in (
            "Sequence", "Iterable", "Collection")):
        item = sample(args[0]) if args else "x"
        return (item,) if origin is tuple else {item} if origin in (set, frozenset) else [item]
    if origin is dict or (origin is not None and origin.__name__ in ("Mapping",)):
        return {}
    if origin is not None and origin.__name__ == "Callable":
        return lambda *a: None
    if hint is typing.IO or origin is typing.IO:
        return io.BytesIO(b"x")
    return "x"


def required_arguments() -> list[tuple[str, str]]:
    found = []
    for name, op in OPERATIONS.items():
        for param in op._spec.signature.parameters.values():
            if param.default is param.empty and param.kind not in (param.VAR_POSITIONAL,
                                                                   param.VAR_KEYWORD):
                found.append((name, param.name))
    return found


REQUIRED = required_arguments()


def test_every_operation_is_covered() -> None:
    assert len(OPERATIONS) > 90 and len(REQUIRED) > 80
    admitting = {(op, arg) for op, arg in REQUIRED
                 if admits_none(OPERATIONS[op]._spec.hints.get(arg, Any))}
    # a required argument whose annotation admits None must mean something by it: a new
    # one is a hole in the check below (an annotation to tighten, or an entry here)
    assert admitting == NONE_MEANS_SOMETHING


def _kwargs(op: Any, none_for: str) -> dict[str, Any]:
    spec = op._spec
    kwargs: dict[str, Any] = {}
    for param in spec.signature.parameters.values():
        if param.default is not param.empty or param.kind in (param.VAR_POSITIONAL,
                                                               param.VAR_KEYWORD):
            continue
        hint = spec.hints.get(param.name, Any)
        kwargs[param.name] = None if param.name == none_for else sample(hint)
        if param.name != none_for:
            assert matches(kwargs[param.name], hint), (param.name, hint)
    return kwargs


@pytest.mark.parametrize("op_name,arg", [r for r in REQUIRED if r not in NONE_MEANS_SOMETHING])
def test_none_for_a_required_argument_is_bad_input(op_name: str, arg: str) -> None:
    op = OPERATIONS[op_name]
    with pytest.raises(BadInput) as caught:
        op(**_kwargs(op, arg))
    exc = caught.value
    assert f"argument {arg!r}" in exc.message and "None" in exc.message, exc.message
    assert exc.operation == op._spec.name
    assert exc.file == __file__ and exc.line  # the caller's line: this test's call


def test_typecheck_refuses_none_where_it_does_not_understand_the_form() -> None:
    # files.put's src: IO[Any] and os.PathLike[str] accepted any value, None included
    hint = files.put._spec.hints["src"]
    assert not matches(None, hint)
    assert matches(io.BytesIO(b"x"), hint) and matches("path", hint)
    assert matches(None, str | None) and matches(None, Any) and not matches(None, str)
    assert not matches(None, typing.IO[Any]) and not matches(None, list[str])


def corral(*args: str, cwd: Path) -> Any:
    """The real command, no terminal: (exit code, stdout, stderr lines)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CORRAL_DEBUG", "NO_COLOR")}
    proc = subprocess.run([sys.executable, "-m", "corral", *args], cwd=cwd, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60)
    return types.SimpleNamespace(code=proc.returncode, out=proc.stdout, err=proc.stderr,
                                 err_lines=proc.stderr.splitlines())


def _marker_deploy(tmp_path: Path, line: str) -> Path:
    marker = tmp_path / "marker"
    deploy_file = tmp_path / "deploy.py"
    deploy_file.write_text(
        "from corral.operations import files, server\n"
        f"files.file(path={str(marker)!r})\n"
        f"{line}\n")
    return deploy_file


def test_none_destination_is_one_line_exit_4_and_nothing_changes(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x\n")
    _marker_deploy(tmp_path, "files.put(src='x', dest=None)")
    for flags in (["-y"], ["--dry"]):
        ran = corral("@local", "deploy.py", *flags, cwd=tmp_path)
        assert ran.code == 4, ran
        assert len(ran.err_lines) == 1 and "internal error" not in ran.err, ran
        line = ran.err_lines[0]
        assert "deploy.py:3" in line and "files.put" in line and "'dest'" in line, line
        assert not (tmp_path / "marker").exists()


# -- NUL bytes --------------------------------------------------------------------------------


def _refused(call: Callable[[], Any], name: str) -> BadInput:
    with pytest.raises(BadInput) as caught:
        call()
    exc = caught.value
    assert "NUL" in exc.message and repr(name) in exc.message, exc.message
    assert "\x00" not in str(exc)
    return exc


def test_nul_in_a_line_is_refused_at_call_time_and_nothing_is_written(tmp_path: Path) -> None:
    target = tmp_path / "f"
    _marker_deploy(tmp_path, f"files.line(path={str(target)!r}, line='a\\x00b')")
    ran = corral("@local", "deploy.py", "-y", cwd=tmp_path)
    assert ran.code == 4, ran
    assert len(ran.err_lines) == 1, ran
    assert "deploy.py:3" in ran.err and "files.line" in ran.err and "'line'" in ran.err
    assert not target.exists() and not (tmp_path / "marker").exists()


def test_nul_is_refused_in_paths_nested_values_globals_and_secrets() -> None:
    _refused(lambda: files.line(path="/tmp/a\x00b", line="x"), "path")
    _refused(lambda: files.line("/tmp/a\x00b", "x"), "path")  # positional
    _refused(lambda: apt.packages(packages=["curl", "vim\x00"]), "packages")
    _refused(lambda: server.shell(commands=("true", "echo \x00")), "commands")
    _refused(lambda: server.shell(commands=["true"], _env={"A\x00": "1"}), "_env")
    _refused(lambda: server.shell(commands=["true"], _env={"A": {"deep": ["\x00"]}}), "_env")
    _refused(lambda: server.shell(commands=["true"], _sudo_user="ro\x00ot"), "_sudo_user")
    _refused(lambda: server.shell(commands=["true"], name="a\x00"), "name")
    _refused(lambda: files.line(path="/tmp/x", line=Secret("pass\x00word")), "line")
    _refused(lambda: files.put(src="a\x00", dest="/tmp/x"), "src")

    @deploy("group")
    def group() -> None:
        raise AssertionError("the deploy's body must not run")

    _refused(lambda: group(_chdir="/tmp\x00"), "_chdir")


@given(st.text(max_size=20), st.text(max_size=20))
def test_any_text_with_a_nul_is_refused(before: str, after: str) -> None:
    _refused(lambda: files.line(path="/tmp/x", line=before + "\x00" + after), "line")


def test_bytes_uploaded_as_they_are_may_hold_nul(tmp_path: Path) -> None:
    data = b"a\x00b\x00\xff\n"
    dest = tmp_path / "blob"

    def run() -> None:
        files.put(src=io.BytesIO(data), dest=str(dest))

    result = api.run("@local", run)
    assert result.exit_code == 0, result
    assert dest.read_bytes() == data


# -- text that is not UTF-8 ---------------------------------------------------------------------

NOT_UTF8 = os.fsdecode(b"/tmp/caf\xe9-\xff")  # surrogate escapes: '/tmp/caf\udce9-\udcff'


def test_a_name_that_is_not_utf8_is_refused_at_call_time() -> None:
    for call, name in [
        (lambda: files.put(src=io.BytesIO(b"x"), dest=NOT_UTF8), "dest"),
        (lambda: files.file(path=NOT_UTF8), "path"),
        (lambda: files.line(path="/tmp/x", line="a\ud800b"), "line"),  # a lone surrogate
        (lambda: apt.packages(packages=["ok", NOT_UTF8]), "packages"),
        (lambda: server.shell(commands=["true"], _chdir=NOT_UTF8), "_chdir"),
    ]:
        with pytest.raises(BadInput) as caught:
            call()
        assert f"{name!r} is not UTF-8 text" in caught.value.message, caught.value.message
        str(caught.value).encode()  # the message itself prints anywhere


def test_a_name_that_is_not_utf8_is_one_line_exit_4_and_nothing_is_made(tmp_path: Path) -> None:
    target = os.fsencode(str(tmp_path)) + b"/caf\xe9"
    _marker_deploy(tmp_path, f"import os\nfiles.file(path=os.fsdecode({target!r}))")
    ran = corral("@local", "deploy.py", "-y", cwd=tmp_path)
    assert ran.code == 4, ran
    assert len(ran.err_lines) == 1 and "deploy.py:4" in ran.err and "'path'" in ran.err, ran
    assert sorted(os.listdir(tmp_path)) == ["deploy.py"]
    # from the command line too: argv that is not UTF-8 arrives as surrogate escapes
    proc = subprocess.run([sys.executable.encode(), b"-m", b"corral", b"@local", b"files.file",
                           b"path=" + target, b"-y"], cwd=tmp_path, capture_output=True,
                          timeout=60)
    assert proc.returncode == 4, proc
    assert b"'path' is not UTF-8 text" in proc.stderr and b"Traceback" not in proc.stderr
    assert sorted(os.listdir(tmp_path)) == ["deploy.py"]


def test_utf8_names_that_are_not_ascii_work_and_converge(tmp_path: Path) -> None:
    base = str(tmp_path / "café-日本-😀 x'\"$")

    def deploy() -> None:
        files.put(src=io.BytesIO(b"x" * 300_000), dest=base + ".big", mode="640")
        files.directory(path=base + ".dir")
        files.line(path=base + ".dir/ünï", line="é line")

    first = api.run("@local", deploy)
    assert first.exit_code == 0 and first.changed == 3, first
    assert Path(base + ".dir/ünï").read_text() == "é line\n"
    again = api.run("@local", deploy)
    assert again.exit_code == 0 and again.changed == 0, again
