"""Hosts and their layered data."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any


class HostData(Mapping[str, Any]):
    """A host's data, read as pyinfra reads it: ``host.data.key`` (a missing key raises
    AttributeError, so ``getattr(host.data, "k", default)`` and ``host.data.get("k",
    default)`` give the default), ``host.data.key = value`` for the rest of this host's run.

    Layers, highest first:

    1. what deploy code assigned (``host.data.key = value``), this host's only;
    2. the layers given: the run's override data (``--data``), the host's own data, its
       groups' data (the last group wins), then ``all``'s data;
    3. the data defaults of the ``@deploy`` or ``local.include`` being run
       (:meth:`push_defaults`);
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


class Host:
    """One target. ``connector`` names the transport (``local``, ``chroot``, ``ssh``...)
    and ``target`` its argument (a path for chroot, a hostname for ssh)."""

    __slots__ = ("connector", "data", "groups", "name", "target")

    def __init__(
        self,
        name: str,
        data: HostData,
        groups: tuple[str, ...],
        connector: str,
        target: str,
    ) -> None:
        self.name = name
        self.data = data
        data.bind(name)
        self.groups = groups
        self.connector = connector
        self.target = target

    def __repr__(self) -> str:
        return f"Host({self.name!r})"

    def __str__(self) -> str:
        return self.name

    # Deploy-time helpers, answered by the engine through the current context.
    def get_fact(self, fact_cls: Any, *args: Any, **kwargs: Any) -> Any:
        from .context import require_context

        return require_context(self).get_fact(fact_cls, args, kwargs)

    def noop(self, description: str) -> None:
        from .context import require_context

        require_context(self).noop(description)
