"""A command's ``_stdin`` is data on a real sh (dash): hostile text reaches the command's
standard input exactly, whichever way the command is wrapped (the script's own shell,
``sh -c`` under a timeout, with an environment)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hostile.strategies import hostile_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corral import api
from corral.api import QuoteString, StringCommand, operation
from corral.model.results import HostStatus

WRAPPINGS: list[dict[str, Any]] = [{}, {"_timeout": 30}, {"_env": {"X": "1"}},
                                   {"_chdir": "/"}]


@operation()
def _cat_to(path: str, lines: list[str], wrapping: dict[str, Any]) -> Any:
    yield StringCommand("cat", ">", QuoteString(path), _stdin=lines, **wrapping)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=st.lists(hostile_text(), min_size=1, max_size=3),
       wrapping=st.sampled_from(WRAPPINGS))
def test_hostile_stdin_is_exactly_the_command_s_input(lines: list[str],
                                                      wrapping: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "out"
        result = api.run("@local", lambda: _cat_to(str(out), lines, wrapping))
        assert result.hosts[0].status is HostStatus.CHANGED, result.hosts[0].error
        expected = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
        assert out.read_bytes() == expected.encode()
