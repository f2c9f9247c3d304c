"""Facts about Homebrew: its version, installed formulae and casks, and taps."""

from __future__ import annotations

import json
import re
from enum import Enum, unique

from corral.facts._util.packages import PACKAGES_KEY
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

_VERSION = re.compile(r"^Homebrew (\d+)\.(\d+)\.(\d+)")
# ``NAME VERSION [VERSION...]``
_LINE = re.compile(r"^(\S+)((?: \S+)+)$")
_TAP = re.compile(r"^[A-Za-z0-9_.\-]+/[A-Za-z0-9_.\-]+$")


def parse_brew_list(output: list[str]) -> dict[str, set[str]]:
    packages: dict[str, set[str]] = {}
    for line in output:
        if not line.strip():
            continue
        match = _LINE.match(line.strip())
        if not match:
            raise FactParseError(f"not a 'name version...' line: {line!r}")
        packages.setdefault(match.group(1), set()).update(match.group(2).split())
    return packages


class BrewVersion(FactBase[list[int]]):
    """Homebrew's version as ``[major, minor, patch]``; ``[0, 0, 0]`` when brew is missing."""

    requires_command = "brew"

    @staticmethod
    def default() -> list[int]:
        return [0, 0, 0]

    def command(self) -> str:
        return "brew --version"

    def process(self, output: list[str]) -> list[int]:
        for line in output:
            match = _VERSION.match(line.strip())
            if match:
                return [int(g) for g in match.groups()]
        raise FactParseError(f"no 'Homebrew X.Y.Z' line in {output[:3]!r}")

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class BrewPackages(FactBase[dict[str, set[str]]]):
    """Installed Homebrew formulae by name, each with the set of its installed versions
    (``brew list --versions``)."""

    requires_command = "brew"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "brew list --formula --versions"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_brew_list(output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class BrewCasks(BrewPackages):
    """Installed Homebrew casks by name, each with the set of its installed versions
    (``brew list --cask --versions``; ``brew cask list`` before Homebrew 2.6)."""

    def command(self) -> str:
        return (
            "if brew --version | grep -qE '^Homebrew (1\\.|2\\.[0-5]\\.)'; "
            "then brew cask list --versions; else brew list --cask --versions; fi"
        )


class BrewTaps(FactBase[list[str]]):
    """The Homebrew taps (``user/repo``) in use (``brew tap``)."""

    requires_command = "brew"

    @staticmethod
    def default() -> list[str]:
        return []

    def command(self) -> str:
        return "brew tap"

    def process(self, output: list[str]) -> list[str]:
        taps = []
        for line in output:
            if not line.strip():
                continue
            if not _TAP.match(line.strip()):
                raise FactParseError(f"not a tap name: {line!r}")
            taps.append(line.strip())
        return taps

    def reads(self) -> frozenset[Key]:
        return frozenset({("brew-taps",)})


@unique
class BrewItemKind(Enum):
    """What ``brew trust`` marks trusted: casks, commands, formulae or taps (the value is
    the key of :class:`BrewTrusted`'s dict)."""

    CASK = "casks"
    COMMAND = "commands"
    FORMULA = "formulae"
    TAP = "taps"


class BrewTrusted(FactBase[dict[str, list[str]]]):
    """The casks, commands, formulae and taps marked trusted (``brew trust --json=v1``;
    https://docs.brew.sh/Tap-Trust): ``{"casks": [...], "commands": [...], "formulae":
    [...], "taps": [...]}``."""

    requires_command = "brew"

    @staticmethod
    def default() -> dict[str, list[str]]:
        return {kind.value: [] for kind in BrewItemKind}

    def command(self) -> str:
        return "brew trust --json=v1"

    def process(self, output: list[str]) -> dict[str, list[str]]:
        text = "\n".join(output)
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FactParseError(f"brew trust printed no JSON: {text[:200]!r}") from exc
        kinds = [kind.value for kind in BrewItemKind]
        if not isinstance(value, dict) or not all(
                isinstance(value.get(k), list) for k in kinds):
            raise FactParseError(f"brew trust's JSON lacks {', '.join(kinds)}: {text[:200]!r}")
        return {k: [str(item) for item in value[k]] for k in kinds}

    def reads(self) -> frozenset[Key]:
        return frozenset({("brew-trust",)})
