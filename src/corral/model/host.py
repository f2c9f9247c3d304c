"""Hosts and their layered data."""

from __future__ import annotations

import copy
import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


class HostData(Mapping[str, Any]):
    """A host's data, read as pyinfra reads it: ``host.data.key`` (a missing key raises
    AttributeError, so ``getattr(host.data, "k", default)`` and ``host.data.get("k",
    default)`` give the default), ``host.data.key = value`` for the rest of this host's run.

    Layers, highest first:

    1. what deploy code assigned (``host.data.key = value``), this host's only;
    2. the layers given: the run's override data (``--data``), the host's own data, its
       groups' data (the last group wins), then ``all``'s data;
    3. the data of the ``local.include(path, data=...)`` being run
       (:data:`~corral.model.context.deploy_data`), then the data defaults of the
       ``@deploy`` being run (:meth:`push_defaults`);
    4. the engine's defaults (:meth:`set_default`, ``_deploy_dir``).

    Attribute reads and :meth:`get` return a shallow copy, as pyinfra's do: a list in
    group data is shared by every host of the group, and ``host.data.items.append(x)``
    must not change it for the others (assign to change a value). ``data[key]``, iteration
    and :meth:`dict` (corral's Mapping side, for the engine) give the values themselves.
    """

    __slots__ = ("_defaults", "_engine", "_layers", "_name", "_override")
    _defaults: Mapping[str, Any]
    _engine: dict[str, Any]
    _layers: tuple[Mapping[str, Any], ...]
    _name: str | None
    _override: dict[str, Any]

    def __init__(self, *layers: Mapping[str, Any], name: str | None = None) -> None:
        set_ = object.__setattr__
        set_(self, "_override", {})
        set_(self, "_defaults", {})
        set_(self, "_engine", {})
        set_(self, "_layers", layers)
        set_(self, "_name", name)

    def bind(self, name: str) -> None:
        """Name the host this data belongs to (in the error for a missing key)."""
        if self._name is None:
            object.__setattr__(self, "_name", name)

    def _all_layers(self) -> tuple[Mapping[str, Any], ...]:
        from .context import deploy_data

        included = deploy_data.get()  # local.include(path, data=...) being run
        if included:
            return (self._override, *self._layers, included, self._defaults, self._engine)
        return (self._override, *self._layers, self._defaults, self._engine)

    def __getitem__(self, key: str) -> Any:
        for layer in self._all_layers():
            if key in layer:
                return layer[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for layer in self._all_layers():
            for key in layer:
                if key not in seen:
                    seen.add(key)
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, key: object) -> bool:
        return any(key in layer for layer in self._all_layers())

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__") and key.endswith("__"):  # copy, pickle, ...: not data
            raise AttributeError(key)
        try:
            return _shallow_copy(self[key])
        except KeyError:
            raise AttributeError(f"Host `{self._name}` has no data `{key}`") from None

    def __setattr__(self, key: str, value: Any) -> None:
        self._override[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return _shallow_copy(self[key])
        except KeyError:
            return default

    def push_defaults(self, defaults: Mapping[str, Any] | None) -> Mapping[str, Any]:
        """Make ``defaults`` the data defaults layer (``@deploy(data_defaults=...)``,
        ``local.include(data=...)``) and return the layer it replaces, for
        :meth:`pop_defaults`. As in pyinfra the layer is replaced, not merged: inside a
        nested deploy only that deploy's defaults are seen (None: none)."""
        previous: Mapping[str, Any] = self._defaults
        object.__setattr__(self, "_defaults", defaults if defaults is not None else {})
        return previous

    def pop_defaults(self, previous: Mapping[str, Any]) -> None:
        """Put back the layer :meth:`push_defaults` returned."""
        object.__setattr__(self, "_defaults", previous)

    @contextmanager
    def using_defaults(self, defaults: Mapping[str, Any] | None) -> Iterator[None]:
        """``with host.data.using_defaults({...}):``: :meth:`push_defaults` for a block."""
        previous = self.push_defaults(defaults)
        try:
            yield
        finally:
            self.pop_defaults(previous)

    @property
    def current_defaults(self) -> Mapping[str, Any]:
        """The data defaults layer in force now."""
        return self._defaults

    def set_default(self, key: str, value: Any) -> None:
        """Set a value in the lowest layer (the engine's defaults, such as ``_deploy_dir``)."""
        self._engine[key] = value

    def dict(self) -> dict[str, Any]:
        return {k: self[k] for k in self}

    def __repr__(self) -> str:
        return f"HostData({self.dict()!r})"


class _DataFirst:
    """A HostData method beyond pyinfra's ``get`` and ``dict`` (``items``, ``keys``,
    ``push_defaults``...): a data key of the same name is read as data instead, as pyinfra
    (whose HostData has no such method) reads it. Call the method on the class
    (``HostData.push_defaults(data, ...)``) where data could hold such a key."""

    def __init__(self, func: Any) -> None:
        self.func = func
        self.name = func.__name__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self.func
        if self.name in instance:
            return _shallow_copy(instance[self.name])
        return self.func.__get__(instance, owner)


for _name in ("keys", "items", "values", "bind", "push_defaults", "pop_defaults",
              "using_defaults", "set_default"):
    setattr(HostData, _name, _DataFirst(getattr(HostData, _name)))


def _shallow_copy(value: Any) -> Any:
    try:
        return copy.copy(value)
    except Exception:  # a value copy cannot make (a module, a lock): the value itself
        return value



logger = logging.getLogger("corral")


class Host:
    """One target. ``connector`` names the transport (``local``, ``chroot``, ``ssh``...)
    and ``target`` its argument (a path for chroot, a hostname for ssh).

    What pyinfra's ``Host`` offers deploy code is here too: ``loop``, ``when``,
    ``arguments``, ``deploy``, ``host_data``, ``group_data``, ``log``,
    ``get_temp_filename``, the ``current_deploy_*`` state, ``connector_data``.
    """

    __slots__ = ("_group_data", "_host_data", "connector", "connector_data", "data",
                 "groups", "loop_position", "name", "target")

    def __init__(
        self,
        name: str,
        data: HostData,
        groups: tuple[str, ...],
        connector: str,
        target: str,
        *,
        host_data: Mapping[str, Any] | None = None,
        group_data: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.data = data
        HostData.bind(data, name)
        self.groups = groups
        self.connector = connector
        self.target = target
        self._host_data = host_data
        self._group_data = group_data
        #: free for connectors and deploy code (as pyinfra's)
        self.connector_data: dict[str, Any] = {}
        #: the index in each ``host.loop`` being iterated, outermost first
        self.loop_position: list[int] = []

    def __repr__(self) -> str:
        return f"Host({self.name!r})"

    def __str__(self) -> str:
        return self.name

    # Deploy-time helpers, answered by the engine through the current context.

    def get_fact(self, fact_cls: Any, *args: Any, **kwargs: Any) -> Any:
        """A fact of this host. From another host's deploy code too (as pyinfra allows):
        it is then read on this host as it is now."""
        from .context import NoContextError, read_fact, require_context
        from .facts import ShortFactBase

        ctx = require_context()
        if ctx.host is self:
            return read_fact(ctx, fact_cls, args, kwargs)
        of_other = getattr(ctx, "get_fact_of", None)
        if of_other is None:
            raise NoContextError(f"host {self.name} is not the host this deploy is running for")
        if isinstance(fact_cls, type) and issubclass(fact_cls, ShortFactBase):
            return fact_cls().process_data(of_other(self, fact_cls.fact, args, kwargs))
        return of_other(self, fact_cls, args, kwargs)

    def noop(self, description: str) -> None:
        from .context import require_context

        require_context(self).noop(description)

    def run_shell_command(self, command: Any, **arguments: Any) -> tuple[bool, Any]:
        """Run a shell command on the host now (pyinfra's, for ``python.call`` functions
        and deploy code): ``(whether it succeeded, its CommandOutput)``. The operations
        called before it run first; global arguments (``_sudo=True``, ``_env``...) apply,
        over the config's defaults. It is in no operation's result."""
        from .context import require_context

        return require_context(self).run_shell_command(command, arguments)  # type: ignore[no-any-return]
    # -- data -------------------------------------------------------------------------

    @property
    def host_data(self) -> dict[str, Any]:
        """The data given to this host itself in the inventory (not its groups')."""
        return dict(self._host_data or {})

    @property
    def group_data(self) -> dict[str, Any]:
        """The data of this host's groups, merged (a later group wins), ``all`` not
        included: as pyinfra's ``host.group_data``."""
        return dict(self._group_data or {})

    def get_deploy_data(self) -> dict[str, Any]:
        """The data defaults of the ``@deploy`` being run ({} outside one)."""
        from .context import deploy_data

        return dict(self.data.current_defaults or deploy_data.get())

    # -- the deploy code's position -------------------------------------------------------

    def loop(self, iterable: Iterable[T]) -> Iterator[T]:
        """The items of ``iterable``, unchanged (pyinfra's ``host.loop``); the index of
        the current item is kept in ``loop_position`` while the loop runs."""
        self.loop_position.append(0)
        try:
            for index, item in enumerate(iterable):
                self.loop_position[-1] = index
                yield item
        finally:
            self.loop_position.pop()

    def deploy(self, name: str, kwargs: Mapping[str, Any] | None = None,
               data: Mapping[str, Any] | None = None,
               in_deploy: bool = True) -> AbstractContextManager[None]:
        """A block whose operations are named ``name | ...``, get the global arguments
        ``kwargs`` as defaults and see ``data`` as data defaults (what ``@deploy`` does).

            with host.deploy("Web server", {"_sudo": True}, {"port": 8080}):
                ...
        """
        from .operation import caller_location, deploy_scope

        return deploy_scope(name or None, dict(kwargs or {}), data, in_deploy,
                            caller_location(2))

    def when(self, condition: Callable[[], Any]) -> AbstractContextManager[None]:
        """A block whose operations run only if ``condition()`` holds when each of them
        is about to run (an ``_if`` added to each)::

            with host.when(lambda: config_file.changed):
                systemd.service(service="app", restarted=True)
        """
        from .operation import caller_location, deploy_scope

        return deploy_scope(None, {"_if": [condition]}, None, False, caller_location(2),
                            replace_data=False)

    def arguments(self, **arguments: Any) -> AbstractContextManager[None]:
        """A block whose operations get these global arguments (``_sudo=True``...) as
        defaults."""
        from .operation import caller_location, deploy_scope

        return deploy_scope(None, arguments, None, False, caller_location(2),
                            replace_data=False)

    @property
    def in_deploy(self) -> bool:
        from .operation import in_deploy

        return in_deploy.get()

    @property
    def in_op(self) -> bool:
        """Whether an operation of this host is being planned here (its generator)."""
        from .context import current_host

        ctx = current_host.get()
        return bool(ctx is not None and ctx.host is self and ctx.in_operation)

    in_callback_op = False

    @property
    def current_deploy_name(self) -> str | None:
        from .operation import deploy_names

        return " | ".join(deploy_names.get()) or None

    @property
    def current_deploy_kwargs(self) -> dict[str, Any] | None:
        from .operation import deploy_defaults

        return dict(deploy_defaults.get()) or None

    @property
    def current_deploy_data(self) -> dict[str, Any] | None:
        return self.get_deploy_data() or None

    @property
    def current_op_global_arguments(self) -> dict[str, Any] | None:
        """The global arguments of the operation being planned here (None outside one)."""
        from .context import current_host

        ctx = current_host.get()
        call = getattr(ctx, "call", None)
        if ctx is None or ctx.host is not self or call is None:
            return None
        return call.globals.as_arguments()  # type: ignore[no-any-return]

    # -- output -----------------------------------------------------------------------

    @property
    def print_prefix(self) -> str:
        return f"[{self.name}] "

    def style_print_prefix(self, *_args: Any, **_kwargs: Any) -> str:
        return self.print_prefix

    def log(self, message: str, log_func: Callable[[str], Any] | None = None) -> None:
        """Show ``message`` for this host (``[name] message``): in corral's output during
        a run, or through ``log_func`` if one is given (``logger.warning``...)."""
        from .context import current_host

        if log_func is not None:
            log_func(f"{self.print_prefix}{message}")
            return
        ctx = current_host.get()
        emit = getattr(ctx, "log", None)
        if emit is not None:
            emit(self, str(message))
        else:
            logger.info("%s%s", self.print_prefix, message)

    def log_styled(self, message: str, log_func: Callable[[str], Any] | None = None,
                   **_style: Any) -> None:
        """:meth:`log` (corral's output has no per-message styles)."""
        self.log(message, log_func)

    # -- temporary files ----------------------------------------------------------------

    def get_temp_dir_config(self) -> str:
        """The temporary directory set in the config (``TEMP_DIR``), else ``/tmp``."""
        from .context import current_run

        run = current_run.get()
        config = run.config if run is not None else None
        return str(getattr(config, "TEMP_DIR", None) or getattr(config, "DEFAULT_TEMP_DIR",
                                                                None) or "/tmp")

    def _get_temp_directory(self) -> str:
        from .context import current_run, require_context

        run = current_run.get()
        configured = getattr(run.config, "TEMP_DIR", None) if run is not None else None
        if configured:
            return str(configured)
        found = require_context(self).temp_directory()
        return found or self.get_temp_dir_config()

    def get_temp_filename(self, hash_key: str | None = None, hash_filename: bool = True,
                          *, temp_directory: str | None = None) -> str:
        """A path for a temporary file on the host: in ``temp_directory``, else the config's
        ``TEMP_DIR``, else the host's ``$TMPDIR`` (the ``server.TmpDir`` fact), else
        ``/tmp``; named from ``hash_key`` (its SHA-1 unless ``hash_filename=False``), or
        unique when no key is given."""
        directory = temp_directory or self._get_temp_directory()
        key = hash_key or str(uuid.uuid4())
        if hash_filename:
            key = hashlib.sha1(key.encode()).hexdigest()  # a name, not a secret
        return f"{directory.rstrip('/') or '/'}/corral-{key}".replace("//", "/")

    # -- the run --------------------------------------------------------------------

    @property
    def inventory(self) -> Any:
        from .context import require_run

        return require_run().inventory
