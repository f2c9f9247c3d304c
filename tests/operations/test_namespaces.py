"""A namespace lives in one place: every built-in operation and fact is defined in the
module or package its name says (or, for operations several namespaces make alike, in a
shared helper under ``corral.operations._util``), and nothing rewrites ``__module__`` to
look defined elsewhere, so "go to definition" lands where the name says."""

from __future__ import annotations

import ast
from pathlib import Path

from corral import catalog
from corral.model.facts import namespace

SRC = Path(catalog.__file__).parent


def _home(module: str, package: str, namespace: str) -> bool:
    home = f"{package}.{namespace}"
    return module == home or module.startswith(f"{home}.")


def test_every_operation_is_defined_in_its_namespace() -> None:
    for listed, op in catalog.operations().items():
        name = op._spec.name  # crontab.crontab is server.crontab
        namespace = name.split(".")[0]
        module = op._inner.__module__
        assert (_home(module, "corral.operations", namespace)
                or module.startswith("corral.operations._util.")), (listed, name, module)
        assert name.rsplit(".", 1)[1] == listed.rsplit(".", 1)[1]


def test_every_fact_is_defined_in_its_namespace() -> None:
    for name, fact in catalog.facts().items():
        assert _home(fact.__module__, "corral.facts", name.split(".")[0]), (name, fact.__module__)


def test_operations_of_a_package_keep_their_namespace_name() -> None:
    names = {op._spec.name for op in catalog.operations().values()}
    assert {"files.put", "files.download", "files.block", "files.json", "server.sysctl",
            "server.crontab", "git.worktree", "iptables.rules_file"} <= names
    assert {"files.FindFiles", "server.Mounts", "server.User"} <= set(catalog.facts())


def test_nothing_rewrites_a_module_name() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets = (node.targets if isinstance(node, ast.Assign)
                       else [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign)
                       else [])
            for target in targets:
                if ((isinstance(target, ast.Name) and target.id == "__module__")
                        or (isinstance(target, ast.Attribute) and target.attr == "__module__")):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []


def test_a_namespace_is_the_public_part_of_a_module_name() -> None:
    assert namespace("corral.operations.files", "corral.operations.") == "files"
    assert namespace("corral.operations.files._edit", "corral.operations.") == "files"
    assert namespace("corral.facts.server._info", "corral.facts.") == "server"
    assert namespace("corral.operations.freebsd.pkg", "corral.operations.") == "freebsd.pkg"
    assert namespace("corral.operations.freebsd.pkg._x", "corral.operations.") == "freebsd.pkg"
    assert namespace("deploys.tasks", "corral.operations.") == "deploys.tasks"
