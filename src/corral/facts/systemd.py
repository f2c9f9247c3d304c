"""Facts about systemd units: whether they are active, and whether they are enabled."""

from __future__ import annotations

import re
import shlex
from typing import ClassVar

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: the unit types systemd knows; a name without one of these suffixes is a ``.service``
UNIT_SUFFIXES = (
    ".service", ".socket", ".device", ".mount", ".automount", ".swap", ".target", ".path",
    ".timer", ".slice", ".scope",
)

_UNIT_RE = re.compile(
    r"^[A-Za-z0-9:_.\\@-]+\.(service|socket|device|mount|automount|swap|target|path|timer"
    r"|slice|scope)$"
)

SERVICES_KEY: Key = ("services",)

#: what systemctl says where systemd is not the running init (a container, a chroot)
_NOT_RUNNING = re.compile(r"not been booted with systemd|Failed to connect to bus")


def unit_name(service: str) -> str:
    """``nginx`` -> ``nginx.service``; names with a unit type suffix are kept."""
    return service if service.endswith(UNIT_SUFFIXES) else f"{service}.service"


def systemctl_words(
    user_mode: bool = False, machine: str | None = None, user_name: str | None = None
) -> list[str]:
    """``systemctl`` with the options that pick the manager: ``--user``, ``--machine=``."""
    words = ["systemctl"]
    if user_mode:
        words.append("--user")
    if machine is not None:
        target = f"{user_name}@{machine}" if user_name is not None else machine
        words.append(shlex.quote(f"--machine={target}"))
    elif user_name is not None:
        words.append(shlex.quote(f"--machine={user_name}@.host"))
    return words


class SystemdStatus(FactBase[dict[str, bool]]):
    """Units to whether they are active (running, listening, mounted, waiting...).

    ``{"ssh.service": True, "apt-daily.timer": False}``, from ``systemctl show --all``.
    Empty when systemd is not running.
    """

    requires_command = "systemctl"
    state_key: ClassVar[str] = "SubState"
    state_values: ClassVar[frozenset[str]] = frozenset(
        {"running", "waiting", "exited", "listening", "mounted", "active", "plugged"}
    )

    @staticmethod
    def default() -> dict[str, bool]:
        return {}

    def command(
        self,
        user_mode: bool = False,
        machine: str | None = None,
        user_name: str | None = None,
        services: str | list[str] | None = None,
    ) -> str:
        if services is None:
            names = ["'*'"]
        elif isinstance(services, str):
            names = [shlex.quote(services)]
        else:
            names = [shlex.quote(s) for s in services]
        words = [
            *systemctl_words(user_mode, machine, user_name),
            "show", "--all", "--property", "Id", "--property", self.state_key, *names,
        ]
        command = " ".join(words)
        if user_mode:
            # a user manager may not exist yet while planning
            return f"( {command} 2>/dev/null || true )"
        return command

    def is_absent(self, exit_code: int, stderr: str) -> bool:
        # systemd installed but not running: no units, as without systemctl
        return exit_code == 1 and bool(_NOT_RUNNING.search(stderr))

    def process(self, output: list[str]) -> dict[str, bool]:
        units: dict[str, bool] = {}
        current: str | None = None
        for raw in output:
            line = raw.strip()
            if not line:
                current = None
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise FactParseError(f"not a systemctl property line: {line!r}")
            if key == "Id":
                current = value if _UNIT_RE.match(value) else None
            elif key == self.state_key and current is not None:
                units[current] = value in self.state_values
        return units

    def reads(
        self,
        user_mode: bool = False,
        machine: str | None = None,
        user_name: str | None = None,
        services: str | list[str] | None = None,
    ) -> frozenset[Key]:
        return frozenset({SERVICES_KEY})


class SystemdEnabled(SystemdStatus):
    """Units to whether they are enabled (``enabled`` or ``static`` unit file state).

    ``{"ssh.service": True, "apt-daily.timer": False}``, from ``systemctl show --all``.
    """

    state_key = "UnitFileState"
    state_values = frozenset({"enabled", "static"})
