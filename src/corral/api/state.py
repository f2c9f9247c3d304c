"""The run's state as deploy code reads it (``pyinfra.api.state``)."""

from corral.model.state import State

__all__ = ["State"]
