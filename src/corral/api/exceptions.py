"""Exceptions, by pyinfra's names (``pyinfra.api.exceptions``) and corral's.

``PyinfraError`` is :class:`~corral.model.errors.CorralError`: ``except PyinfraError``
catches every error corral raises on purpose.
"""

from corral.model.errors import (
    ArgumentTypeError,
    BadInput,
    ConnectError,
    ConnectorDataTypeError,
    CorralError,
    DeployError,
    FactError,
    FactNotCollected,
    FactPreconditionError,
    FactProcessError,
    FactTypeError,
    FactValueError,
    InventoryError,
    MissingCommandError,
    NestedOperationError,
    NoConnectorError,
    NoGroupError,
    NoHostError,
    OperationError,
    OperationTypeError,
    OperationValueError,
    PyinfraError,
)

__all__ = [
    "ArgumentTypeError",
    "BadInput",
    "ConnectError",
    "ConnectorDataTypeError",
    "CorralError",
    "DeployError",
    "FactError",
    "FactNotCollected",
    "FactPreconditionError",
    "FactProcessError",
    "FactTypeError",
    "FactValueError",
    "InventoryError",
    "MissingCommandError",
    "NestedOperationError",
    "NoConnectorError",
    "NoGroupError",
    "NoHostError",
    "OperationError",
    "OperationTypeError",
    "OperationValueError",
    "PyinfraError",
]
