"""The inventories and deploys of a project directory, offered by the server.

By default: a top-level ``*.py`` file whose name has ``inventor`` in it (``inventory.py``,
``inventories/prod.py`` too) is an inventory; every other top-level ``*.py`` file (not
``_private.py``, not ``config.py``, not ``setup.py``) and those under ``deploys/`` are
deploys. A ``corral.toml`` beside them may say otherwise::

    [serve]
    inventories = ["inventory/*.py"]
    deploys = ["site.py", "tasks/*.py"]

Only files found this way can be run from the server: a request naming another path is
refused, so the browser never chooses what Python the server runs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import cast

_NOT_DEPLOYS = {"config.py", "setup.py", "conftest.py", "noxfile.py"}


class ProjectError(ValueError):
    """The project directory or its corral.toml cannot be read (one line)."""


@dataclass(frozen=True)
class Project:
    root: Path
    inventories: tuple[str, ...]
    deploys: tuple[str, ...]


def _globbed(root: Path, patterns: list[str]) -> list[str]:
    found: list[str] = []
    for pattern in patterns:
        for path in sorted(root.glob(pattern)):
            rel = path.resolve().relative_to(root) if path.resolve().is_relative_to(root) \
                else None
            if rel is not None and path.is_file() and str(rel) not in found:
                found.append(str(rel))
    return found


def discover(directory: Path | str) -> Project:
    root = Path(directory).resolve()
    if not root.is_dir():
        raise ProjectError(f"{directory}: no such directory")
    config = root / "corral.toml"
    serve: dict[str, object] = {}
    if config.is_file():
        try:
            serve = tomllib.loads(config.read_text()).get("serve", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ProjectError(f"{config}: {exc}") from None
    inventories = serve.get("inventories")
    deploys = serve.get("deploys")
    for key, value in (("inventories", inventories), ("deploys", deploys)):
        if value is not None and not (isinstance(value, list)
                                      and all(isinstance(v, str) for v in value)):
            raise ProjectError(f"{config}: [serve] {key} is a list of glob patterns")
    top = [p for p in sorted(root.glob("*.py")) if not p.name.startswith("_")]
    if inventories is None:
        found_inv = [p.name for p in top if "inventor" in p.name]
        found_inv += _globbed(root, ["inventories/*.py"])
    else:
        found_inv = _globbed(root, cast(list[str], inventories))
    if deploys is None:
        found_dep = [p.name for p in top
                     if p.name not in _NOT_DEPLOYS and p.name not in found_inv]
        found_dep += _globbed(root, ["deploys/*.py"])
    else:
        found_dep = _globbed(root, cast(list[str], deploys))
    return Project(root, tuple(found_inv), tuple(found_dep))
