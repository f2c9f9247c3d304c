"""Hosts and their layered data."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


class HostData(Mapping[str, Any]):
    """Host data with attribute access; a missing key reads as ``None`` (as in pyinfra).

    Layers, highest first: the host's own data, its groups' data, then ``all``, then the
    deploy data of the code running now (``local.include(path, data=...)``,
    :data:`~corral.model.context.deploy_data`), as pyinfra orders them.
    """

    __slots__ = ("_layers",)

    def __init__(self, *layers: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_layers", layers)

    def _all_layers(self) -> tuple[Mapping[str, Any], ...]:
        from .context import deploy_data

        below = deploy_data.get()
        return (*self._layers, below) if below else self._layers

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

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return self.get(key)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("host data is read-only during a run")

    def set_default(self, key: str, value: Any) -> None:
        """Set a value in the lowest layer (the engine's defaults, such as ``_deploy_dir``)."""
        bottom = self._layers[-1]
        if isinstance(bottom, dict):
            bottom[key] = value

    def dict(self) -> dict[str, Any]:
        return {k: self[k] for k in self}

    def __repr__(self) -> str:
        return f"HostData({self.dict()!r})"


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
        self.groups = groups
        self.connector = connector
        self.target = target

    def __repr__(self) -> str:
        return f"Host({self.name!r})"

    def __str__(self) -> str:
        return self.name

    # Deploy-time helpers, answered by the engine through the current context.
    def get_fact(self, fact_cls: Any, *args: Any, **kwargs: Any) -> Any:
        from .context import read_fact, require_context

        return read_fact(require_context(self), fact_cls, args, kwargs)

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
