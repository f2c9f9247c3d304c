"""The hostile strings themselves: what the brief asks them to hold, and that each injection
is a real way out of some wrong quoting (checked on this machine's dash, sed and awk with a
canary program in a temporary PATH). Runs without root."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .strategies import ATOMS, CANARY, INJECTIONS, REDIRECT_CANARY, hostile_text

DRAWS = 400


def _draw_many() -> list[str]:
    seen: list[str] = []

    @settings(max_examples=DRAWS, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def draw(data: st.DataObject) -> None:
        seen.append(data.draw(hostile_text()))

    draw()
    return seen


def test_strings_hold_no_nul_and_no_lone_surrogate() -> None:
    for text in _draw_many():
        assert "\0" not in text
        text.encode("utf-8")  # a lone surrogate would not encode


def test_strings_cover_every_kind_asked_for() -> None:
    pieces = "".join([*ATOMS, *INJECTIONS])
    for char in "'\"\\`;&|><*?[~#!$\n\r\t ":
        assert char in pieces, repr(char)
    for bit in ("$(", "${", "&", "\\1", "/", "|", "#", "%", ",", ":", "=", "@"):
        assert bit in pieces, bit
    drawn = _draw_many()
    joined = "".join(drawn)
    for char in "'\"\\`;&|>$\n ":
        assert char in joined, repr(char)
    assert any(t.startswith("-") for t in drawn)
    assert any(t.startswith("--") for t in drawn)
    assert "" in drawn
    assert any(len(t.encode()) > 2000 for t in drawn)
    assert any(not t.isascii() for t in drawn)
    assert sum(CANARY in t for t in drawn) > DRAWS // 10


def test_atoms_and_injections_are_text() -> None:
    for text in [*ATOMS, *INJECTIONS]:
        assert "\0" not in text
        text.encode("utf-8")


# each injection and the quoting it gets out of: a command on this machine, with {} for it
_CONTEXTS = [
    "printf '%s\\n' {}",                  # not quoted at all
    "printf '%s\\n' '{}'",                # in single quotes, not escaped
    'printf \'%s\\n\' "{}"',              # in double quotes
    "eval \"printf '%s\\n' {}\"",         # evaluated again
    "printf 'x\\n' | sed -e 's/x/{}/'",   # a sed replacement
    "printf 'x\\n' | sed -e 's|x|{}|'",
    "printf 'x\\n' | sed -e 's#x#{}#'",
    "printf 'x\\n' | sed -e '{}'",
    "awk 'BEGIN {{ print \"{}\" }}'",      # an awk string
    "awk 'BEGIN {{ x = sprintf(\"%s\", \"{}\") }}'",
    "printf 'x\n' | awk '{{ print \"{}\" }}'",
]

_OPTION_INJECTIONS = ("--", "-oProxyCommand", "-e ")


@pytest.fixture()
def canary_path(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    hit = tmp_path / "hit"
    program = bin_dir / CANARY
    program.write_text(f"#!/bin/sh\necho ran >> {hit}\n")
    program.chmod(0o755)
    return tmp_path


@pytest.mark.skipif(shutil.which("dash") is None, reason="needs dash")
@pytest.mark.parametrize("injection", [i for i in INJECTIONS if REDIRECT_CANARY not in i
                                       and CANARY in i
                                       and not i.startswith(_OPTION_INJECTIONS)])
def test_each_injection_gets_out_of_some_wrong_quoting(injection: str,
                                                      canary_path: Path) -> None:
    env = {"PATH": f"{canary_path / 'bin'}:/usr/bin:/bin", "LC_ALL": "C"}
    hit = canary_path / "hit"
    for context in _CONTEXTS:
        subprocess.run(["dash", "-c", context.format(injection)], env=env,
                       capture_output=True, timeout=10, check=False, cwd=canary_path)
        if hit.exists():
            return
    pytest.fail(f"{injection!r} gets out of none of the quotings tried")


def test_the_injection_check_can_fail(canary_path: Path) -> None:
    """A string that is no injection is found to be none."""
    env = {"PATH": f"{canary_path / 'bin'}:/usr/bin:/bin", "LC_ALL": "C"}
    for context in _CONTEXTS:
        subprocess.run(["dash", "-c", context.format(CANARY)], env=env, capture_output=True,
                       timeout=10, check=False, cwd=canary_path)
    assert not (canary_path / "hit").exists()
    assert os.environ.get("PATH")  # the test's own PATH is left alone
