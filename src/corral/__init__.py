"""corral: agentless configuration management in plain Python.

Deploy scripts use ``from corral import host, inventory, config, state, local`` as
pyinfra's use ``from pyinfra import ...``; ``from corral import secrets`` reads the vault
(docs/vault.md).
"""

import logging

from corral import local
from corral.model.context import config, host, inventory, state
from corral.vault import secrets

__version__ = "0.1.0"

#: corral's logger: ``logger.info(...)`` in deploy code, as pyinfra's ``logger``
logger = logging.getLogger("corral")

#: True while corral's command line runs (set by it), as pyinfra's ``is_cli``
is_cli = False

__all__ = [
    "__version__",
    "config",
    "host",
    "inventory",
    "is_cli",
    "local",
    "logger",
    "secrets",
    "state",
]
