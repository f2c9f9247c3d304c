"""pip.* as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import File
from corral.facts.pip import PipPackages
from corral.model.errors import OperationValueError
from corral.operations import pip
from corral.operations._util.python import satisfies
from corral.testing.optest import fact, plan

EXISTS = {"user": "root", "group": "root", "mode": 0o644, "size": 1, "atime": None,
          "mtime": None, "ctime": None}
INSTALLED = {"Flask": {"3.0.0"}, "typing_extensions": {"4.9.0"}, "pip": {"23.0.1"}}
VENV = "/srv/venv"
VPIP = "/srv/venv/bin/pip"


def facts(pip_cmd: str = "pip", venv: bool | None = None) -> dict[Any, Any]:
    table: dict[Any, Any] = {fact(PipPackages, pip=pip_cmd): INSTALLED}
    if venv is not None:
        table[fact(File, path=f"{VENV}/bin/activate")] = EXISTS if venv else None
    return table


PACKAGE_CASES = [
    pytest.param({"packages": ["flask", "Typing-Extensions"]}, facts(), [], id="names as pip"),
    pytest.param({"packages": ["flask==3.0.0", "flask>=2", "flask~=3.0"]}, facts(), [],
                 id="satisfied specifiers"),
    pytest.param({"packages": ["requests"], "present": False}, facts(), [], id="absent"),
    pytest.param({"packages": ["flask", "requests[socks]"]}, facts(),
                 ["pip install 'requests[socks]'"], id="install"),
    pytest.param({"packages": ["flask>=3.1"]}, facts(), ["pip install 'flask>=3.1'"],
                 id="unsatisfied specifier"),
    pytest.param({"packages": ["flask"], "present": False}, facts(),
                 ["pip uninstall --yes flask"], id="remove"),
    pytest.param({"packages": ["flask"], "latest": True}, facts(),
                 ["pip install --upgrade flask"], id="latest"),
    pytest.param({"packages": ["demo"], "pip": "pip3",
                  "extra_install_args": "--no-index --find-links /srv/wheels"}, facts("pip3"),
                 ["pip3 install --no-index --find-links /srv/wheels demo"], id="offline"),
    pytest.param({"packages": ["flask"], "virtualenv": VENV}, facts(VPIP, venv=True), [],
                 id="in an existing virtualenv"),
    pytest.param({"packages": ["demo"], "virtualenv": VENV,
                  "virtualenv_kwargs": {"venv": True, "python": "python3"}},
                 facts(VPIP, venv=False),
                 ["python3 -m venv /srv/venv", f"{VPIP} install demo"], id="new virtualenv"),
    pytest.param({"requirements": "/srv/req.txt"}, {}, ["pip install -r /srv/req.txt"],
                 id="requirements"),
    pytest.param({"requirements": "/srv/req.txt", "present": False}, {},
                 ["pip uninstall --yes -r /srv/req.txt"], id="requirements removed"),
    pytest.param({"packages": "demo @ file:///srv/demo.whl"}, facts(),
                 ["pip install file:///srv/demo.whl"], id="url"),
]


@pytest.mark.parametrize(("args", "table", "expected"), PACKAGE_CASES)
def test_packages(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(pip.packages, facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize("spec", ["flask>=1,<2", "-e .", "flask ==", "flask; python<3"])
def test_packages_rejects(spec: str) -> None:
    with pytest.raises(OperationValueError):
        plan(pip.packages, facts=facts(), packages=[spec])


@pytest.mark.parametrize(("args", "exists", "expected"), [
    ({"path": VENV}, True, []),
    ({"path": VENV, "present": False}, False, []),
    ({"path": VENV}, False, ["virtualenv /srv/venv"]),
    ({"path": VENV, "python": "python3.11", "site_packages": True, "always_copy": True},
     False, ["virtualenv -p python3.11 --system-site-packages --always-copy /srv/venv"]),
    ({"path": VENV, "venv": True, "always_copy": True}, False,
     ["python3 -m venv --copies /srv/venv"]),
])
def test_virtualenv(args: dict[str, Any], exists: bool, expected: list[str]) -> None:
    table = {fact(File, path=f"{VENV}/bin/activate"): EXISTS if exists else None}
    assert plan(pip.virtualenv, facts=table, **args).shell == expected


def test_venv_and_removal() -> None:
    table: dict[Any, Any] = {fact(File, path=f"{VENV}/bin/activate"): None}
    assert plan(pip.venv, facts=table, path=VENV).shell == ["python3 -m venv /srv/venv"]
    from corral.facts.files import Directory

    table = {fact(File, path=f"{VENV}/bin/activate"): EXISTS,
             fact(Directory, path=VENV): dict(EXISTS, mode=0o755)}
    assert plan(pip.virtualenv, facts=table, path=VENV, present=False).shell == [
        "rm -rf /srv/venv"]


@pytest.mark.parametrize(("have", "op", "version", "ok"), [
    ("1.2.3", ">=", "1.2", True), ("1.2.3", "<", "1.2", False), ("1.2", "==", "1.2.0", True),
    ("1.4", "~=", "1.2", True), ("2.0", "~=", "1.2", False), ("1.2.9", "==", "1.2.*", True),
    ("1.0rc1", ">=", "0.9", False), ("1.0", "!=", "1.0", False),
])
def test_satisfies(have: str, op: str, version: str, ok: bool) -> None:
    assert satisfies([have], op, version) is ok
