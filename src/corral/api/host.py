"""Hosts and their data (``pyinfra.api.host``)."""

from corral.model.host import Host, HostData

__all__ = ["Host", "HostData"]
