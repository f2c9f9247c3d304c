"""Facts about SysV init scripts (``/etc/init.d``) and their runlevel links."""

from __future__ import annotations

import re
import shlex

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

from .systemd import SERVICES_KEY

RUNLEVEL_DIRS = tuple(f"/etc/rc{level}.d" for level in ("0", "1", "2", "3", "4", "5", "6", "S"))

_STATUS_COMMAND = r"""
for f in /etc/init.d/*; do
  [ -f "$f" ] && [ -x "$f" ] || continue
  grep -q '### BEGIN INIT INFO' "$f" 2>/dev/null || continue
  "$f" status >/dev/null 2>&1 </dev/null
  echo "${f##*/}=$?"
done
""".strip()

_STATUS_RE = re.compile(r"^([A-Za-z0-9_.+@-]+)=([0-9]{1,3})$")


class InitdStatus(FactBase[dict[str, bool | None]]):
    """Init scripts to True (running), False (stopped) or None (status unknown).

    Every LSB script in ``/etc/init.d`` (one with an ``### BEGIN INIT INFO`` header) is
    asked for its ``status``: exit code 0 is running, 1 to 3 stopped (LSB), anything else
    unknown.
    """

    @staticmethod
    def default() -> dict[str, bool | None]:
        return {}

    def command(self) -> str:
        return _STATUS_COMMAND

    def process(self, output: list[str]) -> dict[str, bool | None]:
        services: dict[str, bool | None] = {}
        for raw in output:
            line = raw.strip()
            if not line:
                continue
            match = _STATUS_RE.match(line)
            if not match:
                raise FactParseError(f"not a service=status line: {line!r}")
            code = int(match.group(2))
            services[match.group(1)] = True if code == 0 else (False if code < 4 else None)
        return services

    def reads(self) -> frozenset[Key]:
        return frozenset({SERVICES_KEY, keys.path("/etc/init.d")})


class InitdStartLinks(FactBase[list[str]]):
    """The start links (``/etc/rcN.d/SNNservice``) of an init script, sorted.

    A corral fact: pyinfra's ``sysvinit.service`` reads ``files.FindLinks`` for this.
    """

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self, service: str) -> str:
        name = shlex.quote(service)
        return (
            f"for d in {' '.join(RUNLEVEL_DIRS)}; do for l in \"$d\"/S[0-9][0-9]{name}; do "
            '[ -L "$l" ] && echo "$l"; done; done; true'
        )

    def process(self, output: list[str]) -> list[str]:
        links = []
        for raw in output:
            line = raw.strip()
            if not line:
                continue
            if not line.startswith("/etc/rc") or ".d/S" not in line:
                raise FactParseError(f"not a start link: {line!r}")
            links.append(line)
        return sorted(links)

    def reads(self, service: str) -> frozenset[Key]:
        return frozenset(keys.path(d) for d in RUNLEVEL_DIRS)
