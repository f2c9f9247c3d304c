"""One reading of what an operation yields: the engine's planner and the tests' ``plan``
sort the same items the same way (they had a loop each, and differed: a FunctionCommand
was run by the engine and refused by ``plan``)."""

from __future__ import annotations

from typing import Any

import pytest

from corral.engine.probe import probe
from corral.facts.server import Hostname
from corral.model.command import (
    Diff,
    FileUploadCommand,
    FunctionCommand,
    HostDiff,
    Note,
    StringCommand,
)
from corral.model.host import Host, HostData
from corral.model.operation import GlobalArgs, OpCall, OpGenerator, operation
from corral.model.yields import collect
from corral.operations import apt
from corral.testing.optest import Planned, fact, plan


def _noop() -> None:
    return None


UPLOAD = FileUploadCommand(b"text", "/etc/motd")
FUNCTION = FunctionCommand(_noop, (), {})


@operation(is_idempotent=False, idempotent_notice="always runs")
def every_kind(text: str) -> OpGenerator:
    from corral import host

    yield Diff("/etc/motd", "old", text)
    yield HostDiff("/etc/motd", text)
    yield Note("a note")
    yield f"echo {host.get_fact(Hostname)}"
    yield StringCommand("echo", "b")
    yield UPLOAD
    yield FUNCTION


def test_the_engine_and_plan_sort_every_kind_alike() -> None:
    planned = plan(every_kind, text="new", facts={fact(Hostname): "web1"})
    host = Host("web1", HostData({}), (), "test", "web1")
    call = OpCall(spec=every_kind._spec, args=(), kwargs={"text": "new"},
                  globals=GlobalArgs(), file=__file__, line=1)
    facts = {}
    first = probe(call, host, facts)  # the fact is not known yet: planned on its default
    assert first.error is None and len(first.misses) == 1
    facts[next(iter(first.misses))] = "web1"
    probed = probe(call, host, facts)
    assert probed.error is None and not probed.misses
    for got in (planned, probed):
        assert [str(c) if not isinstance(c, StringCommand) else c.render()
                for c in got.commands] == ["echo web1", "echo b", str(UPLOAD), str(FUNCTION)]
        assert got.diffs == [Diff("/etc/motd", "old", "new")]
        assert got.host_diffs == [HostDiff("/etc/motd", "new")]
        assert got.notes == ["a note", "always runs"]


def test_an_item_that_is_not_a_command_is_a_type_error() -> None:
    @operation()
    def bad() -> OpGenerator:
        yield 42

    with pytest.raises(TypeError, match="yielded int, not a command"):
        plan(bad)
    host = Host("web1", HostData({}), (), "test", "web1")
    call = OpCall(spec=bad._spec, args=(), kwargs={}, globals=GlobalArgs(), file=__file__,
                  line=1)
    assert "yielded int, not a command" in str(probe(call, host, {}).error)


def test_the_notice_only_comes_with_a_change() -> None:
    fresh = plan(apt.update, cache_time=3600, facts={fact(apt.AptCacheAge): 60})
    assert fresh.commands == [] and not any("Always runs" in n for n in fresh.notes)
    stale = plan(apt.update, cache_time=3600, facts={fact(apt.AptCacheAge): 7200})
    assert stale.notes == ["Always runs apt-get update unless cache_time is given."]


def test_collect_without_an_operation_adds_no_notice() -> None:
    into = Planned()
    items: list[Any] = ["true", Note("n")]
    collect(iter(items), into)
    assert [c.render() for c in into.commands if isinstance(c, StringCommand)] == ["true"]
    assert into.notes == ["n"]
