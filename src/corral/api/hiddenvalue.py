"""``pyinfra.api.hiddenvalue``: a value shown masked."""

from corral.model.secrets import HiddenValue

__all__ = ["HiddenValue"]
