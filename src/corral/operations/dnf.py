"""Manage dnf packages, repositories, modules and ``.rpm`` files (package names are
case-sensitive)."""

from __future__ import annotations

from corral.facts.dnf import DnfDisabledModules, DnfEnabledModules
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import PACKAGES
from corral.operations._util.rpm import rpm_operations

update, key, repo, rpm, packages = rpm_operations("dnf")

__all__ = ["key", "module", "packages", "repo", "rpm", "update"]


def _module_name(what: str, text: str) -> str:
    if not text or text.startswith("-") or any(c.isspace() or c in ":/" for c in text):
        raise OperationValueError(f"bad module {what} {text!r}")
    return text


@operation(changes=lambda *_, **__: [("dnf-modules",), PACKAGES])
def module(module: str, stream: str | None = None, enabled: bool = True) -> OpGenerator:
    """Enable a dnf module's stream, or disable the module (application streams).

    + module: the module's name
    + stream: the stream to enable (needed with ``enabled=True``; ignored otherwise)
    + enabled: enable the stream, or (False) disable the module, all its streams

    One stream of a module is enabled at a time; dnf refuses to switch streams while
    packages of the enabled one are installed (remove them, or ``dnf module reset``, first).

    Example:
        dnf.module(name="Enable PostgreSQL 16", module="postgresql", stream="16",
                   _sudo=True)
    """
    _module_name("name", module)
    if enabled:
        if stream is None:
            raise OperationValueError("stream is needed to enable a module")
        _module_name("stream", stream)
        if host.get_fact(DnfEnabledModules).get(module) == stream:
            host.noop(f"dnf module {module}:{stream} is enabled")
            return
        yield StringCommand("dnf module enable -y", QuoteString(f"{module}:{stream}"))
        return
    if module in host.get_fact(DnfDisabledModules):
        host.noop(f"dnf module {module} is disabled")
        return
    yield StringCommand("dnf module disable -y", QuoteString(module))
