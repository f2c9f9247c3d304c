"""Every built-in operation and fact, found by importing the batteries' modules.

The CLI's ``--list-ops``/``--list-facts`` and the generated reference pages in
``docs/reference/`` read this, so neither can drift from the code.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import corral.facts
import corral.operations
from corral.model.facts import FactBase


def _modules(package: Any) -> list[Any]:
    """The public modules under ``package``, a public package's public modules included
    (pyinfra has ``operations.freebsd.pkg``: its operations are ``freebsd.pkg.install``)."""
    return [
        importlib.import_module(m.name)
        for m in sorted(pkgutil.walk_packages(package.__path__, f"{package.__name__}."),
                        key=lambda m: m.name)
        if not any(part.startswith("_") for part in m.name.split("."))
    ]


def _defined_in(obj: Any, module: Any) -> bool:
    """Whether ``obj`` is defined in ``module`` or, for a package, in one of its private
    modules (``corral.operations.files._edit`` belongs to ``files``), not imported there
    from another namespace (nor from a public submodule, listed under its own name)."""
    defined_in: str = obj.__module__
    return defined_in == module.__name__ or defined_in.startswith(f"{module.__name__}._")


def operations() -> dict[str, Any]:
    """``{"files.put": <operation>, ...}``, sorted by name."""
    found: dict[str, Any] = {}
    for module in _modules(corral.operations):
        short = module.__name__[len(corral.operations.__name__) + 1:]
        for name, obj in vars(module).items():
            exported = name in getattr(module, "__all__", ())
            if (inspect.isfunction(obj) and getattr(obj, "is_corral_operation", False)
                    and (_defined_in(obj, module) or exported)):
                found[f"{short}.{name}"] = obj
    return dict(sorted(found.items()))


def facts() -> dict[str, type[FactBase[Any]]]:
    """``{"server.Os": <fact class>, ...}``, sorted by name."""
    found: dict[str, type[FactBase[Any]]] = {}
    for module in _modules(corral.facts):
        for _name, obj in vars(module).items():
            if (isinstance(obj, type) and issubclass(obj, FactBase) and obj.name
                    and _defined_in(obj, module) and not obj.__dict__.get("abstract")):
                found[obj.name] = obj
    return dict(sorted(found.items()))


def summary(obj: Any) -> str:
    """The first line of a docstring."""
    doc = inspect.getdoc(obj) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _signature(func: Any) -> inspect.Signature:
    try:
        return inspect.signature(func, eval_str=True)
    except Exception:
        return inspect.signature(func)


def signature(obj: Any) -> str:
    """An operation's or fact's arguments as written in a call."""
    func = getattr(obj, "_inner", None)
    if func is None and isinstance(obj, type) and issubclass(obj, FactBase):
        sig = _signature(obj.command)
        params = [p for n, p in sig.parameters.items() if n != "self"]
        sig = sig.replace(parameters=params)
    else:
        sig = _signature(func or obj)
    return str(sig.replace(return_annotation=inspect.Signature.empty)).replace("typing.", "")
