"""Manage apt: package lists, packages, upgrades, repositories, keys and ``.deb`` files.

Commands run non-interactively: ``DEBIAN_FRONTEND=noninteractive``, ``-y``, and dpkg keeps
configuration files the administrator changed (``--force-confdef --force-confold``).
"""

from __future__ import annotations

import io
import posixpath
from typing import Any

from corral.facts.apt import (
    APT_KEYRING_DIRS,
    APT_UPDATE_STAMP,
    AptCacheAge,
    AptKeys,
    AptSources,
    AptUpgradablePackages,
    parse_apt_repo,
)
from corral.facts.deb import DebPackage, DebPackages
from corral.facts.files import File
from corral.model import keys
from corral.model.command import QuoteString, StringCommand, not_option
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations import files
from corral.operations._util.packages import download, download_path, is_url

from . import _repo, _sources

APT_LISTS = "/var/lib/apt/lists"


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
    + latest: also upgrade installed packages given without a version, when apt has a
      newer candidate for them (``apt list --upgradable``, as of the last update)
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
    upgradable: dict[str, str] = {}
    if present and latest and any(
        version is None and _lookup_name(name) in installed for name, version in specs
    ):
        upgradable = host.get_fact(AptUpgradablePackages)
    if update and cache_time:
        host.get_fact(AptCacheAge)

    if update:
        yield from _update_commands(cache_time)
    if upgrade:
        yield StringCommand(*_repo.apt_get("upgrade", force=force))

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
            elif latest and version is None and _lookup_name(name) in upgradable:
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
            *_repo.apt_get(*words, force=force),
            *(QuoteString(p) for p in _unique(to_change)),
        )
    if to_upgrade:
        yield StringCommand(
            *_repo.apt_get(*install, force=force),
            *(QuoteString(p) for p in _unique(to_upgrade)),
        )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


# --- upgrades --------------------------------------------------------------------------------


@operation(changes=_packages_changes)
def upgrade(auto_remove: bool = False) -> OpGenerator:
    """Upgrade every installed package apt can upgrade (``apt-get upgrade``).

    + auto_remove: also remove packages nothing depends on any more (``--autoremove``)

    Does nothing when a dry run shows nothing to upgrade, install or remove.

    Example:
        apt.upgrade(name="Upgrade all packages", auto_remove=True, _sudo=True)
    """
    yield from _repo.simulated("upgrade --autoremove" if auto_remove else "upgrade")


@operation(changes=_packages_changes)
def dist_upgrade(auto_remove: bool = False) -> OpGenerator:
    """Upgrade every package, installing and removing others as needed
    (``apt-get dist-upgrade``).

    + auto_remove: also remove packages nothing depends on any more (``--autoremove``)

    Does nothing when a dry run shows nothing to upgrade, install or remove.

    Example:
        apt.dist_upgrade(name="Upgrade the distribution", _sudo=True)
    """
    yield from _repo.simulated("dist-upgrade --autoremove" if auto_remove else "dist-upgrade")


# --- repositories and keys -------------------------------------------------------------------


@operation(changes=lambda *_, filename=None, **__: [keys.path(_repo.repo_file(filename))])
def repo(src: str, present: bool = True, filename: str | None = None) -> OpGenerator:
    """Add or remove an apt repository line (one-line style).

    + src: the source line, e.g. ``deb [signed-by=/etc/apt/keyrings/x.gpg] URL SUITE main``
    + present: whether the repository should be configured
    + filename: write it to ``/etc/apt/sources.list.d/<filename>.list`` instead of
      ``/etc/apt/sources.list``

    The repository counts as present when any sources file (``.list`` or deb822
    ``.sources``) has one with the same type, URL, suite, components and options.

    Example:
        apt.repo(
            name="Add the vendor repository",
            src="deb [signed-by=/etc/apt/keyrings/vendor.gpg] https://apt.example.com stable main",
            filename="vendor",
            _sudo=True,
        )
    """
    wanted = parse_apt_repo(src)
    if wanted is None:
        raise OperationValueError(f"not an apt source line: {src!r}")
    path = _repo.repo_file(filename)
    exists = wanted in host.get_fact(AptSources)
    if exists == present:
        host.noop(f"apt repository {src!r} {'exists' if present else 'does not exist'}")
        return
    yield from files.line._inner(path=path, line=src, present=present,
                                 escape_regex_characters=True)


