"""The binding between deploy code and the engine.

Deploy code runs with a :class:`HostContext` bound in a context variable. The ``host``
proxy, operations and ``host.get_fact`` reach the engine only through it, so layers
below the engine never import it.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

from .errors import CorralError

if TYPE_CHECKING:
    from .host import Host
    from .inventory import Inventory
    from .operation import OpCall
    from .results import OperationMeta
    from .state import State


class HostContext(Protocol):
    host: Host

    def add_op(self, call: OpCall) -> OperationMeta: ...

    def get_fact(self, fact_cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any: ...

    def noop(self, description: str) -> None: ...

    def run_shell_command(self, command: Any, arguments: dict[str, Any]) -> Any: ...

    def temp_directory(self) -> str:
        """The host's temporary directory (``server.TmpDir``), "" if it names none."""
        ...

    @property
    def in_operation(self) -> bool: ...


class RunContext(Protocol):
    inventory: Inventory
    config: Any
    state: State


current_host: ContextVar[HostContext | None] = ContextVar("corral_host", default=None)
current_run: ContextVar[RunContext | None] = ContextVar("corral_run", default=None)
#: the data a ``local.include(path, data=...)`` gives the file it runs (pyinfra's deploy
#: data): the lowest layer of ``host.data`` while that file runs, and while the operations
#: it called are planned and run (they keep the layer of their call)
deploy_data: ContextVar[Mapping[str, Any]] = ContextVar("corral_deploy_data", default={})  # noqa: B039
#: the deploy file running now (a ``local.include``d one inside it): ``./x.py`` given to
#: ``local.include`` is relative to its directory
current_file: ContextVar[str | None] = ContextVar("corral_current_file", default=None)


class NoContextError(CorralError):
    pass


def require_context(host: Host | None = None) -> HostContext:
    ctx = current_host.get()
    if ctx is None:
        raise NoContextError(
            "no host is bound here: call operations and read facts from a deploy run by corral"
        )
    if host is not None and ctx.host is not host:
        raise NoContextError(f"host {host.name} is not the host this deploy is running for")
    return ctx


def read_fact(ctx: HostContext, fact_cls: Any, args: tuple[Any, ...],
              kwargs: dict[str, Any]) -> Any:
    """A fact's value through a context; a ``ShortFactBase`` is its base fact's value
    passed through its ``process_data``."""
    from .facts import ShortFactBase

    if isinstance(fact_cls, type) and issubclass(fact_cls, ShortFactBase):
        return fact_cls().process_data(ctx.get_fact(fact_cls.fact, args, kwargs))
    return ctx.get_fact(fact_cls, args, kwargs)


def current_config(ctx: HostContext | None = None) -> Any:
    """The config deploy code sees: its host's own copy while a host is bound (each
    host's deploy code changes its own, as in pyinfra), else the run's; None outside a
    run."""
    if ctx is None:
        ctx = current_host.get()
    config = getattr(ctx, "config", None) if ctx is not None else None
    if config is not None:
        return config
    run = current_run.get()
    return run.config if run is not None else None


def require_run() -> RunContext:
    run = current_run.get()
    if run is None:
        raise NoContextError("no corral run is in progress")
    return run


class _Proxy:
    """Forwards attribute access to an object found at access time."""

    __slots__ = ()

    def _target(self) -> Any:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target(), name, value)

    def __repr__(self) -> str:
        try:
            return f"<proxy {self._target()!r}>"
        except CorralError:
            return "<unbound proxy>"

    def __iter__(self) -> Any:
        return iter(self._target())

    def __len__(self) -> int:
        return len(self._target())

    def __bool__(self) -> bool:
        return True


class HostProxy(_Proxy):
    """``from corral import host``: the host the running deploy code is bound to."""

    __slots__ = ()

    def _target(self) -> Any:
        return require_context().host

    def get_fact(self, fact_cls: Any, *args: Any, **kwargs: Any) -> Any:
        return read_fact(require_context(), fact_cls, args, kwargs)

    def noop(self, description: str) -> None:
        require_context().noop(description)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, HostProxy):
            other = other._target()
        return bool(self._target() is other)

    def __hash__(self) -> int:
        return hash(self._target())


class InventoryProxy(_Proxy):
    __slots__ = ()

    def _target(self) -> Any:
        return require_run().inventory


class ConfigProxy(_Proxy):
    """``from corral import config``: the running host's config (see
    :func:`current_config`)."""

    __slots__ = ()

    def _target(self) -> Any:
        config = current_config()
        return config if config is not None else require_run().config


class StateProxy(_Proxy):
    """``from corral import state``: the run's :class:`~corral.model.state.State`."""

    __slots__ = ()

    def _target(self) -> Any:
        return require_run().state


host: Any = HostProxy()
inventory: Any = InventoryProxy()
config: Any = ConfigProxy()
state: Any = StateProxy()
