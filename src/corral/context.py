"""The objects deploy code runs against (``pyinfra.context``).

``host`` is the host the running deploy code is bound to, ``inventory`` the run's
inventory, ``config`` its settings and ``state`` the run's :class:`~corral.model.state.State`.
Each resolves when used, so importing them at the top of a module is fine.
"""

from corral.model.context import config, host, inventory, state

__all__ = ["config", "host", "inventory", "state"]
