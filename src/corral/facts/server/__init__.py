"""Facts about the target system: kernel, architecture, distribution, users and groups."""

from __future__ import annotations

import re
import shlex
from datetime import datetime
from typing import TypedDict

from corral.facts import crontab as _crontab
from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

from ._info import (
    AuthorizedKeys,
    EtcHosts,
    HasGui,
    KernelVersion,
    Last,
    Lastb,
    LastRecordDict,
    LinuxGui,
    LinuxName,
    LoadAverage,
    MacosVersion,
    OsVersion,
    User,
)
from ._misc import (
    Command,
    Date,
    LsbRelease,
    OsRelease,
    Path,
    RebootRequired,
    SecurityLimitDict,
    SecurityLimits,
    Selinux,
    SelinuxDict,
    TmpDir,
    Uptime,
)
from ._procs import Port, PortDict, Ports, ProcessDict, Processes
from ._system import (
    KernelModuleDict,
    KernelModules,
    Locales,
    MountDict,
    Mounts,
    Sysctl,
    SysctlWritable,
    Timezone,
)

_NOTHING: frozenset[Key] = frozenset()

CrontabDict = _crontab.CrontabDict


class Crontab(_crontab.Crontab):
    """A user's crontab; the old name of crontab.Crontab."""


__all__ = [
    "Arch",
    "AuthorizedKeys",
    "Command",
    "Crontab",
    "CrontabDict",
    "Date",
    "EtcHosts",
    "Groups",
    "HasGui",
    "Home",
    "Hostname",
    "Kernel",
    "KernelModuleDict",
    "KernelModules",
    "KernelVersion",
    "Last",
    "LastRecordDict",
    "Lastb",
    "LinuxDistribution",
    "LinuxDistributionDict",
    "LinuxGui",
    "LinuxName",
    "LoadAverage",
    "Locales",
    "LsbRelease",
    "MacosVersion",
    "MountDict",
    "Mounts",
    "Os",
    "OsRelease",
    "OsVersion",
    "Path",
    "Port",
    "PortDict",
    "Ports",
    "ProcessDict",
    "Processes",
    "RebootRequired",
    "SecurityLimitDict",
    "SecurityLimits",
    "Selinux",
    "SelinuxDict",
    "Sysctl",
    "SysctlWritable",
    "Timezone",
    "TmpDir",
    "Uptime",
    "User",
    "UserDict",
    "Users",
    "Which",
]


def _one_line(output: list[str], what: str) -> str:
    for line in output:
        if line.strip():
            return line.strip()
    raise FactParseError(f"no {what} in the output")


class Os(FactBase[str]):
    """The kernel name from ``uname -s`` (e.g. "Linux"); an old name for server.Kernel."""

    def command(self) -> str:
        return "uname -s"

    def process(self, output: list[str]) -> str:
        return _one_line(output, "kernel name")

    def reads(self) -> frozenset[Key]:
        return _NOTHING


class Kernel(Os):
    """The kernel name from ``uname -s`` (e.g. "Linux", "FreeBSD")."""


class Arch(FactBase[str]):
    """The machine architecture from ``uname -m`` (e.g. "x86_64", "aarch64")."""

    def command(self) -> str:
        return "uname -m"

    def process(self, output: list[str]) -> str:
        return _one_line(output, "architecture")

    def reads(self) -> frozenset[Key]:
        return _NOTHING


class Hostname(FactBase[str]):
    """The host's name from ``uname -n``."""

    def command(self) -> str:
        return "uname -n"

    def process(self, output: list[str]) -> str:
        return _one_line(output, "hostname")

    def reads(self) -> frozenset[Key]:
        return frozenset({("hostname",)})


_SAFE_USER = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$")


class Home(FactBase[str | None]):
    """The home directory of ``user`` (the current user if empty), or None if unknown."""

    def command(self, user: str = "") -> str:
        if not user or _SAFE_USER.match(user):
            return f"echo ~{user}"
        # a name tilde expansion cannot take: look it up instead
        return f"getent passwd -- {shlex.quote(user)} | cut -d: -f6 || true"

    def process(self, output: list[str]) -> str | None:
        home = output[0].strip() if output else ""
        if not home or home.startswith("~"):
            return None
        return home

    def reads(self, user: str = "") -> frozenset[Key]:
        return frozenset({("users",)})


class Which(FactBase[str | None]):
    """The path of a command according to ``command -v``, or None if it is not available."""

    def command(self, command: str) -> str:
        return f"command -v {shlex.quote(command)} || true"

    def process(self, output: list[str]) -> str | None:
        for line in output:
            if line.strip():
                return line.strip()
        return None

    def reads(self, command: str) -> frozenset[Key]:
        return frozenset({("packages",)})


