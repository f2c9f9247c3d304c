"""uv.* facts on real uv 0.13.9 output (the uv wheel, data/capture_packages_more.py)."""

from __future__ import annotations

import pytest

from corral.facts import uv
from corral.model.errors import FactParseError

from .._pkg_data import captured


def test_pip_packages() -> None:
    assert captured("uv_pip_packages", uv.UvPipPackages) == {"corral-demo": {"1.0"}}


def test_tools() -> None:
    assert captured("uv_tools", uv.UvTools) == {"corral-demo": {"1.0"}}
    assert uv.UvTools().process([]) == {}


def test_dirs_and_version() -> None:
    assert captured("uv_python_dir", uv.UvPythonDir).endswith("/.local/share/uv/python")
    assert captured("uv_tool_dir", uv.UvToolDir).endswith("/.local/share/uv/tools")
    assert captured("uv_version", uv.UvVersion).startswith("uv 0.13.9")


def test_pythons() -> None:
    assert captured("uv_installed_managed", uv.UvInstalledPythonsByVersion) == {}
    found = captured("uv_installed_all", uv.UvInstalledPythonsByImplementation)
    # Debian's python3.11, found at several paths: one key, one version
    assert found["cpython-3.11.2-linux-x86_64-gnu"] == {"3.11.2"}
    by_version = uv.UvInstalledPythonsByVersion()
    text = ('[{"key":"cpython-3.13.4-linux-x86_64-gnu","version":"3.13.4"},'
            '{"key":"cpython-3.13.4+freethreaded-linux-x86_64-gnu","version":"3.13.4"}]')
    assert by_version.process([text]) == {"3.13.4": {
        "cpython-3.13.4-linux-x86_64-gnu", "cpython-3.13.4+freethreaded-linux-x86_64-gnu"}}


def test_commands() -> None:
    assert uv.UvAvailablePythonsByVersion().command(is_managed=False) == (
        "uv python list   --output-format=json")
    assert uv.UvInstalledPythonsByVersion().command() == (
        "uv python list --managed-python --only-installed --output-format=json")
    # the login-shell PATH check is shared with pipx (``BinDirInLoginPath``), pipx's
    # command pinned by its captured output; this one to the byte here
    assert uv.UvToolBinDirInPath().command() == (
        "d=$(uv tool dir --bin 2>/dev/null) && [ -n \"$d\" ] && "
        "p=$(\"${SHELL:-sh}\" -l -i -c 'printf %s \"$PATH\"' 2>/dev/null </dev/null) && "
        'case ":$p:" in *":$d:"*) echo yes;; *) echo no;; esac')


@pytest.mark.parametrize("output", [["not json"], ['{"a": 1}'], ['[{"name": 1}]']])
def test_unexpected_output_fails(output: list[str]) -> None:
    with pytest.raises(FactParseError):
        uv.UvPipPackages().process(output)


def test_unexpected_tool_line_fails() -> None:
    with pytest.raises(FactParseError):
        uv.UvTools().process(["something else"])
