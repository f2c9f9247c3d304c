"""server.* facts about the running system: sysctl, mounts, modules, locales, time, limits.

Part of the ``server`` fact namespace: :mod:`corral.facts.server` re-exports the classes.
"""

from __future__ import annotations

import re
import shlex
from typing import NotRequired, TypedDict

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

from ._util import first_line, try_int

SysctlValue = int | str | list[int | str]

_SYSCTL_WORDS = re.compile(r"[A-Za-z0-9_\-.\s]+")
_SYSCTL_KEY = re.compile(r"[A-Za-z0-9_.\-/*:@+]+")


def sysctl_path(key: str) -> str:
    """The /proc/sys file of a sysctl key (``net.ipv4.ip_forward`` or ``net/ipv4/ip_forward``)."""
    return "/proc/sys/" + (key if "/" in key else key.replace(".", "/"))


def check_sysctl_key(key: str) -> bool:
    return bool(_SYSCTL_KEY.fullmatch(key)) and ".." not in key and not key.startswith("-")


def sysctl_value(values: str) -> SysctlValue:
    """A sysctl value as the Sysctl fact gives it: ints where possible, a list for several."""
    values = values.strip()
    if not _SYSCTL_WORDS.fullmatch(values):
        return values
    words = [try_int(word) for word in values.split()]
    return words[0] if len(words) == 1 else words


class Sysctl(FactBase[dict[str, SysctlValue]]):
    """Kernel parameters by name, e.g. {"vm.swappiness": 60, "fs.inode-state": [1, 2]}."""

    @staticmethod
    def default() -> dict[str, SysctlValue]:
        return {}

    def command(self, keys: list[str] | None = None) -> str:
        if keys is None:
            return "sysctl -a 2>/dev/null || true"
        return f"sysctl {' '.join(shlex.quote(k) for k in keys)} 2>/dev/null || true"

    def process(self, output: list[str]) -> dict[str, SysctlValue]:
        found: dict[str, SysctlValue] = {}
        for line in output:
            sep = "=" if "=" in line else ":" if ":" in line else None
            if sep is None:
                continue  # a value continued on the next line
            key, _, values = line.partition(sep)
            if key.strip() and values.strip():
                found[key.strip()] = sysctl_value(values)
        return found

    def reads(self, keys: list[str] | None = None) -> frozenset[Key]:
        return frozenset({("sysctl",)})


class SysctlWritable(FactBase[bool | None]):
    """Whether a kernel parameter can be set now (its /proc/sys file is writable); None
    if the host has no such parameter."""

    def command(self, key: str) -> str:
        p = shlex.quote(sysctl_path(key))
        return (
            f"if [ ! -e {p} ]; then echo missing; elif [ -w {p} ]; then echo writable; "
            "else echo read-only; fi"
        )

    def process(self, output: list[str]) -> bool | None:
        answer = first_line(output)
        if answer not in ("missing", "writable", "read-only"):
            raise FactParseError(f"unexpected output: {answer!r}")
        return None if answer == "missing" else answer == "writable"

    def reads(self, key: str) -> frozenset[Key]:
        return frozenset({("sysctl",)})


class MountDict(TypedDict):
    """One mounted file system in the Mounts fact."""

    device: str
    type: str
    options: list[str]


_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(text: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), text)


class Mounts(FactBase[dict[str, MountDict]]):
    """Mounted file systems by mount point: device, type and options (Linux mountinfo)."""

    @staticmethod
    def default() -> dict[str, MountDict]:
        return {}

    def command(self) -> str:
        return "cat /proc/self/mountinfo"

    def process(self, output: list[str]) -> dict[str, MountDict]:
        mounts: dict[str, MountDict] = {}
        for line in output:
            if not line.strip():
                continue
            fields = line.split(" ")
            try:
                dash = fields.index("-", 6)
            except ValueError:
                raise FactParseError(f"cannot parse mountinfo line: {line!r}") from None
            if len(fields) != dash + 4:
                raise FactParseError(f"cannot parse mountinfo line: {line!r}")
            fs_type, source, super_options = fields[dash + 1 : dash + 4]
            options = fields[5].split(",")
            options += [_unescape(o) for o in super_options.split(",") if o not in ("ro", "rw")]
            mounts[_unescape(fields[4])] = {
                "device": _unescape(source),
                "type": fs_type,
                "options": options,
            }
        return mounts

    def reads(self) -> frozenset[Key]:
        return frozenset({("mounts",)})


class KernelModuleDict(TypedDict):
    """One loaded module in the KernelModules fact."""

    size: int
    instances: int
    state: str
    depends: NotRequired[list[str]]


class KernelModules(FactBase[dict[str, KernelModuleDict]]):
    """Loaded kernel modules by name: size, instances, state and depends (/proc/modules)."""

    @staticmethod
    def default() -> dict[str, KernelModuleDict]:
        return {}

    def command(self) -> str:
        return "! test -f /proc/modules || cat /proc/modules"

    def process(self, output: list[str]) -> dict[str, KernelModuleDict]:
        modules: dict[str, KernelModuleDict] = {}
        for line in output:
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) < 5 or not fields[1].isdecimal() or not fields[2].isdecimal():
                raise FactParseError(f"cannot parse /proc/modules line: {line!r}")
            name, size, instances, depends, state = fields[:5]
            module: KernelModuleDict = {
                "size": int(size),
                "instances": int(instances),
                "state": state,
            }
            if depends != "-":
                module["depends"] = [d for d in depends.split(",") if d]
            modules[name] = module
        return modules

    def reads(self) -> frozenset[Key]:
        return frozenset({("kernel_modules",)})


class Locales(FactBase[list[str]]):
    """The locales generated on the host (``locale -a``), spelt as in /etc/locale.gen
    (``en_US.UTF-8``)."""

    requires_command = "locale"

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self) -> str:
        return "locale -a"

    def process(self, output: list[str]) -> list[str]:
        return [line.strip().replace("utf8", "UTF-8") for line in output if line.strip()]

    def reads(self) -> frozenset[Key]:
        return frozenset({("locales",)})


_ZONE = re.compile(r"^.*?/zoneinfo/(?:posix/|right/)?")


class Timezone(FactBase[str | None]):
    """The system time zone (e.g. "Europe/Paris"): the /etc/localtime link's target, else
    /etc/timezone; None if neither tells."""

    def command(self) -> str:
        return (
            "if [ -L /etc/localtime ]; then echo link; readlink /etc/localtime; "
            "elif [ -f /etc/timezone ]; then echo file; cat /etc/timezone; fi"
        )

    def process(self, output: list[str]) -> str | None:
        lines = [line.strip() for line in output if line.strip()]
        if not lines:
            return None
        kind, rest = lines[0], lines[1:]
        if kind not in ("link", "file"):
            raise FactParseError(f"unexpected output: {kind!r}")
        if not rest:
            return None
        if kind == "link":
            zone = _ZONE.sub("", rest[0])
            return zone if zone != rest[0] or not zone.startswith("/") else None
        return rest[0]

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path("/etc/localtime"), keys.path("/etc/timezone")})
