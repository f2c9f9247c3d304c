"""Global operation arguments (``pyinfra.api.arguments``): the names corral takes, with
their types, for code that lists or types them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from corral.model.command import COMMAND_ARGUMENTS
from corral.model.operation import _GLOBAL_TYPES


class ConnectorArguments(TypedDict, total=False):
    """How commands run: privilege, shell, environment, exit codes, time, retries."""

    _sudo: bool
    _sudo_user: str | None
    _use_sudo_login: bool
    _sudo_password: Any
    _preserve_sudo_env: bool
    _su_user: str | None
    _shell_executable: str
    _chdir: str | None
    _env: Mapping[str, Any]
    _success_exit_codes: Iterable[int]
    _timeout: float | None
    _retries: int
    _retry_delay: float
    _stdin: str | list[str]


class MetaArguments(TypedDict, total=False):
    """What an operation is called, and whether it runs and fails."""

    name: str | None
    _ignore_errors: bool
    _continue_on_error: bool
    _if: Any


class ExecutionArguments(TypedDict, total=False):
    """How an operation runs across hosts."""

    _run_once: bool
    _serial: bool


class AllArguments(ConnectorArguments, MetaArguments, ExecutionArguments, total=False):
    """Every global argument corral takes."""


#: global arguments that act on the commands themselves (and may be given to one
#: ``StringCommand``)
CONNECTOR_ARGUMENT_KEYS = sorted(COMMAND_ARGUMENTS)
#: global arguments that act across hosts
EXECUTION_KWARG_KEYS = ["_run_once", "_serial"]


def all_global_arguments() -> list[tuple[str, Any]]:
    """``(name, type)`` of every global argument an operation, deploy or fact takes."""
    return list(_GLOBAL_TYPES.items())


__all__ = [
    "CONNECTOR_ARGUMENT_KEYS",
    "EXECUTION_KWARG_KEYS",
    "AllArguments",
    "ConnectorArguments",
    "ExecutionArguments",
    "MetaArguments",
    "all_global_arguments",
]
