"""The ``@deploy`` decorator (``pyinfra.api.deploy``)."""

from corral.model.operation import deploy

__all__ = ["deploy"]
