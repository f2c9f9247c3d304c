"""The command line is a client of ``corral.api`` (docs/api.md): tools/check_layers.py
refuses an import of another layer, or of a private name, in src/corral/cli (no host)."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check_layers() -> ModuleType:
    path = ROOT / "tools" / "check_layers.py"
    spec = importlib.util.spec_from_file_location("check_layers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _problems(source: str) -> list[str]:
    checker = _check_layers()
    return list(checker.cli_problems(Path("cli/x.py"), ast.parse(source)))


@pytest.mark.parametrize("source", [
    "from corral.model.operation import global_problem",
    "from corral.engine.loader import load_inventory",
    "from corral.model import errors",
    "from corral import model",
    "import corral.engine.runner",
    "from corral.api import _inventory",
    "from corral.api.calls import _operation_spec",
    "from corral import _private",
    "from ..model.secrets import MASK",
])
def test_a_private_or_lower_import_is_refused(source: str) -> None:
    assert len(_problems(source)) == 1, source


@pytest.mark.parametrize("source", [
    "from corral import __version__, api, host",
    "from corral.api import BadInput, Config, check_call",
    "from corral.vault.store import configure",
    "from corral import catalog",
    "from . import flags",
    "from .output import _private_helper",
    "import corral",
])
def test_the_public_surface_is_allowed(source: str) -> None:
    assert _problems(source) == []


def test_the_command_line_imports_the_public_api_only() -> None:
    checker = _check_layers()
    found = [p for path in sorted((ROOT / "src" / "corral" / "cli").rglob("*.py"))
             for p in checker.cli_problems(path, ast.parse(path.read_text()))]
    assert found == []
    ran = subprocess.run([sys.executable, str(ROOT / "tools" / "check_layers.py")],
                         capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stdout
