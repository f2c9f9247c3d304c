"""server.* facts pyinfra 3.10 has that read small pieces of system information: the login
user, kernel and macOS versions, the distribution's name, GUIs, the load average,
``/etc/hosts``, a user's authorized keys and the login records of ``last``/``lastb``.

Each is a command and a pure parser; values have pyinfra's shapes. (pyinfra's
``LinuxName`` and ``HasGui`` derive from another fact's value; corral reads them with their
own command, the same as the other fact's.)
"""

from __future__ import annotations

import re
import shlex
from typing import Any, TypedDict

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import ANY, Key

from ._util import NOTHING, first_line

#: a user name ``~name`` can expand unquoted (anything else is looked up with getent)
_SAFE_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\$?\Z")


class User(FactBase[str]):
    """The name of the user the facts run as (``id -un``; pyinfra reads ``$USER``, which a
    login sets to the same name, but which is not always set)."""

    def command(self) -> str:
        return "id -un"

    def process(self, output: list[str]) -> str:
        name = first_line(output)
        if name is None:
            raise FactParseError("no user name in the output")
        return name

    def reads(self) -> frozenset[Key]:
        return NOTHING


class KernelVersion(FactBase[str]):
    """The kernel release from ``uname -r`` (e.g. "6.1.0-18-amd64")."""

    def command(self) -> str:
        return "uname -r"

    def process(self, output: list[str]) -> str:
        release = first_line(output)
        if release is None:
            raise FactParseError("no kernel release in the output")
        return release

    def reads(self) -> frozenset[Key]:
        return NOTHING


class OsVersion(KernelVersion):
    """The kernel release from ``uname -r``; pyinfra's old name for server.KernelVersion."""


class MacosVersion(FactBase[str | None]):
    """The macOS version (``sw_vers -productVersion``, e.g. "14.4.1"); None elsewhere."""

    requires_command = "sw_vers"

    def command(self) -> str:
        return "sw_vers -productVersion"

    def process(self, output: list[str]) -> str | None:
        return first_line(output)

    def reads(self) -> frozenset[Key]:
        return NOTHING


def _linux_distribution() -> type[FactBase[Any]]:
    from . import LinuxDistribution

    return LinuxDistribution


class LinuxName(FactBase[str | None]):
    """The distribution's name (e.g. "Debian", "Ubuntu"): ``LinuxDistribution``'s
    ``name``, read with the same command."""

    def command(self) -> str:
        return _linux_distribution()().command()

    def process(self, output: list[str]) -> str | None:
        value = _linux_distribution()().process(output)
        assert isinstance(value, dict)
        name = value["name"]
        return name if isinstance(name, str) else None

    def reads(self) -> frozenset[Key]:
        return NOTHING


#: session programs in /usr/bin that tell a desktop is installed, and the desktop's name
KNOWN_GUIS = {
    "/usr/bin/gnome-session": "GNOME",
    "/usr/bin/mate-session": "MATE",
    "/usr/bin/lxsession": "LXDE",
    "/usr/bin/plasma_session": "KDE Plasma",
    "/usr/bin/xfce4-session": "XFCE 4",
}

_SESSIONS = 'for f in /usr/bin/*session; do if [ -e "$f" ]; then echo "$f"; fi; done'


class LinuxGui(FactBase[list[str]]):
    """The desktops installed: names of known ``/usr/bin/*session`` programs found
    (["GNOME", "XFCE 4"]...)."""

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self) -> str:
        return _SESSIONS

    def process(self, output: list[str]) -> list[str]:
        return [KNOWN_GUIS[line] for line in output if line in KNOWN_GUIS]

    def reads(self) -> frozenset[Key]:
        return frozenset({("packages",)})


class HasGui(FactBase[bool]):
    """Whether a desktop is installed (``LinuxGui`` names one)."""

    @staticmethod
    def default() -> bool:
        return False

    def command(self) -> str:
        return _SESSIONS

    def process(self, output: list[str]) -> bool:
        return bool(LinuxGui().process(output))

    def reads(self) -> frozenset[Key]:
        return frozenset({("packages",)})


_LOAD = re.compile(r"load averages?:\s*([0-9.]+),?\s+([0-9.]+),?\s+([0-9.]+)")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?\Z")


class LoadAverage(FactBase[dict[str, float]]):
    """The load averages over 1, 5 and 15 minutes: ``{"1": 0.12, "5": 0.2, "15": 0.1}``,
    from /proc/loadavg, else from ``uptime`` (systems without procfs)."""

    @staticmethod
    def default() -> dict[str, float]:
        return {}

    def command(self) -> str:
        return "if [ -r /proc/loadavg ]; then cat /proc/loadavg; else uptime; fi"

    def process(self, output: list[str]) -> dict[str, float]:
        for line in output:
            words = line.split()
            if len(words) >= 3 and all(_NUMBER.match(w) for w in words[:3]):
                return dict(zip(("1", "5", "15"), map(float, words[:3]), strict=True))
            found = _LOAD.search(line)
            if found:
                return dict(zip(("1", "5", "15"), map(float, found.groups()), strict=True))
        raise FactParseError(f"no load average in the output: {output[:2]!r}")

    def reads(self) -> frozenset[Key]:
        return NOTHING


