"""Facts about runit services: their state (``sv status``) and which are managed (linked
into the service directory, ``SVDIR``)."""

from __future__ import annotations

import shlex

from corral.model import keys
from corral.model.facts import FactBase
from corral.model.keys import Key

from .systemd import SERVICES_KEY


def _svdir_reads(svdir: str) -> frozenset[Key]:
    return frozenset({SERVICES_KEY, keys.path(svdir)})


class RunitStatus(FactBase[dict[str, bool | None]]):
    """Services to True (running), False (down) or None (managed but neither, or not
    supervised yet), from ``sv status`` in ``svdir``; ``service`` reads only that one."""

    requires_command = "sv"

    @staticmethod
    def default() -> dict[str, bool | None]:
        return {}

    def command(self, service: str | None = None, svdir: str = "/var/service") -> str:
        d = shlex.quote(svdir)
        if service is not None:
            # sv fails for a service it cannot read: the line says so ("fail: x: ...")
            return f"SVDIR={d} sv status {shlex.quote(service)} 2>&1 || true"
        # every entry of the directory, as pyinfra reads them (not hidden ones)
        return (f"cd {d} 2>/dev/null || exit 0; SVDIR={d}; export SVDIR; "
                'for __s in *; do [ -e "$__s" ] || [ -L "$__s" ] || continue; '
                'sv status "$__s" 2>&1; done; exit 0')

    def process(self, output: list[str]) -> dict[str, bool | None]:
        services: dict[str, bool | None] = {}
        for line in output:
            # "run: NAME: (pid 1) 4s", "down: NAME: 4s, normally up",
            # "warning: NAME: unable to open supervise/ok: ...", "fail: NAME: ..."
            parts = line.split(": ", 2)
            if len(parts) < 2 or not parts[1]:
                continue
            state = parts[0]
            services[parts[1]] = True if state == "run" else False if state == "down" else None
        return services

    def reads(self, service: str | None = None, svdir: str = "/var/service") -> frozenset[Key]:
        return _svdir_reads(svdir)


class RunitManaged(FactBase[set[str]]):
    """The services managed by runit: the symbolic links in ``svdir`` (only ``service``,
    when given)."""

    @staticmethod
    def default() -> set[str]:
        return set()

    def command(self, service: str | None = None, svdir: str = "/var/service") -> str:
        d = shlex.quote(svdir)
        if service is not None:
            s = shlex.quote(service)
            return f"if [ -L {d}/{s} ]; then printf '%s\\n' {s}; fi"
        return (f"if [ -d {d} ]; then find {d}/ -mindepth 1 -maxdepth 1 -type l "
                "-printf '%f\\n'; fi")

    def process(self, output: list[str]) -> set[str]:
        return {line for line in output if line}

    def reads(self, service: str | None = None, svdir: str = "/var/service") -> frozenset[Key]:
        return _svdir_reads(svdir)
