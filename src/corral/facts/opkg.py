"""Facts about opkg (OpenWrt before 25.12, which moved to apk): its configuration, feeds,
architectures, installed and upgradable packages
(https://openwrt.org/docs/guide-user/additional-software/opkg)."""

from __future__ import annotations

import re
from typing import NamedTuple

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key


class OpkgPkgUpgradeInfo(NamedTuple):
    installed: str
    available: str


class OpkgConfInfo(NamedTuple):
    #: destinations by name (``dest root /``)
    paths: dict[str, str]
    #: where package lists are kept (``lists_dir ext /var/opkg-lists``)
    list_dir: str
    #: ``option NAME [VALUE]`` (True when there is no value)
    options: dict[str, str | bool]
    #: architectures' priorities (``arch all 1``)
    arch_cfg: dict[str, int]


class OpkgFeedInfo(NamedTuple):
    url: str
    #: ``src/gz``
    fmt: str
    #: ``distribution`` (distfeeds.conf) or ``custom`` (customfeeds.conf)
    kind: str


_CONF = re.compile(
    r"""^\s*(?:
        arch\s+(?P<arch>\S+)\s+(?P<priority>\d+)
      | dest\s+(?P<dest>\S+)\s+(?P<dest_path>\S+)
      | lists_dir\s+\S+\s+(?P<list_path>\S+)
      | option\s+(?P<option>\S+)(?:\s+(?P<value>[^#]*?))?
      | src(?:/gz)?\s+\S+\s+\S+
    )?\s*(?:\#.*)?$""",
    re.X,
)


class OpkgConf(FactBase[OpkgConfInfo]):
    """opkg's configuration (/etc/opkg.conf): destinations, lists directory, options and
    architectures' priorities."""

    requires_command = "opkg"

    @staticmethod
    def default() -> OpkgConfInfo:
        return OpkgConfInfo({}, "", {}, {})

    def command(self) -> str:
        return "cat /etc/opkg.conf"

    def process(self, output: list[str]) -> OpkgConfInfo:
        conf = OpkgConfInfo({}, "", {}, {})
        list_dir = ""
        for line in output:
            match = _CONF.match(line)
            if match is None:
                raise FactParseError(f"not an opkg.conf line: {line!r}")
            if match["arch"] is not None:
                conf.arch_cfg[match["arch"]] = int(match["priority"])
            elif match["dest"] is not None:
                conf.paths[match["dest"]] = match["dest_path"]
            elif match["list_path"] is not None:
                list_dir = match["list_path"]
            elif match["option"] is not None:
                conf.options[match["option"]] = match["value"] or True
        return conf._replace(list_dir=list_dir)

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path("/etc/opkg.conf")})


_CUSTOM = "CUSTOM"
_FEED = re.compile(r"^\s*(?:(?P<fmt>\S+)\s+(?P<name>\S+)\s+(?P<url>\S+))?\s*(?:#.*)?$")


class OpkgFeeds(FactBase[dict[str, OpkgFeedInfo]]):
    """The feeds opkg installs from, by name: each one's URL, format (``src/gz``) and kind,
    ``distribution`` (/etc/opkg/distfeeds.conf) or ``custom`` (customfeeds.conf)."""

    requires_command = "opkg"

    @staticmethod
    def default() -> dict[str, OpkgFeedInfo]:
        return {}

    def command(self) -> str:
        return (f"cat /etc/opkg/distfeeds.conf; echo {_CUSTOM}; "
                "cat /etc/opkg/customfeeds.conf")

    def process(self, output: list[str]) -> dict[str, OpkgFeedInfo]:
        feeds: dict[str, OpkgFeedInfo] = {}
        kind = "distribution"
        for line in output:
            if line.strip() == _CUSTOM:
                kind = "custom"
                continue
            match = _FEED.match(line)
            if match is None:
                raise FactParseError(f"not a feed line: {line!r}")
            if match["name"] is not None:
                feeds[match["name"]] = OpkgFeedInfo(match["url"], match["fmt"], kind)
        return feeds

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path("/etc/opkg")})


_ARCH = re.compile(r"^\s*(?:arch\s+(?P<arch>\S+)\s+(?P<prio>\d+))?\s*(?:#.*)?$")


class OpkgInstallableArchitectures(FactBase[dict[str, int]]):
    """The architectures opkg installs packages of, each with its priority
    (``opkg print-architecture``)."""

    requires_command = "opkg"

    @staticmethod
    def default() -> dict[str, int]:
        return {}

    def command(self) -> str:
        return "opkg print-architecture"

    def process(self, output: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for line in output:
            match = _ARCH.match(line)
            if match is None:
                raise FactParseError(f"not an architecture line: {line!r}")
            if match["arch"] is not None:
                found[match["arch"]] = int(match["prio"])
        return found

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path("/etc/opkg.conf")})


_INSTALLED = re.compile(r"^([a-zA-Z0-9][\w\-.+]*) - ([\w\-.+~:]+)")


class OpkgPackages(FactBase[dict[str, set[str]]]):
    """Installed opkg packages by name, each with the set of its versions
    (``opkg list-installed``: ``NAME - VERSION``)."""

    requires_command = "opkg"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return "opkg list-installed"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_INSTALLED, output)

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


_UPGRADABLE = re.compile(r"^([a-zA-Z0-9][\w\-.+]*) - ([\w\-.+~:]+) - ([\w\-.+~:]+)")


class OpkgUpgradeablePackages(FactBase[dict[str, OpkgPkgUpgradeInfo]]):
    """Installed packages with a newer version in the feeds, by name: the installed and
    the available version (``opkg list-upgradable``)."""

    requires_command = "opkg"

    @staticmethod
    def default() -> dict[str, OpkgPkgUpgradeInfo]:
        return {}

    def command(self) -> str:
        return "opkg list-upgradable"

    def process(self, output: list[str]) -> dict[str, OpkgPkgUpgradeInfo]:
        found: dict[str, OpkgPkgUpgradeInfo] = {}
        for line in output:
            match = _UPGRADABLE.match(line)
            if match is not None:
                found[match[1]] = OpkgPkgUpgradeInfo(match[2], match[3])
        return found

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
