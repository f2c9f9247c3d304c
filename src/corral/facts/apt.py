"""Facts about apt itself (as opposed to the packages it installed, see ``deb``)."""

from __future__ import annotations

import re
import shlex
from typing import Any, TypedDict

from corral.facts._util.packages import PACKAGES_KEY, cat_files_command, parse_packages
from corral.facts.gpg import parse_keys
from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: touched after every successful ``apt-get update``: by apt's periodic job on Ubuntu,
#: and by ``apt.update(cache_time=...)`` everywhere
APT_UPDATE_STAMP = "/var/lib/apt/periodic/update-success-stamp"


class AptCacheAge(FactBase[int | None]):
    """Seconds since apt's lists were last updated, or None when that was never recorded.

    Measured on the host (its clock minus the modification time of
    ``/var/lib/apt/periodic/update-success-stamp``), so the controller's clock and time
    zone do not matter. pyinfra has no such fact; its ``apt.update`` compares
    ``files.File`` of the same path with ``server.Date``.
    """

    def command(self) -> str:
        return (
            f"f={APT_UPDATE_STAMP}; "
            'if [ -e "$f" ]; then echo $(( $(date +%s) - $(stat -c %Y "$f") )); fi'
        )

    def process(self, output: list[str]) -> int | None:
        lines = [line.strip() for line in output if line.strip()]
        if not lines:
            return None
        if len(lines) != 1:
            raise FactParseError(f"expected one number of seconds, got {len(lines)} lines")
        try:
            age = int(lines[0])
        except ValueError:
            raise FactParseError(f"not a number of seconds: {lines[0]!r}") from None
        # a stamp in the future (clock skew) counts as just updated
        return max(age, 0)

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path(APT_UPDATE_STAMP)})


# --- sources ---------------------------------------------------------------------------------

SOURCES_FILE_MARKER = "#corral-file:"


class AptRepoDict(TypedDict):
    """One repository: ``deb``/``deb-src``, its URL, suite, components and ``[options]``."""

    type: str
    url: str
    distribution: str
    components: list[str]
    options: dict[str, str | list[str]]


_ONE_LINE = re.compile(r"^(deb(?:-src)?)(?:\s+\[([^\]]*)\])?\s+(\S+)\s+(\S+)((?:\s+\S+)*)\s*$")


def parse_apt_repo(line: str) -> AptRepoDict | None:
    """A one-line-style source (``deb [opt=v] URL SUITE COMPONENT...``), or None if the
    line is not one."""
    match = _ONE_LINE.match(line.strip())
    if not match:
        return None
    kind, opts, url, suite, components = match.groups()
    options: dict[str, str | list[str]] = {}
    for opt in (opts or "").split():
        key, sep, value = opt.partition("=")
        if not sep:
            return None
        options[key] = value.split(",") if "," in value else value
    return {"type": kind, "url": url, "distribution": suite,
            "components": components.split(), "options": options}


def _deb822_repos(stanza: dict[str, str]) -> list[AptRepoDict]:
    if stanza.get("Enabled", "yes").strip().lower() == "no":
        return []
    if not all(k in stanza for k in ("Types", "URIs", "Suites")):
        raise FactParseError(f"a deb822 source without Types, URIs or Suites: {stanza}")
    options: dict[str, str | list[str]] = {}
    for field, option in (("Architectures", "arch"), ("Signed-By", "signed-by"),
                          ("Trusted", "trusted")):
        if field in stanza:
            values = stanza[field].split()
            if field == "Signed-By" and "BEGIN PGP" in stanza[field]:
                values = [stanza[field]]
            options[option] = values[0] if len(values) == 1 else values
    return [
        {"type": kind, "url": url, "distribution": suite,
         "components": stanza.get("Components", "").split(), "options": dict(options)}
        for kind in stanza["Types"].split()
        for url in stanza["URIs"].split()
        for suite in stanza["Suites"].split()
    ]


def _parse_deb822(lines: list[str]) -> list[AptRepoDict]:
    repos: list[AptRepoDict] = []
    stanza: dict[str, str] = {}
    field: str | None = None
    for line in [*lines, ""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if stanza:
                repos.extend(_deb822_repos(stanza))
            stanza, field = {}, None
        elif line[0] in " \t":
            if field is None:
                raise FactParseError(f"continuation line outside a field: {line!r}")
            text = line.strip()
            stanza[field] += "\n" + ("" if text == "." else text)
        else:
            name, sep, value = line.partition(":")
            if not sep:
                raise FactParseError(f"not a deb822 field: {line!r}")
            field = name.strip()
            stanza[field] = value.strip()
    return repos


class AptSources(FactBase[list[AptRepoDict]]):
    """The enabled apt repositories of sources.list, sources.list.d/*.list and
    sources.list.d/*.sources (deb822), each as a dict: type, url, distribution,
    components, options."""

    requires_command = "apt-get"

    @staticmethod
    def default() -> list[AptRepoDict]:
        return []

    def command(self) -> str:
        return cat_files_command(
            "/etc/apt/sources.list", "/etc/apt/sources.list.d/*.list",
            "/etc/apt/sources.list.d/*.sources", marker=SOURCES_FILE_MARKER,
        )

    def process(self, output: list[str]) -> list[AptRepoDict]:
        repos: list[AptRepoDict] = []
        files: list[tuple[str, list[str]]] = []
        for line in output:
            if line.startswith(SOURCES_FILE_MARKER):
                files.append((line[len(SOURCES_FILE_MARKER) :], []))
            elif files:
                files[-1][1].append(line)
            elif line.strip():
                raise FactParseError(f"output before the first file marker: {line!r}")
        for name, lines in files:
            if name.endswith(".sources"):
                repos.extend(_parse_deb822(lines))
                continue
            for line in lines:
                text = line.split("#", 1)[0].strip()
                repo = parse_apt_repo(text) if text else None
                if repo is not None:
                    repos.append(repo)
        return repos

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path("/etc/apt/sources.list"),
                          keys.path("/etc/apt/sources.list.d")})


