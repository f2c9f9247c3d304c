"""What the service operations of every init system share: start, stop, restart, reload,
and whether the service starts at boot. Each init system's module names its commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key

#: every service operation may change which services run (facts about them read this)
SERVICES: Key = ("services",)

#: builds the command running one action (a quoted word) on the service
Control = Callable[[QuoteString], StringCommand]


def check_service_name(service: str) -> None:
    if not service or service.startswith("-") or "/" in service or "\n" in service:
        raise OperationValueError(f"bad service name {service!r}")


def control(
    name: str,
    is_running: bool | None,
    make: Control,
    running: bool | None,
    restarted: bool,
    reloaded: bool,
    command: str | None,
) -> Iterator[StringCommand]:
    """The commands bringing a service to ``running``; ``make(action)`` builds one.

    A stopped service is started rather than restarted or reloaded; ``command`` always runs.
    The action is one word, quoted: ``command`` is an action of the init system, not shell
    text (``"status; rm -rf /"`` is refused, as is a word the tool would read as an option).
    """
    if command is not None and (not command.strip() or command.startswith("-")
                                or any(c.isspace() for c in command)):
        raise OperationValueError(f"command must be one action word, not {command!r}")
    if running is True:
        if not is_running:
            yield make(QuoteString("start"))
        else:
            host.noop(f"service {name} is running")
    elif running is False:
        if is_running:
            yield make(QuoteString("stop"))
        else:
            host.noop(f"service {name} is stopped")
    if restarted and is_running:
        yield make(QuoteString("restart"))
    if reloaded and is_running:
        yield make(QuoteString("reload"))
    if command:
        yield make(QuoteString(command))


def set_enabled(
    enabled: bool | None,
    is_enabled: bool,
    enable: Iterable[StringCommand],
    disable: Iterable[StringCommand],
    state: str,
) -> Iterator[StringCommand]:
    """The commands bringing whether a service starts at boot to ``enabled`` (None: leave
    it as it is): ``enable`` or ``disable`` (iterated only when due, so a generator may
    refuse then), else a note that the service already is in ``state``."""
    if enabled is None:
        return
    if enabled and not is_enabled:
        yield from enable
    elif not enabled and is_enabled:
        yield from disable
    else:
        host.noop(state)
