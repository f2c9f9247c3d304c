"""Facts about uv: the Python packages of an environment, the Pythons it knows, its tools and
directories (https://docs.astral.sh/uv/)."""

from __future__ import annotations

import json
from typing import Any

from corral.facts._util.packages import PACKAGES_KEY, BinDirInLoginPath
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

UV = "uv"
#: uv's option restricting Python lists and installs to the Pythons uv manages itself
MANAGED_PYTHON = "--managed-python"
ONLY_INSTALLED = "--only-installed"


def _json_list(output: list[str]) -> list[dict[str, Any]]:
    text = "\n".join(output).strip()
    try:
        value = json.loads(text) if text else []
    except json.JSONDecodeError as exc:
        raise FactParseError(f"uv printed no JSON: {text[:200]!r}") from exc
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise FactParseError(f"uv printed JSON that is not a list of objects: {text[:200]!r}")
    return value


def _index(entries: list[dict[str, Any]], key: str, value: str) -> dict[str, set[str]]:
    """``{entry[key]: {entry[value], ...}}``: every value of a key is kept (uv lists one
    Python once per path it is found at, and a version in several implementations)."""
    found: dict[str, set[str]] = {}
    for entry in entries:
        if not isinstance(entry.get(key), str) or not isinstance(entry.get(value), str):
            raise FactParseError(f"uv listed an entry without {key!r} or {value!r}: {entry}")
        found.setdefault(entry[key], set()).add(entry[value])
    return dict(sorted(found.items()))


def _one_line(output: list[str]) -> str:
    lines = [line for line in output if line.strip()]
    if len(lines) > 1:
        raise FactParseError(f"uv printed more than one line: {lines[:3]!r}")
    return lines[0].strip() if lines else ""


class UvPipPackages(FactBase[dict[str, set[str]]]):
    """The packages of the Python environment ``uv pip`` works in (the active virtualenv, a
    ``.venv`` in the current directory, else the first Python found), by name, each with the
    set of its versions (``uv pip list --format json``)."""

    requires_command = UV

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return f"{UV} pip list --format json"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return _index(_json_list(output), "name", "version")

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class UvAvailablePythonsByImplementation(FactBase[dict[str, set[str]]]):
    """The Pythons uv can install or has found, by implementation key
    (``cpython-3.13.4-linux-x86_64-gnu``), each with the set of its versions
    (``uv python list --output-format=json``).

    + is_managed: only the Pythons uv manages itself (``--managed-python``)
    """

    requires_command = UV
    #: only the installed ones (``--only-installed``)
    installed_only = False
    #: the entry's field the value is keyed by, and the one its set holds
    by, holds = "key", "version"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self, is_managed: bool = True) -> str:
        managed = MANAGED_PYTHON if is_managed else ""
        installed = ONLY_INSTALLED if self.installed_only else ""
        return f"{UV} python list {managed} {installed} --output-format=json"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return _index(_json_list(output), self.by, self.holds)

    def reads(self, is_managed: bool = True) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class UvAvailablePythonsByVersion(UvAvailablePythonsByImplementation):
    """The Pythons uv can install or has found, by version (``3.13.4``), each with the set of
    its implementation keys (``uv python list --output-format=json``).

    + is_managed: only the Pythons uv manages itself (``--managed-python``)
    """

    by, holds = "version", "key"


class UvInstalledPythonsByImplementation(UvAvailablePythonsByImplementation):
    """The installed Pythons by implementation key, each with the set of its versions
    (``uv python list --only-installed --output-format=json``).

    + is_managed: only the Pythons uv manages itself (``--managed-python``)
    """

    installed_only = True


class UvInstalledPythonsByVersion(UvAvailablePythonsByImplementation):
    """The installed Pythons by version, each with the set of its implementation keys
    (``uv python list --only-installed --output-format=json``).

    + is_managed: only the Pythons uv manages itself (``--managed-python``)
    """

    installed_only = True
    by, holds = "version", "key"


class UvPythonDir(FactBase[str]):
    """The directory uv installs Pythons in (``uv python dir``); "" without uv."""

    requires_command = UV

    @staticmethod
    def default() -> str:
        return ""

    def command(self) -> str:
        return f"{UV} python dir 2>/dev/null"

    def process(self, output: list[str]) -> str:
        return _one_line(output)

    def reads(self) -> frozenset[Key]:
        return frozenset()


class UvToolDir(UvPythonDir):
    """The directory uv installs tools' environments in (``uv tool dir``); "" without uv."""

    def command(self) -> str:
        return f"{UV} tool dir 2>/dev/null"


class UvToolBinDirInPath(BinDirInLoginPath):
    """Whether the directory uv puts tools' executables in (``uv tool dir --bin``) is in the
    PATH of a login shell of the user: what ``uv tool update-shell`` changes, by editing
    the shell's start-up files (corral's; pyinfra compares ``uv tool dir``, the tools'
    environments, with the PATH of the facts' shell, so its check never holds)."""

    requires_command = UV
    bin_dir_command = f"{UV} tool dir --bin"


class UvTools(FactBase[dict[str, set[str]]]):
    """The tools installed with ``uv tool install``, by name, each with the set of its
    versions (``uv tool list``: a ``NAME vVERSION`` line, then ``- EXECUTABLE`` lines)."""

    requires_command = UV

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return f"{UV} tool list 2>/dev/null"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        tools: dict[str, set[str]] = {}
        for line in output:
            if not line.strip() or line.startswith("- "):
                continue
            words = line.split()
            if len(words) < 2 or not words[1].startswith("v"):
                raise FactParseError(f"not a tool line of uv tool list: {line!r}")
            tools.setdefault(words[0], set()).add(words[1].removeprefix("v"))
        return tools

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class UvVersion(FactBase[str]):
    """uv's version line (``uv --version``: ``uv 0.13.9 (...)``); "" without uv."""

    requires_command = UV

    @staticmethod
    def default() -> str:
        return ""

    def command(self) -> str:
        return f"{UV} --version"

    def process(self, output: list[str]) -> str:
        return _one_line(output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
