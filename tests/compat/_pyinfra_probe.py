"""Run by pyinfra 3.10's own interpreter (never imported by corral's code, and importing
nothing of corral): what pyinfra has, read from its installed package.

    python _pyinfra_probe.py names          # {"operations": [...], "facts": [...]}
    python _pyinfra_probe.py facts < SPEC   # read facts from one host, as JSON

SPEC is ``{"host": NAME, "data": {ssh_* keys}, "facts": {"server.Os": {kwargs}, ...}}``;
the answer is ``{"server.Os": {"value": ...} | {"error": "..."}, ...}`` with every value
made plain by ``plain`` below (the corral side of the parity test uses the same function,
so the two tools' values meet in one JSON shape).

An operation is what pyinfra's ``@operation`` made (it has ``_inner``), named by its module
under ``pyinfra.operations`` (``files.put``, ``freebsd.pkg.install``). A fact is a
``FactBase``/``ShortFactBase`` subclass defined in a module under ``pyinfra.facts``, named
as pyinfra names it (``server.Os``), except the classes that exist only to be subclassed:
those that say ``abstract = True`` themselves, and the bases named ``*Base``/``*Mixin``
(``files.HashFileFactBase``, ``git.GitFactBase``, ``docker.DockerSingleMixin``), which have
no command of their own to run.
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import inspect
import json
import pkgutil
import sys
from collections.abc import Iterator
from typing import Any


def _modules(package_name: str) -> Iterator[tuple[str, Any]]:
    package = importlib.import_module(package_name)
    for info in pkgutil.walk_packages(package.__path__, package_name + "."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        yield info.name[len(package_name) + 1:], importlib.import_module(info.name)


def _is_fact_class(value: Any, module: Any) -> bool:
    from pyinfra.api.facts import FactBase, ShortFactBase

    return (inspect.isclass(value) and issubclass(value, FactBase | ShortFactBase)
            and value not in (FactBase, ShortFactBase) and value.__module__ == module.__name__
            and not value.__dict__.get("abstract")
            and not value.__name__.endswith(("Base", "Mixin")))


def names() -> dict[str, list[str]]:
    operations, facts = [], []
    for short, module in _modules("pyinfra.operations"):
        for attr, value in vars(module).items():
            if (not attr.startswith("_") and callable(value) and hasattr(value, "_inner")
                    and not inspect.isclass(value)
                    and getattr(value, "__module__", None) == module.__name__):
                operations.append(f"{short}.{attr}")
    for short, module in _modules("pyinfra.facts"):
        facts.extend(f"{short}.{attr}" for attr, value in vars(module).items()
                     if not attr.startswith("_") and _is_fact_class(value, module))
    return {"operations": sorted(operations), "facts": sorted(facts)}


def plain(value: Any) -> Any:
    """A fact's value as JSON: tuples become lists (JSON has no tuple); a set becomes
    ``{"set": [sorted members]}`` so a set never equals a list; a datetime its ISO text; a
    dataclass its fields; a crontab its entries and its text; anything else unknown
    ``{"type": NAME, "repr": ...}``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, set | frozenset):
        members = [plain(item) for item in value]
        return {"set": sorted(members, key=lambda m: json.dumps(m, sort_keys=True))}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(dataclasses.asdict(value))
    if type(value).__name__ == "CrontabFile":  # crontab.Crontab's value, in both tools
        return {"commands": plain(value.commands), "text": str(value)}
    return {"type": type(value).__name__, "repr": repr(value)}


def read_facts(spec: dict[str, Any]) -> dict[str, Any]:
    import logging

    from pyinfra.api import Config, Inventory, State
    from pyinfra.api.connect import connect_all
    from pyinfra.context import ctx_config, ctx_host, ctx_inventory, ctx_state

    logging.disable(logging.WARNING)  # a missing command is a warning; the value is kept
    inventory = Inventory(([(spec["host"], spec["data"])], {}))
    state = State(inventory, Config())
    connect_all(state)
    host = inventory.get_host(spec["host"])
    if not host.connected:
        raise SystemExit(f"pyinfra could not connect to {spec['host']}")
    # as during a deploy: some facts' commands read another fact of ``pyinfra.host``
    ctx_state.set(state)
    ctx_inventory.set(inventory)
    ctx_config.set(state.config)
    ctx_host.set(host)
    found: dict[str, Any] = {}
    for name, kwargs in spec["facts"].items():
        module_name, _, class_name = name.rpartition(".")
        cls = getattr(importlib.import_module(f"pyinfra.facts.{module_name}"), class_name)
        try:
            found[name] = {"value": plain(host.get_fact(cls, **kwargs))}
        except Exception as exc:  # recorded: the test says which fact pyinfra could not read
            found[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return found


if __name__ == "__main__":
    if sys.argv[1:] == ["names"]:
        json.dump(names(), sys.stdout)
    elif sys.argv[1:] == ["facts"]:
        json.dump(read_facts(json.load(sys.stdin)), sys.stdout)
    else:
        raise SystemExit(__doc__)
