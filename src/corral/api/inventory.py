"""The inventory (``pyinfra.api.inventory``)."""

from corral.model.inventory import Inventory

__all__ = ["Inventory"]
