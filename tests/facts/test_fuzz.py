"""Every registered fact's parser returns or raises FactParseError, whatever it is fed."""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corral.facts
from corral.facts import files
from corral.model.errors import FactParseError
from corral.model.facts import FactBase, registered_facts

# import every fact module, so every registered fact is fuzzed whatever ran before
for _module in pkgutil.iter_modules(corral.facts.__path__):
    importlib.import_module(f"corral.facts.{_module.name}")

DATA = Path(__file__).parent / "data"
OURS = sorted(n for n in registered_facts() if n.split(".")[0] in {"server", "files", "deb"})


def _captured_lines() -> list[str]:
    lines: list[str] = []
    for path in sorted(DATA.glob("*.json")):
        lines.extend(json.loads(path.read_text())["output"][:40])
    return lines


REAL = _captured_lines()

# pieces of real output, mangled: cut, joined, with fields dropped or changed
_piece = st.sampled_from(REAL)
_mangled = st.one_of(
    _piece,
    st.builds(lambda s, i: s[:i], _piece, st.integers(0, 80)),
    st.builds(lambda s, i: s[i:], _piece, st.integers(0, 80)),
    st.builds(lambda a, b: a + b, _piece, _piece),
    st.builds(lambda s, sep, t: s.replace(sep, t, 1), _piece,
              st.sampled_from([":", "|", " ", "=", "-", "r", "1"]), st.text(max_size=3)),
    st.builds(lambda s, t: t + s, _piece,
              st.sampled_from([files.EXISTS_MARKER, files.LINK_PREFIX, "ii  ",
                               "__corral_release_file__ ", "user=", "SHA256 ("])),
)
LINES = st.lists(st.one_of(st.text(), _mangled), max_size=12)


def _check(cls: type[FactBase[Any]], output: list[str]) -> None:
    try:
        cls().process(output)
    except FactParseError:
        pass


def test_all_facts_are_covered() -> None:
    assert set(OURS) >= {
        "server.Os", "server.Arch", "server.Kernel", "server.Hostname",
        "server.LinuxDistribution", "server.Users", "server.Groups", "server.Home",
        "server.Which", "files.File", "files.Directory", "files.Link", "files.Sha256File",
        "files.FindInFile", "files.FileContents", "deb.DebPackages",
    }


@pytest.mark.parametrize("name", OURS)
@settings(max_examples=120, deadline=None)
@given(output=LINES)
def test_process_returns_or_raises_parse_error(name: str, output: list[str]) -> None:
    _check(registered_facts()[name], output)


@pytest.mark.parametrize("name", sorted(registered_facts()))
@settings(max_examples=50, deadline=None)
@given(output=st.lists(st.text(), max_size=6))
def test_every_registered_fact_on_arbitrary_text(name: str, output: list[str]) -> None:
    _check(registered_facts()[name], output)


@pytest.mark.parametrize("name", OURS)
def test_every_fact_documents_itself(name: str) -> None:
    cls = registered_facts()[name]
    assert cls.__doc__ and cls.__doc__.strip()
    assert "process" in cls.__dict__ or any(
        "process" in base.__dict__ for base in cls.__mro__[1:] if base is not FactBase
    )