@operation(changes=lambda *_, **__: [keys.path("/etc/apt/sources.list.d")])
def ppa(src: str, present: bool = True) -> OpGenerator:
    """Add or remove an Ubuntu PPA with ``apt-add-repository``.

    + src: the PPA, ``ppa:USER/NAME``
    + present: whether the PPA should be configured

    Needs ``apt-add-repository`` (software-properties-common) on the host. The PPA counts
    as present when a source points at ``ppa.launchpad(content).net/USER/NAME``.

    Example:
        apt.ppa(name="Add the deadsnakes PPA", src="ppa:deadsnakes/ppa", _sudo=True)
    """
    user, name = _repo.ppa_parts(src)
    exists = _repo.ppa_present(user, name, host.get_fact(AptSources))
    if exists == present:
        host.noop(f"PPA {src} {'is' if present else 'is not'} configured")
        return
    yield StringCommand("apt-add-repository -y", "" if present else "--remove", QuoteString(src))


def _key_changes(*_: Any, **__: Any) -> list[Key]:
    return [keys.path(d) for d in APT_KEYRING_DIRS]


@operation(changes=_key_changes)
def key(
    src: str | None = None,
    keyserver: str | None = None,
    keyid: str | list[str] | None = None,
    dest: str | None = None,
    present: bool = True,
) -> OpGenerator:
    """Add or remove OpenPGP keys apt trusts, as keyring files in /etc/apt/keyrings.

    + src: a key file on the host or an http(s) URL (armored ``.asc`` or binary)
    + keyserver: a keyserver to fetch ``keyid`` from
    + keyid: key id(s) to fetch, to look for, or to remove
    + dest: the keyring file; relative names are under /etc/apt/keyrings and get a ``.gpg``
      extension; by default a name made from ``src`` or the key ids
    + present: whether the key(s) should be there

    Not ``apt-key``: point a source at the keyring with ``signed-by=``. A keyring is
    taken as present when it exists (with ``keyid``: when it holds those keys). Removing by
    ``keyid`` alone deletes every keyring file in apt's key directories that holds one.

    Example:
        apt.key(
            name="Trust the vendor's key",
            src="https://apt.example.com/key.asc",
            dest="vendor.gpg",
            _sudo=True,
        )
    """
    ids = [_repo.clean_keyid(k) for k in ([keyid] if isinstance(keyid, str) else keyid or [])]
    if keyserver and not ids:
        raise OperationValueError("keyid is needed with keyserver")
    if present and not (src or keyserver):
        raise OperationValueError("give src or keyserver (with keyid) to add a key")

    if not present and ids and not dest:
        holding = _repo.keyrings_with(ids, host.get_fact(AptKeys))
        if not holding:
            host.noop(f"no apt keyring holds {', '.join(ids)}")
        for path in holding:
            yield StringCommand("rm -f", QuoteString(path))
        return

    path = _repo.keyring_path(dest, src, ids)
    exists = bool(host.get_fact(File, path=path))
    if ids and exists:
        found = host.get_fact(AptKeys, directories=[posixpath.dirname(path)])
        exists = all(path in _repo.keyrings_with([i], found) for i in ids)
    if exists == present:
        host.noop(f"apt keyring {path} {'exists' if exists else 'does not exist'}")
    elif not present:
        yield StringCommand("rm -f", QuoteString(path))
    else:
        yield from _repo.add_key(src, keyserver, ids, path)


# --- .deb files ------------------------------------------------------------------------------


