"""The ``@operation`` decorator and what an operation call returns
(``pyinfra.api.operation``)."""

from corral.model.operation import operation
from corral.model.results import OperationMeta

__all__ = ["OperationMeta", "operation"]
