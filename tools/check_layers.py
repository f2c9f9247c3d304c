"""Check that corral's layers import downward only (docs/architecture.md).

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
}
# third-party libraries that belong to front ends only
FRONT_END_ONLY = {"click", "rich"}


def imported(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = f"corral.{package}" if node.level == 1 else "corral"
                names.append((node.lineno, f"{base}.{node.module or ''}".rstrip(".")))
            elif node.module == "corral":
                names += [(node.lineno, f"corral.{a.name}") for a in node.names]
            elif node.module:
                names.append((node.lineno, node.module))
    return names


def main() -> int:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC)
        package = rel.parts[0] if len(rel.parts) > 1 else ""
        if package not in ALLOWED:
            continue
        tree = ast.parse(path.read_text(), str(path))
        for line, name in imported(tree, package):
            parts = name.split(".")
            if parts[0] in FRONT_END_ONLY:
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
