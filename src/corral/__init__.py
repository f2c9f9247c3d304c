"""corral: agentless configuration management in plain Python.

Deploy scripts use ``from corral import host, inventory, config`` as pyinfra's use
``from pyinfra import host, inventory, config``.
"""

from corral.model.context import config, host, inventory

__version__ = "0.1.0"

__all__ = ["__version__", "config", "host", "inventory"]
