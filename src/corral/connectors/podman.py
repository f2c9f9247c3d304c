"""``@podman/ID``: found by its name (a connector's module is named after it); the
connector is :class:`corral.connectors.docker.PodmanConnector`, where pyinfra has it."""

from __future__ import annotations

from .docker import PodmanConnector

__all__ = ["PodmanConnector"]
