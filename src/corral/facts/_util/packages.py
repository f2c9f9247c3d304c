"""Parsing shared by the package-manager facts (not a fact module: nothing here registers)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import ClassVar

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

PACKAGES_KEY: tuple[str, ...] = ("packages",)


def parse_packages(regex: re.Pattern[str], output: Iterable[str]) -> dict[str, set[str]]:
    """``{name: {versions}}`` from the lines ``regex`` matches (group 1 name, group 2
    version); other lines (headers, warnings) are skipped."""
    packages: dict[str, set[str]] = {}
    for line in output:
        match = regex.match(line)
        if match:
            packages.setdefault(match.group(1), set()).add(match.group(2))
    return packages


def cat_files_command(*globs: str, marker: str) -> str:
    """Print each existing file matching ``globs``, each preceded by ``marker PATH``."""
    return (
        f"for f in {' '.join(globs)}; do "
        f'[ -f "$f" ] || continue; echo "{marker}$f"; cat "$f"; echo; done'
    )


REPO_FILE_MARKER = "#corral-file:"


def parse_ini_repositories(output: Iterable[str]) -> list[dict[str, str]]:
    """yum/dnf ``.repo`` files as a list of sections: ``repoid`` and ``name`` are the section
    name (``name`` is replaced by a ``name=`` key), ``filename`` the file it is in, then
    every ``key=value`` of the section (``[main]`` of dnf.conf included, as pyinfra does);
    keys outside any section are skipped."""
    repos: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    filename: str | None = None
    for raw in output:
        line = raw.strip()
        if line.startswith(REPO_FILE_MARKER):
            filename = line[len(REPO_FILE_MARKER) :].strip() or None
            current = None
            continue
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            if not line.endswith("]") or len(line) < 3:
                raise FactParseError(f"bad section header: {line!r}")
            section = line[1:-1].strip()
            current = {"repoid": section, "name": section}
            if filename is not None:
                current["filename"] = filename
            repos.append(current)
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            # a continuation line of a multi-line value (gpgkey=... on several lines)
            if current is not None and raw[:1] in (" ", "\t"):
                last = list(current)[-1]
                current[last] = f"{current[last]} {line}"
                continue
            raise FactParseError(f"not a key=value line in a repository file: {line!r}")
        if current is not None:
            current[key.strip()] = value.strip()
    return repos


def parse_env(output: Iterable[str]) -> dict[str, str]:
    """``KEY=value`` lines (upper-case keys) as a dict; the last one of a key wins."""
    env: dict[str, str] = {}
    for line in output:
        match = _ENV.match(line.strip())
        if match:
            env[match.group(1)] = match.group(2)
    return env


_ENV = re.compile(r"^([A-Z_][A-Z0-9_]*)=(.*)$")


def match_fields(fields: Mapping[str, re.Pattern[str]], output: Iterable[str]) -> dict[str, str]:
    """Each field's value from the first group of its regex, on the lines it matches (the
    last match wins): the ``key: value`` listing of ``snap info``, ``flatpak info``..."""
    found: dict[str, str] = {}
    for line in output:
        for key, regex in fields.items():
            match = regex.match(line)
            if match:
                found[key] = match.group(1).strip()
    return found


class BinDirInLoginPath(FactBase[bool]):
    """Whether the directory a package manager puts executables in (printed by
    ``bin_dir_command``) is in the PATH of a login shell of the user: what the manager's
    own "ensure path" command changes, by editing the shell's start-up files."""

    abstract = True
    #: prints the directory; no output, or a failure, reads as "not in the PATH"
    bin_dir_command: ClassVar[str]

    @staticmethod
    def default() -> bool:
        return False

    def command(self) -> str:
        return (
            f"d=$({self.bin_dir_command} 2>/dev/null) && [ -n \"$d\" ] && "
            "p=$(\"${SHELL:-sh}\" -l -i -c 'printf %s \"$PATH\"' 2>/dev/null </dev/null) && "
            'case ":$p:" in *":$d:"*) echo yes;; *) echo no;; esac'
        )

    def process(self, output: list[str]) -> bool:
        return any(line.strip() == "yes" for line in output)

    def reads(self) -> frozenset[Key]:
        return frozenset({("shell-profile",)})
