"""A connector whose library is missing or broken is reported as that (the connector and
the module that failed, exit 4, nothing run), not as an unknown connector."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corral import api
from corral.connectors import ConnectorImportError, import_connector
from corral.connectors.base import connector_class

from ._helpers import env, write

DEPLOY = 'from corral.operations import server\nserver.shell(commands=["touch marker"])\n'


def _corral_with(prelude: str, *args: str, cwd: Path,
                 **extra_env: str) -> subprocess.CompletedProcess[str]:
    """The real command, after ``prelude`` ran in its interpreter."""
    code = f"import sys\n{prelude}\nfrom corral.cli.main import main\nmain()\n"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60, env=env(**extra_env), check=False)


def test_ssh_without_its_library_names_the_missing_module(tmp_path: Path) -> None:
    write(tmp_path / "deploy.py", DEPLOY)
    ran = _corral_with("sys.modules['asyncssh'] = None", "127.0.0.1", "deploy.py", "-y",
                       cwd=tmp_path)
    assert ran.returncode == 4, ran.stderr
    assert "the @ssh connector cannot be loaded: no module asyncssh" in ran.stderr
    assert "unknown connector" not in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1, ran.stderr


def test_ssh_with_a_broken_library_names_what_it_lacks(tmp_path: Path) -> None:
    """asyncssh is found, but importing it fails (a dependency of its is missing): found
    when the host's connector loads, still before anything runs."""
    lib = tmp_path / "lib" / "asyncssh"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text("import corral_no_such_dependency\n")
    write(tmp_path / "deploy.py", DEPLOY)
    ran = _corral_with("", "127.0.0.1", "deploy.py", "-y", cwd=tmp_path,
                       PYTHONPATH=str(tmp_path / "lib"))
    assert ran.returncode == 4, ran.stderr
    assert "@ssh connector cannot be loaded: no module corral_no_such_dependency" in ran.stderr
    assert "host 127.0.0.1" in ran.stderr
    assert "unknown connector" not in ran.stderr


@pytest.fixture
def broken_connector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A connector module ``corral.connectors.brokenlink`` that needs a missing library."""
    import corral.connectors

    (tmp_path / "brokenlink.py").write_text(
        "import corral_no_such_library\n"
        "from corral.connectors.local import LocalConnector\n\n\n"
        "class BrokenLink(LocalConnector):\n    name = 'brokenlink'\n")
    monkeypatch.setattr(corral.connectors, "__path__",
                        [*corral.connectors.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "corral.connectors.brokenlink", raising=False)
    return "brokenlink"


def test_a_connector_module_that_fails_to_import_is_not_unknown(broken_connector: str,
                                                                 tmp_path: Path) -> None:
    with pytest.raises(ConnectorImportError, match="no module corral_no_such_library"):
        import_connector(broken_connector)
    with pytest.raises(ConnectorImportError, match=f"@{broken_connector} connector"):
        connector_class(broken_connector)
    inventory = write(tmp_path / "inventory.py", f'web = [\n    "@{broken_connector}",\n]\n')
    with pytest.raises(api.BadInput) as info:
        api.load_inventory(str(inventory))
    assert info.value.host == f"@{broken_connector}"
    assert info.value.line == 2
    assert "no module corral_no_such_library" in info.value.message
    assert "unknown" not in info.value.message


def test_an_unknown_connector_is_still_unknown() -> None:
    assert import_connector("corralnosuchconnector") is False
    with pytest.raises(api.BadInput, match=r"unknown connector @corralnosuchconnector"):
        connector_class("corralnosuchconnector")
