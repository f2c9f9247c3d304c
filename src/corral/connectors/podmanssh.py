"""``@podmanssh/HOST:IMAGE``: found by its name (a connector's module is named after it);
the connector is :class:`corral.connectors.dockerssh.PodmanSSHConnector`, where pyinfra has
it."""

from __future__ import annotations

from .dockerssh import PodmanSSHConnector

__all__ = ["PodmanSSHConnector"]