class Groups(FactBase[list[str]]):
    """The names of the groups in /etc/group, in file order."""

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self) -> str:
        return "cat /etc/group"

    def process(self, output: list[str]) -> list[str]:
        return [line.split(":", 1)[0] for line in output if ":" in line and line[0] != ":"]

    def reads(self) -> frozenset[Key]:
        return frozenset({("groups",), keys.path("/etc/group")})


class UserDict(TypedDict):
    """One user in the Users fact."""

    home: str | None
    comment: str | None
    shell: str | None
    group: str
    groups: list[str]
    uid: int
    gid: int
    lastlog: str | None
    login_time: datetime | None
    password: str


# One line per passwd entry: ENTRY|primary group|all groups|lastlog line|password hash.
# Four processes whatever the number of users (a loop calling id and lastlog per user costs
# a few hundred): one lastlog for all users, then one awk that joins it with /etc/group,
# the shadow file and /etc/passwd. Group names come from /etc/group, like the users
# themselves come from /etc/passwd; a gid without a name there is printed as the number.
# A group name's %, | and blanks are printed %-escaped (%25, %7C, %20, %09): "|" ends a
# field and " " separates the groups, and a name may hold them (groupadd on Debian takes
# "a|b"): unescaped, the user's shell was read as "/bin/sh|a".
_USERS_COMMAND = r"""
__cf_s=; for __cf_f in /etc/shadow /etc/master.passwd; do
[ -r "$__cf_f" ] && __cf_s="$__cf_s $__cf_f"; done
{ lastlog || lastlogin; } 2>/dev/null | awk -F: '
function esc(s) { gsub(/%/, "%25", s); gsub(/\|/, "%7C", s); gsub(/ /, "%20", s);
    gsub(/\t/, "%09", s); return s }
FILENAME == "-" { n = split($0, w, " "); if (n && !(w[1] in ll)) { line = w[1];
    for (i = 2; i <= n; i++) line = line " " w[i]; ll[w[1]] = line }; next }
FILENAME == "/etc/group" { if (!($3 in gname)) gname[$3] = esc($1); m = split($4, mem, ",");
    for (i = 1; i <= m; i++) if (mem[i] != "") sup[mem[i]] = sup[mem[i]] " " esc($1); next }
FILENAME != "/etc/passwd" { if (!($1 in pw)) pw[$1] = $2; next }
$1 == "" || $1 ~ /^[+-]/ { next }
{ g = ($4 in gname) ? gname[$4] : $4; all = g; m = split(sup[$1], extra, " ");
  for (i = 1; i <= m; i++) if (extra[i] != g && !((extra[i], $1) in seen)) {
      seen[extra[i], $1] = 1; all = all " " extra[i] }
  printf "%s|%s|%s|%s|%s\n", $0, g, all, ll[$1], pw[$1] }
' - /etc/group $__cf_s /etc/passwd
""".strip()

#: the same without the last logins: no ``lastlog`` process, no pipe
_ACCOUNTS_COMMAND = _USERS_COMMAND.replace(
    "{ lastlog || lastlogin; } 2>/dev/null | awk", "awk").replace("' - /etc/group", "' /etc/group")

_LOGIN_RE = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} {1,2}\d+ .+$")


