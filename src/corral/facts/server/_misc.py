"""server.* facts about time, release files, limits, SELinux and the shell environment.

The classes are published as ``server.X`` and imported by :mod:`corral.facts.server`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TypedDict

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import ANY, Key

from ._util import NOTHING, first_line, unquote


class Uptime(FactBase[int]):
    """The number of seconds since the host booted."""

    def command(self) -> str:
        return (
            "if [ -r /proc/uptime ]; then cut -d. -f1 /proc/uptime; "
            "else date +%s; sysctl -n kern.boottime | sed 's/.*sec = \\([0-9]*\\).*/\\1/'; fi"
        )

    def process(self, output: list[str]) -> int:
        numbers = [line.strip() for line in output if line.strip()]
        if not numbers or len(numbers) > 2 or not all(n.isdecimal() for n in numbers):
            raise FactParseError(f"cannot parse uptime: {output[:2]!r}")
        if len(numbers) == 2:
            return int(numbers[0]) - int(numbers[1])
        return int(numbers[0])

    def reads(self) -> frozenset[Key]:
        return NOTHING


_REBOOT_SCRIPT = r"""
case "$(uname -s)" in
Linux)
  if [ -f /etc/alpine-release ]; then
    newest=$(ls -1 /lib/modules 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$newest" ] && [ "$newest" != "$(uname -r)" ]; then echo yes; exit 0; fi
  elif [ -f /var/run/reboot-required ] || [ -f /var/run/reboot-required.pkgs ]; then
    echo yes; exit 0
  fi ;;
FreeBSD)
  if [ "$(freebsd-version -r)" != "$(freebsd-version -k)" ]; then echo yes; exit 0; fi ;;
esac
echo no
""".strip()


class RebootRequired(FactBase[bool]):
    """Whether the host asks for a reboot (Debian's /var/run/reboot-required, a newer
    kernel on Alpine or FreeBSD)."""

    @staticmethod
    def default() -> bool:
        return False

    def command(self) -> str:
        return _REBOOT_SCRIPT

    def process(self, output: list[str]) -> bool:
        answer = first_line(output)
        if answer not in ("yes", "no"):
            raise FactParseError(f"unexpected output: {answer!r}")
        return answer == "yes"

    def reads(self) -> frozenset[Key]:
        return frozenset({("packages",)})


_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


class Date(FactBase[datetime]):
    """The host's current date and time, with its UTC offset."""

    @staticmethod
    def default() -> datetime:
        return datetime.now().astimezone()

    def command(self) -> str:
        return f"date +'{_DATE_FORMAT}'"

    def process(self, output: list[str]) -> datetime:
        text = first_line(output) or ""
        try:
            return datetime.strptime(text, _DATE_FORMAT)
        except ValueError:
            raise FactParseError(f"cannot parse date: {text!r}") from None

    def reads(self) -> frozenset[Key]:
        return NOTHING


class Command(FactBase[str]):
    """The output of a shell command, as one string."""

    def command(self, command: str) -> str:
        return command

    def process(self, output: list[str]) -> str:
        return "\n".join(output)

    def reads(self, command: str) -> frozenset[Key]:
        return frozenset({ANY})


class SecurityLimitDict(TypedDict):
    """One line of /etc/security/limits.conf."""

    domain: str
    limit_type: str
    item: str
    value: str


class SecurityLimits(FactBase[list[SecurityLimitDict]]):
    """The limits set in /etc/security/limits.conf: domain, limit_type, item and value."""

    @staticmethod
    def default() -> list[SecurityLimitDict]:
        return []

    def command(self) -> str:
        return "! test -e /etc/security/limits.conf || cat /etc/security/limits.conf"

    def process(self, output: list[str]) -> list[SecurityLimitDict]:
        limits: list[SecurityLimitDict] = []
        for line in output:
            fields = line.split()
            if len(fields) != 4 or fields[0].startswith("#"):
                continue  # comments, blank lines and lines pam_limits would ignore too
            domain, limit_type, item, value = fields
            limits.append({"domain": domain, "limit_type": limit_type, "item": item,
                           "value": value})
        return limits

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path("/etc/security/limits.conf")})


class SelinuxDict(TypedDict):
    """What the Selinux fact returns."""

    mode: str | None


class Selinux(FactBase[SelinuxDict]):
    """SELinux's status from ``sestatus``: {"mode": "enabled"}, mode None without SELinux."""

    requires_command = "sestatus"

    @staticmethod
    def default() -> SelinuxDict:
        return {"mode": None}

    def command(self) -> str:
        return "sestatus"

    def process(self, output: list[str]) -> SelinuxDict:
        for line in output:
            match = re.match(r"^SELinux status:\s+(\S+)", line)
            if match:
                return {"mode": match.group(1)}
        return {"mode": None}

    def reads(self) -> frozenset[Key]:
        return NOTHING


class LsbRelease(FactBase[dict[str, str] | None]):
    """``lsb_release -ca`` as a dict: id, description, release, codename; None without it."""

    requires_command = "lsb_release"

    def command(self) -> str:
        return "lsb_release -ca"

    def process(self, output: list[str]) -> dict[str, str] | None:
        items: dict[str, str] = {}
        for line in output:
            key, sep, value = line.partition(":")
            if not sep:
                continue
            items[key.strip().lower().split(" ")[-1]] = value.strip()
        return items

    def reads(self) -> frozenset[Key]:
        return NOTHING


class OsRelease(FactBase[dict[str, str]]):
    """/etc/os-release as a dict with lower-case keys: name, id, version_id, pretty_name..."""

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self) -> str:
        # a host without the file (not a systemd-era Linux) has none: {}; one that cannot
        # be read is a failure
        return "! test -e /etc/os-release || cat /etc/os-release"

    def process(self, output: list[str]) -> dict[str, str]:
        items: dict[str, str] = {}
        for line in output:
            key, sep, value = line.partition("=")
            if sep and key.strip() and not key.lstrip().startswith("#"):
                items[key.strip().lower()] = unquote(value)
        return items

    def reads(self) -> frozenset[Key]:
        return NOTHING


class Path(FactBase[str]):
    """The PATH of the user the facts run as."""

    def command(self) -> str:
        return "echo $PATH"

    def process(self, output: list[str]) -> str:
        return first_line(output) or ""

    def reads(self) -> frozenset[Key]:
        return NOTHING


class TmpDir(FactBase[str]):
    """The first writable directory named by TMPDIR, TMP or TEMP; "" when none is."""

    def command(self) -> str:
        return (
            'for d in "$TMPDIR" "$TMP" "$TEMP"; do '
            'if [ -n "$d" ] && [ -d "$d" ] && [ -w "$d" ]; then echo "$d"; exit 0; fi; '
            "done; echo"
        )

    def process(self, output: list[str]) -> str:
        return first_line(output) or ""

    def reads(self) -> frozenset[Key]:
        return NOTHING
