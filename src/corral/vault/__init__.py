"""corral's vault: secrets kept encrypted in a file beside the deploy (docs/vault.md).

This package imports only :mod:`corral.model` of corral's (tools/check_layers.py); the
cryptography is imported when a vault is first opened, not when corral is imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .lazy import Secrets, on_read, secrets

if TYPE_CHECKING:
    from .store import Keys, Vault, VaultError, configure, default_path

_LAZY = {"Keys", "Vault", "VaultError", "configure", "default_path"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Keys", "Secrets", "Vault", "VaultError", "configure", "default_path", "on_read",
           "secrets"]