def _login_time(raw: str) -> datetime | None:
    text = " ".join(raw.split())
    for fmt in ("%a %b %d %H:%M:%S %z %Y", "%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _unescape(name: str) -> str:
    """A group name as the Users command prints it, %-escaped, back to itself."""
    if "%" not in name:
        return name
    for code, char in (("%7C", "|"), ("%20", " "), ("%09", "\t"), ("%25", "%")):
        name = name.replace(code, char)
    return name


def _parse_user(line: str) -> tuple[str, UserDict]:
    parts = line.rsplit("|", 4)
    if len(parts) != 5:
        raise FactParseError(f"cannot parse user line: {line!r}")
    entry, group, all_groups, lastlog, password = parts
    group = _unescape(group)
    fields = entry.split(":")
    if len(fields) != 7 or not fields[0]:
        raise FactParseError(f"cannot parse passwd entry: {entry!r}")
    name, _, uid, gid, comment, home, shell = fields
    try:
        uid_n, gid_n = int(uid), int(gid)
    except ValueError:
        raise FactParseError(f"bad uid or gid in passwd entry: {entry!r}") from None
    login = _LOGIN_RE.search(lastlog)
    raw_login = login.group() if login else None
    return name, {
        "home": home or None,
        "comment": comment or None,
        "shell": shell or None,
        "group": group,
        "groups": [g for g in map(_unescape, all_groups.split(" ")) if g and g != group],
        "uid": uid_n,
        "gid": gid_n,
        "lastlog": raw_login,
        "login_time": _login_time(raw_login) if raw_login else None,
        "password": password,
    }


class Users(FactBase[dict[str, UserDict]]):
    """Users by name: home, comment, shell, group, groups, uid, gid, lastlog, password."""

    inline = True

    @staticmethod
    def default() -> dict[str, UserDict]:
        return {}

    def command(self) -> str:
        return _USERS_COMMAND

    def process(self, output: list[str]) -> dict[str, UserDict]:
        users: dict[str, UserDict] = {}
        for line in output:
            if line.strip():
                name, info = _parse_user(line)
                users[name] = info
        return users

    def reads(self) -> frozenset[Key]:
        return frozenset({("users",), keys.path("/etc/passwd")})


class UserAccounts(Users):
    """Users like ``server.Users`` without their last logins (``lastlog`` and
    ``login_time`` are None): one process fewer on the host. What ``server.user`` reads."""

    def command(self) -> str:
        return _ACCOUNTS_COMMAND


class LinuxDistributionDict(TypedDict):
    """What LinuxDistribution returns."""

    name: str | None
    major: int | None
    minor: int | None
    release_meta: dict[str, str]


_FILE_MARKER = "__corral_release_file__ "
_PRETTY_NAMES = {
    "alpine": "Alpine",
    "centos": "CentOS",
    "debian": "Debian",
    "fedora": "Fedora",
    "gentoo": "Gentoo",
    "opensuse": "openSUSE",
    "rhel": "RedHat",
    "ubuntu": "Ubuntu",
}
_RELEASE_LINE = re.compile(r"^(.+?)\s+release\s+(\d[\w.]*)")
_VERSION = re.compile(r"(\d{1,9})(?:\.(\d{1,9}))?", re.ASCII)
_CODENAME = re.compile(r"[(,]\s*([^)]+?)\s*\)?\s*$")


def _unquote(value: str) -> str:
    value = value.strip()
    try:
        words = shlex.split(value)
    except ValueError:
        return value.strip("\"'")
    return " ".join(words)


def _split_release_files(output: list[str]) -> dict[str, list[str]]:
    files: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in output:
        if line.startswith(_FILE_MARKER):
            current = files.setdefault(line[len(_FILE_MARKER) :], [])
        elif current is not None:
            current.append(line)
        elif line.strip():
            raise FactParseError(f"release data before any file name: {line!r}")
    return files


class LinuxDistribution(FactBase[LinuxDistributionDict]):
    """The distribution: name (e.g. "Debian"), major, minor, and release_meta (os-release)."""

    @staticmethod
    def default() -> LinuxDistributionDict:
        return {"name": None, "major": None, "minor": None, "release_meta": {}}

    def command(self) -> str:
        return (
            'for f in /etc/*-release; do [ -f "$f" ] || continue; '
            f'echo "{_FILE_MARKER}$f"; cat "$f"; echo; done'
        )

    def process(self, output: list[str]) -> LinuxDistributionDict:
        files = _split_release_files(output)
        meta: dict[str, str] = {}
        for line in files.pop("/etc/os-release", []):
            key, sep, value = line.partition("=")
            key = key.strip()
            if sep and key and not key.startswith("#"):
                meta[key.upper()] = _unquote(value)
        name: str | None = None
        version = meta.get("VERSION_ID", "")
        if "ID" in meta or "NAME" in meta:
            name = _PRETTY_NAMES.get(meta.get("ID", "").lower()) or meta.get("NAME") or None
        if "CODENAME" not in meta:
            codename = meta.get("VERSION_CODENAME") or meta.get("UBUNTU_CODENAME")
            found = _CODENAME.search(meta.get("VERSION", ""))
            codename = codename or (found.group(1) if found else None)
            if codename:
                meta["CODENAME"] = codename
        for lines in files.values():
            match = next(filter(None, map(_RELEASE_LINE.match, lines)), None)
            if not match:
                continue
            name = name or _PRETTY_NAMES.get(match.group(1).split()[0].lower(), match.group(1))
            other = match.group(2)
            if not version or (other.startswith(version + ".")):
                version = other
        result = self.default()
        result["name"] = name
        result["release_meta"] = meta
        parts = _VERSION.match(version)
        if parts:
            result["major"] = int(parts.group(1)) or None
            result["minor"] = int(parts.group(2)) if parts.group(2) else None
        return result

    def reads(self) -> frozenset[Key]:
        return _NOTHING