def _cat_if_there(path: str) -> str:
    """Print a file if it exists (nothing if not); a file that cannot be read fails."""
    p = shlex.quote(path)
    return f"if [ -e {p} ]; then cat -- {p}; fi"


class EtcHosts(FactBase[dict[str, list[str]]]):
    """``/etc/hosts`` (or ``path``) as address -> host names, in file order; an address
    listed twice has its names merged. {} when the file does not exist."""

    @staticmethod
    def default() -> dict[str, list[str]]:
        return {}

    def command(self, path: str = "/etc/hosts") -> str:
        return _cat_if_there(path)

    def process(self, output: list[str]) -> dict[str, list[str]]:
        entries: dict[str, list[str]] = {}
        for line in output:
            words = line.split("#", 1)[0].split()
            if len(words) < 2:
                continue
            names = entries.setdefault(words[0], [])
            names.extend(n for n in words[1:] if n not in names)
        return entries

    def reads(self, path: str = "/etc/hosts") -> frozenset[Key]:
        return frozenset({keys.path(path)})


class AuthorizedKeys(FactBase[list[str]]):
    """The public keys in ``user``'s ``~/.ssh/authorized_keys`` (or in ``path``), one
    string per key line, in file order, without blank and comment lines. [] when the file
    does not exist."""

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self, user: str, path: str | None = None) -> str:
        if path is not None:
            return _cat_if_there(path)
        if _SAFE_USER.match(user):
            where = f"~{user}/.ssh/authorized_keys"
            return f"if [ -e {where} ]; then cat -- {where}; fi"
        # a name ~ cannot expand: its home from the user database
        q = shlex.quote(user)
        return (f'__cf_h=$(getent passwd -- {q} | cut -d: -f6); if [ -n "$__cf_h" ] && '
                f'[ -e "$__cf_h/.ssh/authorized_keys" ]; then '
                f'cat -- "$__cf_h/.ssh/authorized_keys"; fi')

    def process(self, output: list[str]) -> list[str]:
        return [line.strip() for line in output
                if line.strip() and not line.strip().startswith("#")]

    def reads(self, user: str, path: str | None = None) -> frozenset[Key]:
        return frozenset({keys.path(path)}) if path is not None else frozenset({ANY})


class LastRecordDict(TypedDict):
    """One login record of ``Last``/``Lastb``."""

    user: str
    tty: str
    host: str
    #: the rest of the line as ``last`` prints it (start, end or state, duration)
    time: str


_WEEKDAYS = frozenset({"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"})


def parse_last(output: list[str]) -> list[LastRecordDict]:
    """``last``'s lines as records (user, tty, host, time); its header and trailer lines
    are skipped."""
    records: list[LastRecordDict] = []
    for line in output:
        words = line.split()
        if len(words) < 3 or words[0].lower() in ("wtmp", "btmp", "user", "username"):
            continue
        if words[:3] == ["reboot", "system", "boot"] or words[1:3] == ["system", "boot"]:
            tty, rest = "system boot", words[3:]
        else:
            tty, rest = words[1], words[2:]
        if not rest:
            continue
        host = "" if rest[0] in _WEEKDAYS else rest[0]
        when = rest if host == "" else rest[1:]
        records.append({"user": words[0], "tty": tty, "host": host, "time": " ".join(when)})
    return records


class Last(FactBase[list[LastRecordDict]]):
    """The login records ``last`` prints (newest first): user, tty, host (an address,
    ``-i``) and time (the rest of the line: start, end or "still logged in", duration).
    [] without ``last``."""

    requires_command = "last"

    @staticmethod
    def default() -> list[LastRecordDict]:
        return []

    def command(self) -> str:
        # util-linux's full times and addresses; BSD's -w; busybox takes no flags
        return "last -Fwi 2>/dev/null || last -w 2>/dev/null || last"

    def is_absent(self, exit_code: int, stderr: str) -> bool:
        # no login records kept on the host (no wtmp/btmp file): none to read
        return exit_code == 1 and "No such file or directory" in stderr

    def process(self, output: list[str]) -> list[LastRecordDict]:
        return parse_last(output)

    def reads(self) -> frozenset[Key]:
        return NOTHING


class Lastb(Last):
    """The failed login records ``lastb`` prints (reading /var/log/btmp needs root), in
    ``Last``'s shape. [] without ``lastb``."""

    requires_command = "lastb"

    def command(self) -> str:
        return "lastb -Fwi 2>/dev/null || lastb"
