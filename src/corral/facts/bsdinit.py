"""Facts about BSD init services (``/etc/rc.d``, ``/usr/local/etc/rc.d``)."""

from __future__ import annotations

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.keys import Key

from .systemd import SERVICES_KEY
from .sysvinit import InitdStatus


class RcdStatus(InitdStatus):
    """rc.d scripts to True (running), False (stopped: exit code 1 to 3) or None, from
    each script's ``status`` (``check`` where there is none, as OpenBSD's rc.d has)."""

    def command(self) -> str:
        # a glob, not the words of find's output: a script's name is never split into
        # words (pyinfra's loop over `find` would run "x; y" as x and y); a name holding a
        # line break, which the output cannot carry, is left out
        return ("for __s in /etc/rc.d/* /usr/local/etc/rc.d/*; do "
                '[ -f "$__s" ] || continue; case "$__s" in *"\n"*) continue;; esac; '
                '"$__s" status >/dev/null 2>&1 </dev/null || '
                '"$__s" check >/dev/null 2>&1 </dev/null; '
                'printf "%s=%s\\n" "${__s##*/}" "$?"; done')

    def process(self, output: list[str]) -> dict[str, bool | None]:
        services: dict[str, bool | None] = {}
        for line in output:
            # NAME=CODE; a script's name may hold any character but a line break
            name, sep, code = line.rpartition("=")
            if not sep or not name or not code.isdigit():
                raise FactParseError(f"not a service=status line: {line!r}")
            status = int(code)
            services[name] = True if status == 0 else (False if status < 4 else None)
        return services

    def reads(self) -> frozenset[Key]:
        return frozenset({SERVICES_KEY, keys.path("/etc/rc.d"), keys.path("/usr/local/etc/rc.d")})
