"""``from corral import secrets``: the vault's values as :class:`Secret`, read on first use.

    from corral import secrets
    files.template(src="app.conf.j2", dest="/etc/app.conf",
                   password=secrets["db_password"])

The vault is opened (and its key asked for) the first time a value is read, so deploys and
inventories that never read one need no key. Usable in deploys, inventories and
``group_data`` files alike; host data holding a :class:`Secret` is masked by the engine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from corral.model.secrets import Secret, key_read, on_read

if TYPE_CHECKING:
    from .store import Vault

__all__ = ["Secrets", "on_read", "secrets"]


class Secrets:
    """A read-only mapping of vault key names to :class:`Secret` values."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._vault: Vault | None = None
        self._seen: tuple[Path, int, int] | None = None

    def _open(self) -> Vault:
        """The open vault; opened again when the file (or the file configured) changed."""
        from .store import Vault, default_path

        with self._lock:
            path = default_path()
            try:
                st = path.stat()
                seen = (path, st.st_mtime_ns, st.st_size)
            except OSError:
                seen = None
            if self._vault is None or seen is None or seen != self._seen:
                self._vault = Vault.open(path)
                self._seen = seen
            return self._vault

    def __getitem__(self, name: str) -> Secret:
        value = Secret(self._open()[name])
        key_read(name)
        return value

    def get(self, name: str, default: Secret | None = None) -> Secret | None:
        values = self._open().values
        if name not in values:
            return default
        key_read(name)
        return Secret(values[name])

    def __contains__(self, name: object) -> bool:
        return name in self._open().values

    def keys(self) -> list[str]:
        return sorted(self._open().values)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._open().values)

    def reload(self) -> None:
        """Forget what was read: the next access opens the file again."""
        with self._lock:
            self._vault = None
            self._seen = None

    def __repr__(self) -> str:
        return "<corral vault secrets>"


secrets = Secrets()