def _deb_changes(src: str, *args: Any, **kwargs: Any) -> list[Key]:
    return [*_packages_changes(), keys.path("/var/cache/corral")]


@operation(changes=_deb_changes)
def deb(src: str, present: bool = True, force: bool = False) -> OpGenerator:
    """Install a ``.deb`` file (a path on the host or a URL), or remove its package.

    + src: the ``.deb`` file's path on the host, or an http(s)/ftp URL to download it from
    + present: whether its package should be installed
    + force: pass ``--force-yes`` to apt-get

    Nothing is done when the package named in the file is installed at the file's version
    (read with ``dpkg-deb``). A URL is downloaded once to /var/cache/corral/downloads and
    kept, so later runs can read it. Missing dependencies are installed with
    ``apt-get install -f``.

    Example:
        apt.deb(
            name="Install a vendor package",
            src="https://example.com/tool_1.2.3_amd64.deb",
            _sudo=True,
        )
    """
    # a file named -x.deb is ./-x.deb: neither dpkg nor the fact reads it as an option
    path = download_path(src, ".deb") if is_url(src) else not_option(src)
    info = host.get_fact(DebPackage, package=path)
    installed = host.get_fact(DebPackages)
    exists = bool(info) and info is not None and \
        info.get("version") in installed.get(info.get("name", ""), set())

    if not present:
        if exists and info:
            yield StringCommand(*_repo.apt_get("remove", force=force), QuoteString(info["name"]))
        else:
            host.noop(f"deb {src} is not installed")
        return
    if exists:
        host.noop(f"deb {src} is installed")
        return
    if info is None and is_url(src):
        yield download(src, path)
    dpkg = "dpkg --force-confdef --force-confold -i"
    yield StringCommand(dpkg, QuoteString(path), "2>/dev/null || true")
    yield StringCommand(*_repo.apt_get("install", "-f", force=force))
    yield StringCommand(dpkg, QuoteString(path))


@operation(changes=lambda *_, **__: [keys.path(_sources.SOURCES_DIR)])
def sources_file(
    filename: str,
    types: list[str] | str = "deb",
    uris: list[str] | str | None = None,
    suites: list[str] | str | None = None,
    components: list[str] | str | None = None,
    architectures: list[str] | str | None = None,
    signed_by: str | None = None,
    present: bool = True,
) -> OpGenerator:
    """Write or remove a deb822 ``.sources`` file in /etc/apt/sources.list.d.

    + filename: the file's name without ``.sources``
    + types: ``deb``, ``deb-src`` or both
    + uris: the repositories' URLs
    + suites: the suites (``bookworm``, ``stable``...)
    + components: the components (``main``, ``contrib``...)
    + architectures: only these architectures (``amd64``...)
    + signed_by: the keyring that signs the repository (an absolute path)
    + present: whether the file should exist

    A field taking several values takes a list or a space-separated string. Nothing is
    written when every repository the file would add is already configured (in any file,
    with the same options).

    Example:
        apt.sources_file(name="Add Docker's repository", filename="docker",
                         uris="https://download.docker.com/linux/debian", suites="bookworm",
                         components="stable", architectures="amd64",
                         signed_by="/etc/apt/keyrings/docker.gpg")
    """
    dest = _sources.sources_path(filename)
    if not present:
        if host.get_fact(File, path=dest):
            yield from files.file._inner(path=dest, present=False)
        else:
            host.noop(f"{dest} does not exist")
        return
    text = _sources.deb822_text(
        _sources.words("type", types) or ["deb"], _sources.words("URI", uris),
        _sources.words("suite", suites), _sources.words("component", components),
        _sources.words("architecture", architectures), signed_by,
    )
    configured = host.get_fact(AptSources)
    if all(repo in configured for repo in _sources.repos_of(dest, text)):
        host.noop(f"the repositories of {dest} are configured")
        return
    yield from files.put._inner(src=io.StringIO(text), dest=dest, mode="644")
