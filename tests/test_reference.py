"""The reference pages are generated from the docstrings and cannot drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corral import catalog

ROOT = Path(__file__).resolve().parent.parent


def test_reference_pages_are_current() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_reference.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("name", list(catalog.operations()))
def test_every_operation_has_a_docstring_with_an_example(name: str) -> None:
    doc = catalog.operations()[name].__doc__ or ""
    assert catalog.summary(catalog.operations()[name]), name
    assert "Example" in doc, f"{name} has no Example section"


@pytest.mark.parametrize("name", list(catalog.facts()))
def test_every_fact_has_a_docstring(name: str) -> None:
    assert catalog.summary(catalog.facts()[name]), name


def test_cli_lists_operations_and_facts() -> None:
    ops = subprocess.run([sys.executable, "-m", "corral", "--list-ops"], capture_output=True,
                         text=True, check=True).stdout
    facts = subprocess.run([sys.executable, "-m", "corral", "--list-facts"],
                           capture_output=True, text=True, check=True).stdout
    assert "files.put" in ops and "apt.packages" in ops
    assert "server.Os" in facts and "deb.DebPackages" in facts
