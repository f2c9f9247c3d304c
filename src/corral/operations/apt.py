"""Manage apt: refresh its package lists and install or remove ``.deb`` packages.

Commands run non-interactively: ``DEBIAN_FRONTEND=noninteractive``, ``-y``, and dpkg keeps
configuration files the administrator changed (``--force-confdef --force-confold``).
"""

from __future__ import annotations

from typing import Any

from corral.facts.apt import APT_UPDATE_STAMP, AptCacheAge
from corral.facts.deb import DebPackages
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

APT_LISTS = "/var/lib/apt/lists"

_NONINTERACTIVE = (
    "DEBIAN_FRONTEND=noninteractive apt-get -y "
    "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
)


def _apt_get(*words: str, force: bool = False) -> list[str]:
    """The start of a non-interactive ``apt-get`` command line, as StringCommand bits."""
    bits = [_NONINTERACTIVE]
    if force:
        bits.append("--force-yes")
    bits.extend(w for w in words if w)
    return bits


def _update_changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return [keys.path(APT_LISTS), keys.path(APT_UPDATE_STAMP)]


def _packages_changes(*_args: Any, update: bool = False, **_kwargs: Any) -> list[Key]:
    # Maintainer scripts of a package can add users and groups and write anywhere on the
    # file system (/etc, /usr, /var...), so an install or removal changes more than the
    # package list: facts about any path must be read again after it.
    changed = [("packages",), ("users",), ("groups",), keys.path("/")]
    if update:
        changed.extend(_update_changes())
    return changed


def _update_commands(cache_time: int | None) -> OpGenerator:
    """apt.update's commands; also run by apt.packages(update=True)."""
    if cache_time is not None and cache_time < 0:
        raise OperationValueError(f"cache_time must be zero or more seconds, not {cache_time}")
    if cache_time:
        age = host.get_fact(AptCacheAge)
        if age is not None and age < cache_time:
            host.noop(f"apt lists were updated {age}s ago (cache_time={cache_time}s)")
            return
    yield "apt-get update"
    yield StringCommand("touch", QuoteString(APT_UPDATE_STAMP))


@operation(
    is_idempotent=False,
    idempotent_notice="Always runs apt-get update unless cache_time is given.",
    changes=_update_changes,
)
def update(cache_time: int | None = None) -> OpGenerator:
    """Refresh apt's package lists (``apt-get update``).

    + cache_time: skip the update when the lists were refreshed less than this many
      seconds ago

    After a successful update ``/var/lib/apt/periodic/update-success-stamp`` is touched:
    Debian does not maintain that file by itself, and ``cache_time`` reads its age.

    Example:
        apt.update(
            name="Refresh apt lists at most once an hour",
            cache_time=3600,
            _sudo=True,
        )
    """
    yield from _update_commands(cache_time)


def _split_spec(spec: str) -> tuple[str, str | None]:
    """``name=version`` -> (name, version); ``name`` -> (name, None)."""
    name, sep, version = spec.partition("=")
    if not name or (sep and not version):
        raise OperationValueError(f"bad package {spec!r}: expected NAME or NAME=VERSION")
    if name.startswith("-"):
        raise OperationValueError(f"bad package {spec!r}: a package name cannot start with -")
    return name, (version if sep else None)


def _lookup_name(name: str) -> str:
    """The installed-package key for a name given to apt: ``pkg/bookworm-backports`` -> ``pkg``."""
    return name.split("/", 1)[0]


@operation(changes=_packages_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    update: bool = False,
    cache_time: int | None = None,
    upgrade: bool = False,
    force: bool = False,
    no_recommends: bool = False,
    allow_downgrades: bool = False,
    purge: bool = False,
    extra_install_args: str | None = None,
    extra_uninstall_args: str | None = None,
) -> OpGenerator:
    """Install or remove apt packages, optionally refreshing and upgrading first.

    + packages: a package or list of packages; pin a version with ``name=version``
    + present: whether the packages should be installed
    + latest: also upgrade installed packages given without a version (always runs)
    + update: run ``apt-get update`` first
    + cache_time: with ``update``, skip it when the lists are younger than this (seconds)
    + upgrade: run ``apt-get upgrade`` first (always runs)
    + force: pass ``--force-yes`` to apt-get
    + no_recommends: do not install recommended packages
    + allow_downgrades: allow installing a pinned version older than the installed one
    + purge: remove configuration files too when removing (``apt-get purge``)
    + extra_install_args: more arguments for ``apt-get install``, as shell text
    + extra_uninstall_args: more arguments for ``apt-get remove``/``purge``, as shell text

    Only the packages that are missing (or installed at another version than the one
    pinned) are installed, and only installed ones are removed.

    Example:
        apt.packages(
            name="Install nginx and a pinned curl",
            packages=["nginx", "curl=7.88.1-10+deb12u5"],
            update=True,
            cache_time=3600,
            _sudo=True,
        )
    """
    if packages is None:
        wanted: list[str] = []
    elif isinstance(packages, str):
        wanted = [packages]
    else:
        wanted = list(packages)
    specs = [_split_spec(spec) for spec in wanted]

    # every fact first, so they are fetched together
    installed: dict[str, set[str]] = host.get_fact(DebPackages) if specs else {}
    if update and cache_time:
        host.get_fact(AptCacheAge)

    if update:
        yield from _update_commands(cache_time)
    if upgrade:
        yield StringCommand(*_apt_get("upgrade", force=force))

    if not specs:
        if not (update or upgrade):
            host.noop("no packages given")
        return

    to_change: list[str] = []
    to_upgrade: list[str] = []
    for spec, (name, version) in zip(wanted, specs, strict=True):
        versions = installed.get(_lookup_name(name))
        if present:
            if versions is None or (version is not None and version not in versions):
                to_change.append(spec)
            elif latest and version is None:
                to_upgrade.append(spec)
            else:
                shown = ",".join(sorted(versions))
                host.noop(f"package {name} is installed" + (f" ({shown})" if shown else ""))
        else:
            if versions is not None and (version is None or version in versions):
                to_change.append(name)
            else:
                host.noop(f"package {spec} is not installed")

    install = [
        "install",
        "--no-install-recommends" if no_recommends else "",
        "--allow-downgrades" if allow_downgrades else "",
    ]
    if to_change:
        if present:
            words = [*install, extra_install_args or ""]
        else:
            words = ["purge" if purge else "remove", extra_uninstall_args or ""]
        yield StringCommand(
            *_apt_get(*words, force=force),
            *(QuoteString(p) for p in _unique(to_change)),
        )
    if to_upgrade:
        yield StringCommand(
            *_apt_get(*install, force=force),
            *(QuoteString(p) for p in _unique(to_upgrade)),
        )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
