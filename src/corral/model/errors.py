"""The project's exceptions and their exit codes.

pyinfra's exception names are here too, as corral classes: ``PyinfraError`` is
:class:`CorralError` itself, so ``except PyinfraError`` in a deploy catches every error
corral raises on purpose, and each other name keeps pyinfra's bases (``NoHostError`` is a
``KeyError``, ``FactTypeError`` a ``TypeError``...). Errors pyinfra raises for input that
cannot run (an inventory, a connector, an argument type) are :class:`BadInput` here: one
line, exit 4, nothing changed.
"""

from __future__ import annotations

import errno
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_PENDING = 2
EXIT_UNREACHABLE = 3
EXIT_BAD_INPUT = 4
EXIT_INTERRUPTED = 130
#: SIGTERM: handled as Ctrl-C (SIGINT), with the shell's code for death by SIGTERM
EXIT_TERMINATED = 143


class CorralError(Exception):
    """Base class of every error corral raises on purpose."""

    exit_code = EXIT_FAILED


class BadInput(CorralError):
    """Input that cannot run: a deploy, inventory, argument, template or fact that is wrong.

    Rendered as one line: ``file:line: host: operation: message``.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        host: str | None = None,
        operation: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.host = host
        self.operation = operation

    def with_context(
        self,
        *,
        file: str | None = None,
        line: int | None = None,
        host: str | None = None,
        operation: str | None = None,
    ) -> BadInput:
        """Fill in context that is still missing; keeps what is already known."""
        if self.file is None and file is not None:
            self.file, self.line = file, line
        self.host = self.host or host
        self.operation = self.operation or operation
        return self

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(f"{self.file}:{self.line}" if self.line else self.file)
        if self.host:
            parts.append(f"host {self.host}")
        if self.operation:
            parts.append(self.operation)
        parts.append(self.message)
        return ": ".join(parts)


#: pyinfra's name for the base of every error it raises on purpose
PyinfraError = CorralError


class DeployError(CorralError):
    """Raised by deploy code that cannot go on for its host: the host fails (exit 1)."""


class InventoryError(BadInput):
    """An inventory that cannot be read."""


class NoConnectorError(BadInput, ValueError):
    """A host names a connector corral does not have."""


class ConnectorDataTypeError(BadInput, TypeError):
    """Host data a connector reads has the wrong type."""


class ArgumentTypeError(BadInput, TypeError):
    """A global argument has the wrong type."""


class NoHostError(CorralError, KeyError):
    """``inventory.get_host(name)`` for a host the inventory does not have."""

    def __str__(self) -> str:  # a KeyError would quote its message
        return str(self.args[0]) if self.args else ""


class NoGroupError(CorralError, KeyError):
    """``inventory.get_group(name)`` for a group the inventory does not have."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class LocalFileMissing(BadInput, FileNotFoundError):
    """A local file or directory a deploy names (``files.put(src=...)``, a template, a
    script) does not exist. Bad input like any other (one line, exit 4) when nothing
    catches it; an ``OSError`` as well, so deploy code written for pyinfra that wraps the
    call in ``try: ... except IOError:`` catches it, as pyinfra raises ``OSError`` there."""

    def __init__(self, message: str, path: str, **context: Any) -> None:
        super().__init__(message, **context)
        self.errno = errno.ENOENT
        self.strerror = "No such file or directory"
        self.filename = path


class OperationError(CorralError):
    """Raised by an operation when its arguments or the host's state make it impossible."""


class OperationValueError(OperationError, ValueError):
    """An operation argument has a value the operation cannot use."""


class OperationTypeError(OperationError, TypeError):
    """An operation argument has the wrong type."""


class NestedOperationError(OperationError):
    """An operation run from a ``python.call`` callback failed."""


class FactError(CorralError):
    """A fact could not be gathered."""


class FactTypeError(FactError, TypeError):
    """A fact was given an argument of the wrong type."""


class FactValueError(FactError, ValueError):
    """A fact was given an argument with a value it cannot use."""


class FactProcessError(FactError, RuntimeError):
    """A fact's ``process`` could not make sense of what its command printed."""


class FactParseError(FactProcessError):
    """A fact's parser could not make sense of the command's output."""


class FactNotCollected(FactError):
    """A fact that was not read: its program is missing, or a precondition failed."""


class MissingCommandError(FactNotCollected):
    """The program a fact's ``requires_command`` names is not on the host."""

    def __init__(self, command: str) -> None:
        self.command = command
        super().__init__(f"command not found on the host: {command}")


class FactPreconditionError(FactNotCollected):
    """A fact's precondition is not met on the host."""

    def __init__(self, fact_cls: type, reason: str) -> None:
        self.fact_cls = fact_cls
        self.reason = reason
        super().__init__(f"precondition of fact {fact_cls.__name__} not met: {reason}")


class ConnectError(CorralError):
    """A host could not be reached or authenticated."""

    exit_code = EXIT_UNREACHABLE


class ConnectionLost(CorralError):
    """An established connection died in the middle of a run."""

    exit_code = EXIT_UNREACHABLE


class CommandTimeout(CorralError):
    """A remote script did not finish within its deadline."""
