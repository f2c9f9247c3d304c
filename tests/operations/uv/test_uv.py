"""uv.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corral.facts.files import File
from corral.facts.uv import UvInstalledPythonsByVersion, UvPipPackages, UvToolBinDirInPath, UvTools
from corral.model.errors import OperationValueError
from corral.operations import uv
from corral.testing.optest import fact, plan

PIP = {fact(UvPipPackages): {"requests": {"2.32.5"}, "Flask": {"3.0.0"}}}
PYTHONS = {"3.13.4": {"cpython-3.13.4-linux-x86_64-gnu"}}
INFO = {"mode": 0o644}


def pythons(managed: bool = True) -> dict[Any, Any]:
    return {fact(UvInstalledPythonsByVersion, is_managed=managed): PYTHONS}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["requests"]}, []),
    ({"packages": ["flask==3.0.0"]}, []),
    ({"packages": ["httpx"], "present": False}, []),
    ({"packages": ["requests", "httpx"]}, ["uv pip install --no-progress httpx"]),
    ({"packages": "requests==2.0"}, ["uv pip install --no-progress requests==2.0"]),
    ({"packages": ["requests"], "present": False},
     ["uv pip uninstall --no-progress requests"]),
    ({"packages": ["requests"], "latest": True},
     ["uv pip install --upgrade --no-progress requests"]),
    ({"packages": ["httpx"], "extra_args": "--index-url 'https://x/simple' --offline"},
     ["uv pip install --no-progress --index-url https://x/simple --offline httpx"]),
    ({"packages": ["httpx"], "extra_args": ["--python", "/srv/app venv/bin/python"]},
     ["uv pip install --no-progress --python '/srv/app venv/bin/python' httpx"]),
    ({"requirements": "/srv/app/requirements.txt"},
     ["uv pip install --no-progress -r /srv/app/requirements.txt"]),
    ({"requirements": "/srv/r.txt", "latest": True},
     ["uv pip install --upgrade --no-progress -r /srv/r.txt"]),
    ({"requirements": "/srv/r.txt", "present": False},
     ["uv pip uninstall --no-progress -r /srv/r.txt"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(uv.packages, facts=PIP, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_packages_nothing_given() -> None:
    result = plan(uv.packages)
    assert result.shell == [] and result.notes


@pytest.mark.parametrize(("args", "expected"), [
    ({"versions": "3.13"}, []),
    ({"versions": ["3.13.4"]}, []),
    ({"versions": ["cpython-3.13.4-linux-x86_64-gnu"]}, []),
    ({"versions": ["3.12"], "present": False}, []),
    ({"versions": ["3.14", "3.13"]}, ["uv python install --no-progress --managed-python 3.14"]),
    ({"versions": ["3.1"]}, ["uv python install --no-progress --managed-python 3.1"]),
    ({"versions": "3.13", "present": False},
     ["uv python uninstall --no-progress --managed-python 3.13"]),
])
def test_pythons(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(uv.pythons, facts=pythons(), **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_pythons_unmanaged_reads_every_python() -> None:
    result = plan(uv.pythons, versions="3.12", managed=False, facts=pythons(False))
    assert result.shell == ["uv python install --no-progress 3.12"]


def test_pythons_refuses_an_option() -> None:
    with pytest.raises(OperationValueError):
        plan(uv.pythons, versions="--help", facts=pythons())


TOOLS = {fact(UvTools): {"corral-demo": {"1.0"}}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"tools": "corral_demo"}, []),
    ({"tools": ["corral-demo==1.0"]}, []),
    ({"tools": ["ruff"], "present": False}, []),
    ({"tools": ["ruff", "black"]},
     ["uv tool install --no-progress ruff", "uv tool install --no-progress black"]),
    ({"tools": ["corral-demo==2.0"]}, ["uv tool install --no-progress corral-demo==2.0"]),
    ({"tools": ["corral-demo"], "latest": True},
     ["uv tool install --upgrade --no-progress corral-demo"]),
    ({"tools": ["corral-demo"], "present": False},
     ["uv tool uninstall --no-progress corral-demo"]),
])
def test_tools(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(uv.tools, facts=TOOLS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_tools_upgrade_all_and_update_shell() -> None:
    assert plan(uv.tools_upgrade_all).shell == ["uv tool upgrade --all"]
    assert plan(uv.tools_upgrade_all, extra_args=["--python", "3.12"]).shell == [
        "uv tool upgrade --all --python 3.12"]
    assert plan(uv.tools_update_shell, facts={fact(UvToolBinDirInPath): True}).shell == []
    assert plan(uv.tools_update_shell, facts={fact(UvToolBinDirInPath): False}).shell == [
        "uv tool update-shell"]


def venv_facts(exists: bool, path: str = "/srv/app/.venv") -> dict[Any, Any]:
    return {fact(File, path=f"{path}/bin/activate"): INFO if exists else None}


@pytest.mark.parametrize(("args", "exists", "expected"), [
    ({}, True, []),
    ({"present": False}, False, []),
    ({}, False, ["uv venv -- /srv/app/.venv"]),
    ({"python": "3.12", "seed": True, "site_packages": True, "link_mode": "copy"}, False,
     ["uv venv --seed --link-mode copy --system-site-packages --python 3.12 -- "
      "/srv/app/.venv"]),
    ({"allow_existing": True, "extra_args": "--prompt 'my app'"}, False,
     ["uv venv --allow-existing --prompt 'my app' -- /srv/app/.venv"]),
    ({"clear_existing": True}, False, ["uv venv --clear -- /srv/app/.venv"]),
])
def test_venv(args: dict[str, Any], exists: bool, expected: list[str]) -> None:
    result = plan(uv.venv, path="/srv/app/.venv", facts=venv_facts(exists), **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_venv_removed_with_its_directory() -> None:
    from corral.facts.files import Directory

    facts = {**venv_facts(True), fact(Directory, path="/srv/app/.venv"): {"mode": 0o755}}
    result = plan(uv.venv, path="/srv/app/.venv", present=False, facts=facts)
    assert result.shell == ["rm -rf /srv/app/.venv"]


@pytest.mark.parametrize("args", [
    {"path": " "},
    {"path": "/v", "allow_existing": True, "clear_existing": True},
    {"path": "/v", "link_mode": "reflink"},
    {"path": "/v", "python": "--help"},
    {"path": "/v", "extra_args": "--prompt 'unbalanced"},
])
def test_venv_bad_input(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(uv.venv, facts=venv_facts(False, args["path"].rstrip("/")), **args)


@given(st.text(min_size=1).filter(lambda t: "\0" not in t))
def test_extra_args_reach_uv_as_words(text: str) -> None:
    """Whatever the string, every word of it is one quoted argument: nothing of it is
    shell syntax (split back with shlex, the command's words are uv's, then the words)."""
    import shlex

    try:
        words = shlex.split(text)
    except ValueError:
        with pytest.raises(OperationValueError):
            plan(uv.tools_upgrade_all, extra_args=text)
        return
    command = plan(uv.tools_upgrade_all, extra_args=text).shell[0]
    assert shlex.split(command) == ["uv", "tool", "upgrade", "--all", *words]
    listed = plan(uv.tools_upgrade_all, extra_args=[text]).shell[0]
    assert shlex.split(listed) == ["uv", "tool", "upgrade", "--all", text]