# --- keys ------------------------------------------------------------------------------------

APT_KEYRING_DIRS = ("/etc/apt/trusted.gpg.d", "/etc/apt/keyrings", "/usr/share/keyrings")


class AptKeys(FactBase[dict[str, dict[str, Any]]]):
    """The OpenPGP keys in apt's keyring directories, by long key id: validity, length,
    fingerprint, uid, uid_hash, subkeys, and the keyring file they are in.

    Read with ``gpg --show-keys`` from ``/etc/apt/trusted.gpg.d``, ``/etc/apt/keyrings``
    and ``/usr/share/keyrings`` (or the ``directories`` given), not the deprecated
    ``apt-key``. When a key is in several files the last file read wins.
    """

    requires_command = "gpg"

    @staticmethod
    def default() -> dict[str, dict[str, Any]]:
        return {}

    def command(self, directories: list[str] | None = None) -> str:
        dirs = list(directories or APT_KEYRING_DIRS)
        globs = " ".join(f"{shlex.quote(d.rstrip('/'))}/*.gpg {shlex.quote(d.rstrip('/'))}/*.asc"
                         for d in dirs)
        return (
            'd=$(mktemp -d) || exit 1; '
            f'for f in {globs}; do [ -f "$f" ] || continue; echo "{SOURCES_FILE_MARKER}$f"; '
            'gpg --homedir "$d" --batch --with-colons --fixed-list-mode --show-keys "$f"'
            ' 2>/dev/null; done; rm -rf "$d"'
        )

    def process(self, output: list[str]) -> dict[str, dict[str, Any]]:
        return parse_gpg_keys(output)

    def reads(self, directories: list[str] | None = None) -> frozenset[Key]:
        return frozenset(keys.path(d) for d in (directories or APT_KEYRING_DIRS))


def parse_gpg_keys(output: list[str]) -> dict[str, dict[str, Any]]:
    """``gpg --with-colons`` records (after ``#corral-file:PATH`` markers) as keys by id,
    each naming its keyring file, with its first user id."""
    return parse_keys(output, file_marker=SOURCES_FILE_MARKER, first_uid=True)


# --- upgrades --------------------------------------------------------------------------------

_UPGRADABLE = re.compile(r"^([a-z0-9][a-z0-9+\-.]+)/(\S+)\s+(\S+)\s+(\S+)\s+\[upgradable from: "
                         r"(\S+)\]\s*$")


class AptUpgradablePackages(FactBase[dict[str, str]]):
    """Installed packages apt can upgrade, each with the version it would install
    (``apt list --upgradable``, so as fresh as the last ``apt-get update``).

    pyinfra has no such fact; ``apt.packages(latest=True)`` reads it to do nothing when the
    given packages are already at their candidate version.
    """

    requires_command = "apt"

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self) -> str:
        return "apt list --upgradable 2>/dev/null"

    def process(self, output: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for line in output:
            if not line.strip() or line.startswith(("Listing", "WARNING")):
                continue
            match = _UPGRADABLE.match(line)
            if not match:
                raise FactParseError(f"not an upgradable package line: {line!r}")
            found[match.group(1)] = match.group(3)
        return found

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY, keys.path("/var/lib/apt/lists")})


class AptSimulationDict(TypedDict):
    upgraded: int
    newly_installed: int
    removed: int
    not_upgraded: int


_SUMMARY = re.compile(
    r"^(\d+) upgraded, (\d+) newly installed, (\d+) to remove and (\d+) not upgraded\.$"
)


class SimulateOperationWillChange(FactBase[AptSimulationDict | None]):
    """What an ``apt-get`` command would do, from its dry run: the numbers of packages it
    would upgrade, newly install, remove, and leave not upgraded; None if it cannot run."""

    requires_command = "apt-get"
    #: apt-get's "cannot do that" (an unknown package, a held or broken one): the
    #: operation then runs the command itself, which reports why
    absent_exit_codes = (100,)

    def command(self, command: str) -> str:
        return f"LC_ALL=C apt-get -y --dry-run {command}"

    def process(self, output: list[str]) -> AptSimulationDict | None:
        for line in output:
            match = _SUMMARY.match(line.strip())
            if match:
                up, new, removed, held = (int(g) for g in match.groups())
                return {"upgraded": up, "newly_installed": new, "removed": removed,
                        "not_upgraded": held}
        raise FactParseError("no 'N upgraded, N newly installed...' line in apt-get's output")

    def reads(self, command: str) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY, keys.path("/var/lib/apt/lists"),
                          keys.path("/etc/apt")})


# --- installed packages, as apt lists them ---------------------------------------------------

#: ``name/suite,now VERSION ARCH [installed,...]`` (``name:i386`` for a foreign
#: architecture's package); "Listing..." and warnings do not match
_APT_LIST = re.compile(
    r"^([a-zA-Z0-9+\-.]+(?::[a-zA-Z0-9]+)?)/\S+\s+([a-zA-Z0-9:~.\-+]+)\s+\S+\s+\[installed")


class AptPackages(FactBase[dict[str, set[str]]]):
    """Installed packages as apt lists them (``apt list --installed``), by name, each with
    the set of its versions; a foreign architecture's package is ``name:arch``. Same shape
    as ``deb.DebPackages``, which reads dpkg's database instead."""

    requires_command = "apt"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "apt list --installed 2>/dev/null"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_APT_LIST, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
