"""corral: agentless configuration management in plain Python.

Deploy scripts use ``from corral import host, inventory, config`` as pyinfra's use
``from pyinfra import host, inventory, config``; ``from corral import secrets`` reads the
vault (docs/vault.md).
"""

from corral.model.context import config, host, inventory
from corral.vault import secrets

__version__ = "0.1.0"

__all__ = ["__version__", "config", "host", "inventory", "secrets"]
