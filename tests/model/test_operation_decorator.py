"""``@operation``: the one way to write an operation, with pyinfra's options; an unknown
option is an error where the operation is defined; the notice of an operation that is not
idempotent is shown with its result; a deprecated operation warns when called."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import logging
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from corral import api
from corral.model.errors import BadInput
from corral.model.operation import GLOBAL_ARG_NAMES, Operation, OpGenerator, operation
from corral.model.results import OpStatus
from corral.operations import apt, files, python, server


def _import(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(path.stem, None)
    return module


def test_a_misspelt_option_is_a_type_error_when_the_module_is_imported(tmp_path: Path) -> None:
    """An unknown option was taken and dropped (``**_ignored``): ``is_idempotnt=False``
    made an operation that claimed to be idempotent."""
    module = tmp_path / "misspelt_ops.py"
    module.write_text(
        "from corral.api import operation\n\n"
        "@operation(is_idempotnt=False)\n"
        "def restart():\n"
        "    yield 'true'\n"
    )
    with pytest.raises(TypeError, match="is_idempotnt"):
        _import(module)


def test_an_option_given_by_position_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="by name"):
        operation(False)  # type: ignore[call-overload]


def test_bare_and_called_forms_make_the_same_operation() -> None:
    def body(path: str) -> OpGenerator:
        yield f"touch {path}"

    bare = operation(body)
    called = operation()(body)
    for op in (bare, called):
        assert op.is_corral_operation and op._inner is body
        assert op._spec.name == f"{__name__}.body"
        assert op._spec.is_idempotent and op._spec.notice() is None
        assert inspect.isfunction(op)  # the catalog lists functions


def test_pyinfra_options_are_kept_on_the_operation() -> None:
    @operation(is_idempotent=False, idempotent_notice="always runs", is_deprecated=True,
               deprecated_for="files.put", _set_in_op=False, name="custom.op")
    def op() -> OpGenerator:
        yield "true"

    spec = op._spec
    assert (spec.name, spec.is_idempotent, spec.idempotent_notice, spec.is_deprecated,
            spec.deprecated_for, spec.set_in_op) == (
        "custom.op", False, "always runs", True, "files.put", False)
    assert spec.notice() == "always runs"


def test_apt_update_keeps_its_notice() -> None:
    """apt.update gave ``idempotent_notice``, which the decorator dropped."""
    assert apt.update._spec.is_idempotent is False
    assert "cache_time" in (apt.update._spec.notice() or "")
    assert server.shell._spec.is_idempotent is False


def test_the_typed_global_arguments_are_the_global_arguments() -> None:
    """The global arguments the ``Operation`` protocol lets mypy accept are exactly those
    the decorator accepts at run time (neither list may grow alone). Read from the source:
    the overloads of a protocol's method are not kept at run time."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(Operation)))
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.FunctionDef) and node.name == "__call__"]
    assert len(calls) == 2
    plain, with_globals = calls
    assert [a.arg for a in plain.args.args] == ["self"]
    typed = {a.arg for a in with_globals.args.args} - {"self"}
    assert typed == set(GLOBAL_ARG_NAMES)
    assert with_globals.args.vararg is not None and with_globals.args.kwarg is not None


# -- the options at run time (real shells, @local) ---------------------------------------

@operation(is_idempotent=False,
           idempotent_notice="Always touches the file unless skip is given.")
def touch_always(path: str, skip: bool = False) -> OpGenerator:
    if not skip:
        yield f"touch {path}"


@operation(idempotent_notice="never shown: the operation is idempotent")
def touch_once(path: str) -> OpGenerator:
    yield f"touch {path}"


def test_the_notice_is_shown_when_a_non_idempotent_operation_changes(tmp_path: Path) -> None:
    def deploy() -> None:
        touch_always(path=str(tmp_path / "a"))
        touch_always(path=str(tmp_path / "b"), skip=True)
        touch_once(path=str(tmp_path / "c"))

    for dry in (True, False):
        ops = api.run("@local", deploy, dry=dry).hosts[0].operations
        assert [op.changed for op in ops] == [True, False, True]
        assert ops[0].status is (OpStatus.PLANNED if dry else OpStatus.CHANGED)
        assert ops[0].notes == ("Always touches the file unless skip is given.",)
        assert ops[1].notes == ops[2].notes == ()
    assert (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@operation(is_deprecated=True, deprecated_for="files.file")
def old_touch(path: str) -> OpGenerator:
    yield f"touch {path}"


def test_a_deprecated_operation_warns_where_it_is_called(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    def deploy() -> None:
        old_touch(path=str(tmp_path / "a"))

    with caplog.at_level(logging.WARNING, logger="corral"):
        result = api.run("@local", deploy)
    assert result.hosts[0].operations[0].changed
    warned = [r.getMessage() for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(warned) == 1
    assert "old_touch is deprecated, use files.file" in warned[0]
    assert f"{__file__}:" in warned[0]


@operation(_set_in_op=False)
def calls_another(path: str) -> OpGenerator:
    files.file(path=path)
    yield "true"


@operation()
def calls_another_in_op(path: str) -> OpGenerator:
    files.file(path=path)
    yield "true"


@pytest.mark.parametrize(("op", "advice"), [
    (calls_another_in_op, "yield from files.file._inner"),
    (calls_another, "FunctionCommand (python.call)"),
])
def test_an_operation_called_inside_another_is_refused(tmp_path: Path, op: Any,
                                                        advice: str) -> None:
    def deploy() -> None:
        op(path=str(tmp_path / "a"))

    with pytest.raises(BadInput, match="called inside another operation") as caught:
        api.run("@local", deploy)
    assert advice in str(caught.value)
    assert not (tmp_path / "a").exists()


def test_python_call_runs_operations_when_the_host_reaches_it(tmp_path: Path) -> None:
    """What ``_set_in_op=False`` is for in pyinfra (its python.call): on corral the
    function runs outside the operation's body, so it may call operations."""
    def later() -> None:
        files.file(path=str(tmp_path / "made"))

    def deploy() -> None:
        python.call(function=later)

    api.run("@local", deploy)
    assert (tmp_path / "made").exists()


def test_the_reference_marks_operations_that_are_not_idempotent() -> None:
    """As pyinfra's reference: a note on an operation that is not idempotent, with its
    notice (``docs/reference/operations.md``, kept current by tests/test_reference.py)."""
    tool = _import(Path(__file__).resolve().parents[2] / "tools" / "gen_reference.py")
    page = tool.render()["operations.md"]

    def section(name: str) -> str:
        start = page.index(f"### `{name}`")
        return page[start:page.index("\n### ", start + 1)]

    assert ("**Not idempotent**: it may run its commands, and change, on every run. "
            "Always runs apt-get update unless cache_time is given.") in section("apt.update")
    assert "**Not idempotent**" in section("server.shell")
    assert "**Not idempotent**" not in section("files.put")
