"""The catalog finds operations in a namespace's public submodules, named as pyinfra names
them (``pyinfra.operations.freebsd.pkg.install`` is ``freebsd.pkg.install``)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import corral.operations
from corral import catalog

_OPERATION = '''
def install(packages=None):
    """Install."""
install.is_corral_operation = True
'''


def test_operations_of_a_package_submodule_are_named_by_their_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "zzcatalogtest"
    (package / "_private").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "pkg.py").write_text(_OPERATION)
    (package / "_private" / "__init__.py").write_text("")
    (package / "_private" / "hidden.py").write_text(_OPERATION)
    monkeypatch.setattr(corral.operations, "__path__", [*corral.operations.__path__,
                                                        str(tmp_path)])
    try:
        found = catalog.operations()
    finally:
        for name in [n for n in sys.modules if n.startswith("corral.operations.zzcatalog")]:
            del sys.modules[name]
    ours = sorted(n for n in found if n.startswith("zzcatalogtest"))
    assert ours == ["zzcatalogtest.pkg.install"]
    assert "files.put" in found and "server.shell" in found
