"""Load a stored fact capture and run the fact's parser on it (wave-1 fact tests)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from corral.model.errors import FactParseError
from corral.model.facts import FactBase, registered_facts

DATA = Path(__file__).parent / "data"


def load(name: str) -> Any:
    record = json.loads((DATA / f"{name}.json").read_text())
    fact = registered_facts()[record["fact"]]()
    assert fact.command(**record["kwargs"]) == record["command"], "re-run the capture script"
    if record["exit"] != 0:
        return fact.default()
    return fact.process(record["output"])


def lines_of(prefix: str) -> list[str]:
    out: list[str] = []
    for path in sorted(DATA.glob(f"{prefix}*.json")):
        out.extend(json.loads(path.read_text())["output"])
    return out


def fuzz(cls: type[FactBase[Any]], real: list[str]) -> None:
    """The parser returns or raises FactParseError on mangled real lines and any text."""
    pieces = st.sampled_from(real or [""])
    mangled = st.one_of(
        pieces, st.text(max_size=40),
        st.builds(lambda s, i: s[:i], pieces, st.integers(0, 40)),
        st.builds(lambda a, b: a + b, pieces, pieces),
    )

    @settings(max_examples=150, deadline=None)
    @given(st.lists(mangled, max_size=8))
    def check(output: list[str]) -> None:
        try:
            cls().process(output)
        except FactParseError:
            pass

    check()
