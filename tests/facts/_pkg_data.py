"""Load a captured package-manager fact output (see data/capture_packages.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from corral.model.facts import FactBase

DATA = Path(__file__).parent / "data"


def captured(name: str, cls: type[FactBase[Any]]) -> Any:
    """The fact's value on a captured output, checking the capture is of this command."""
    record: dict[str, Any] = json.loads((DATA / f"pkg_{name}.json").read_text())
    fact = cls()
    assert record["fact"] == cls.name
    assert record["command"] == fact.command(**record["kwargs"])
    if record["exit"] != 0:
        return cls.default()
    return fact.process(record["output"])
