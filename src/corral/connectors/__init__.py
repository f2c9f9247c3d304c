"""Connectors: how corral reaches a host. One module per transport.

A connector is found by its name: ``@chroot`` is the class ``corral.connectors.chroot``
registers when it is imported (:func:`import_connector`). A name with no module is an
unknown connector; a module that is there but does not import (a library it needs is
missing or broken) is reported as that, naming the module that failed, never as unknown.
"""

from __future__ import annotations

import importlib

from corral.model.errors import BadInput


class ConnectorImportError(BadInput):
    """A connector's module is installed but cannot be imported (bad input, exit 4: the
    installation is to be repaired; nothing ran)."""


def import_connector(name: str) -> bool:
    """Import the module of connector ``name`` so that it registers itself: False when
    corral has no such module, :class:`ConnectorImportError` when it has one that fails to
    import."""
    if not name.isidentifier():
        return False
    module = f"{__name__}.{name}"
    try:
        importlib.import_module(module)
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == module:
            return False
        raise ConnectorImportError(import_failure(name, exc)) from None
    return True


def import_failure(name: str, exc: ImportError) -> str:
    """One line saying why connector ``name`` cannot load: the module that is missing."""
    missing = exc.name if isinstance(exc, ModuleNotFoundError) and exc.name else None
    why = f"no module {missing}" if missing else f"{type(exc).__name__}: {exc}"
    return (f"the @{name} connector cannot be loaded: {why} (corral's installation is "
            "incomplete or broken)")


__all__ = ["ConnectorImportError", "import_connector", "import_failure"]
