"""Running one case's argument under hostile strings: the classics first, then what
hypothesis draws (a fixed seed per argument, no example database), each run through the
engine on the sandbox and checked."""

from __future__ import annotations

import hashlib
import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, seed, settings

from corral import catalog

from .cases import Arg, Case, Ctx
from .sandbox import Outcome, Sandbox, quote_calls, run_operation

#: examples per argument beyond the classics (CORRAL_HOSTILE_EXAMPLES raises it)
EXAMPLES = int(os.environ.get("CORRAL_HOSTILE_EXAMPLES", "8"))

_counter = itertools.count(1)
_OPERATIONS = catalog.operations()


def operation(name: str) -> Any:
    return _OPERATIONS[name]


def params(cases: list[Case]) -> list[Any]:
    """pytest parameters, one per (case, argument); xfail where a known bug is hit."""
    out = []
    for case in cases:
        for arg in case.args:
            marks = [pytest.mark.xfail(strict=True, reason=arg.xfail)] if arg.xfail else []
            out.append(pytest.param(case, arg, id=f"{case.op}-{arg.id}", marks=marks))
    return out


def _seed(case: Case, arg: Arg) -> int:
    return int.from_bytes(hashlib.sha256(f"{case.op}/{arg.id}".encode()).digest()[:4], "big")


def check_outcome(outcome: Outcome, value: str) -> None:
    """What every run must come to, whatever the operation. A refusal is one line, but for
    the value itself when a message shows it raw (see the report: escaping control
    characters in messages is the front end's to do, for every message at once)."""
    assert outcome.kind not in ("internal", "failed"), outcome.describe()
    if outcome.kind == "refused":
        message = outcome.message
        if value:
            message = message.replace(value, "")
        message = message.strip()
        assert "\n" not in message, f"a refusal must be one line:\n{outcome.message}"
        assert outcome.message.strip(), "a refusal must say why"


def run_example(sandbox: Sandbox, case: Case, arg: Arg, value: str) -> None:
    ctx = Ctx(sandbox, next(_counter), Path(tempfile.mkdtemp(prefix="hostile-local-")))
    try:
        sandbox.reset()
        sandbox.path(ctx.dir).mkdir(parents=True, exist_ok=True)
        if case.setup:
            case.setup(ctx)
        kwargs = case.base(ctx)
        kwargs.update(arg.extra)
        if arg.setup:
            arg.setup(ctx, value)
        kwargs.update(arg.place(value, ctx))
        snapshots = [check.before(ctx, value, kwargs) for check in arg.checks]
        # relative local paths (files.put's src...) start in the example's own directory
        here = os.getcwd()
        os.chdir(ctx.local)
        try:
            outcome = run_operation(sandbox, operation(case.op), kwargs)
        finally:
            os.chdir(here)
        shown = repr(value) if len(value) < 300 else f"{value[:200]!r}... ({len(value)} chars)"
        where = f"{case.op}({arg.id}={shown})\n{outcome.describe()[:3000]}"
        hits = sandbox.canary_hits()
        assert not hits, f"a hostile string ran code: {hits}\n{where}\n" \
                         f"stub calls:\n{quote_calls(sandbox.calls())}"
        try:
            check_outcome(outcome, value)
            if arg.valid is not None and arg.valid(value):
                assert outcome.applied, f"a valid value must work, yet the run {outcome.kind}"
            for check, snapshot in zip(arg.checks, snapshots, strict=True):
                check.after(ctx, value, kwargs, outcome, snapshot)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{where}") from None
    finally:
        shutil.rmtree(ctx.local, ignore_errors=True)


def exercise(sandbox: Sandbox, case: Case, arg: Arg) -> None:
    """The classics, then hypothesis' strings, for one argument of one case."""

    @seed(_seed(case, arg))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(__import__("hypothesis").HealthCheck))
    @given(value=arg.strings())
    def one(value: str) -> None:
        run_example(sandbox, case, arg, value)

    for text in reversed(arg.classics()):
        one = example(value=text)(one)
    one()
