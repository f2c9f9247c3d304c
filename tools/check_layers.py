"""Check that corral's layers import downward only (docs/architecture.md), and that the
command line is a client of the public API.

    python tools/check_layers.py        # exit 1 and one line per violation
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "corral"

# what each package may import from corral; front ends (cli, api, testing) may import all
ALLOWED: dict[str, set[str]] = {
    "model": {"model"},
    "facts": {"model", "facts"},
    "connectors": {"model", "connectors"},
    "operations": {"model", "facts", "operations"},
    "engine": {"model", "facts", "operations", "connectors", "engine"},
    "vault": {"model", "vault"},
    # the run history: a front end reading the engine's events and results (model types)
    "history": {"model", "history"},
    # the web server (corral serve): a client of the public API and of the history
    "server": {"api", "history", "server"},
}
# packages that are front ends themselves: they may use the front ends' libraries
FRONT_ENDS = {"server"}
# nothing imports the server but the command line, and only through its entry point
SERVER_ENTRY = "corral.server.command"
# third-party libraries that belong to front ends only
FRONT_END_ONLY = {"click", "rich"}
# what the command line may import of corral: the public API, the vault's and the history's
# (docs/api.md, docs/vault.md, docs/history.md), the catalog of operations and facts,
# itself, and the names ``corral`` exports to deploys (its ``__all__``); never a name or
# module with a leading underscore
CLI_MAY_IMPORT = {"api", "catalog", "vault", "history", "cli"}


def server_problems(path: Path, tree: ast.AST, package: str) -> list[str]:
    """Only the command line imports corral.server, and only its entry point."""
    problems = []
    for line, name in imported(tree, package):
        if package == "server" or not (name == "corral.server"
                                       or name.startswith("corral.server.")):
            continue
        if package != "cli" or name != SERVER_ENTRY:
            problems.append(f"{path}:{line}: {package or 'corral'} imports {name} (nothing "
                            f"imports the server; the command line runs {SERVER_ENTRY})")
    return problems


def top_level_names() -> set[str]:
    """The names ``corral/__init__.py`` lists in ``__all__``."""
    tree = ast.parse((SRC / "__init__.py").read_text())
    for node in ast.walk(tree):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.List)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)):
            return {e.value for e in node.value.elts
                    if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return set()


def _imports(tree: ast.AST, package: str) -> list[tuple[int, str, list[str] | None]]:
    """``(line, module, names)`` of every import (``names`` None for ``import module``),
    relative imports made absolute."""
    found: list[tuple[int, str, list[str] | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = f"corral.{package}" if node.level == 1 else "corral"
                module = f"{base}.{module}".rstrip(".")
            found.append((node.lineno, module, [a.name for a in node.names]))
    return found


def imported(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """The modules imported (``from corral import x``: ``corral.x``)."""
    modules: list[tuple[int, str]] = []
    for line, module, names in _imports(tree, package):
        if module == "corral" and names:
            modules += [(line, f"corral.{name}") for name in names]
        elif module:
            modules.append((line, module))
    return modules


def imported_names(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """Every ``module.name`` a ``from ... import`` of corral takes (``import corral.x`` as
    ``corral.x``)."""
    found = [(line, module) if names is None else (line, f"{module}.{name}")
             for line, module, names in _imports(tree, package) for name in names or [""]]
    return [(line, name) for line, name in found if name.split(".")[0] == "corral"]


def _private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def cli_problems(path: Path, tree: ast.AST) -> list[str]:
    """The command line imports corral's public surface only."""
    problems = []
    allowed = CLI_MAY_IMPORT | top_level_names()
    for line, name in imported_names(tree, "cli"):
        parts = name.split(".")
        target = parts[1] if len(parts) > 1 else "api"  # ``import corral``: its names
        if name.startswith(SERVER_ENTRY + ".") or name == SERVER_ENTRY:
            continue  # ``corral serve``: the server's entry point (server_problems)
        if target not in allowed:
            problems.append(f"{path}:{line}: the command line imports {name} "
                            "(a client of corral.api only)")
        elif target != "cli" and any(_private(p) for p in parts):
            problems.append(f"{path}:{line}: the command line imports the private {name}")
    return problems


def main() -> int:
    problems = []
    for path in sorted((SRC / "cli").rglob("*.py")):
        problems += cli_problems(path, ast.parse(path.read_text(), str(path)))
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        package = rel.parts[0] if len(rel.parts) > 1 else ""
        tree = ast.parse(path.read_text(), str(path))
        problems += server_problems(path, tree, package)
        if package not in ALLOWED:
            continue
        for line, name in imported(tree, package):
            parts = name.split(".")
            if parts[0] in FRONT_END_ONLY and package not in FRONT_ENDS:
                problems.append(f"{path}:{line}: layer {package} imports {name} (front ends only)")
            if parts[0] != "corral":
                continue
            target = parts[1] if len(parts) > 1 else ""
            if target not in ALLOWED[package]:
                problems.append(f"{path}:{line}: layer {package} imports corral.{target}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
