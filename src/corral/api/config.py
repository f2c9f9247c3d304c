"""The run's settings (``pyinfra.api.config``)."""

from corral.model.config import Config

__all__ = ["Config"]
