"""What the package-manager operations share: package specs, the install/remove/upgrade
decision against an installed-packages fact, downloads, ``.rpm`` files and yum/dnf repos."""

from __future__ import annotations

import hashlib
import io
import posixpath
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from corral.facts.files import File
from corral.facts.rpm import RpmPackage, RpmPackageProvides, RpmPackages
from corral.model import keys
from corral.model.command import QuoteString, StringCommand, not_option
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.facts import FactBase
from corral.model.keys import Key
from corral.model.operation import OpGenerator

PACKAGES: Key = ("packages",)


def package_changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    """What installing or removing packages may change: the package list, users and
    groups (maintainer scripts add them), and any path."""
    return [PACKAGES, ("users",), ("groups",), keys.path("/")]


def as_list(packages: str | Sequence[str] | None) -> list[str]:
    if packages is None:
        return []
    if isinstance(packages, str):
        return [packages]
    return list(packages)


@dataclass(frozen=True)
class Spec:
    """One package as given: the name facts know it by, an optional version, and the text
    given to the package manager to install and to remove it."""

    name: str
    version: str | None
    install: str
    remove: str


def split_spec(text: str, join: str | None) -> Spec:
    """``name<join>version`` (split at the last ``join``) or a bare name."""
    if not text or text.startswith("-"):
        raise OperationValueError(f"bad package {text!r}")
    if join:
        name, sep, version = text.rpartition(join)
        if sep and name:
            if not version:
                raise OperationValueError(f"bad package {text!r}: no version after {join!r}")
            return Spec(name, version, text, name)
    return Spec(text, None, text, text)


def requested(
    packages: str | Sequence[str] | None, join: str | None, noun: str = "packages"
) -> list[Spec]:
    """The packages asked for (``name<join>version``); when there are none the operation
    has nothing to do, and says so (``no <noun> given``)."""
    specs = [split_spec(p, join) for p in as_list(packages)]
    if not specs:
        host.noop(f"no {noun} given")
    return specs


@dataclass(frozen=True)
class Manager:
    """The commands of a package manager whose ``packages`` operation may first refresh its
    index and upgrade everything (apk, brew, pacman, pkgin, xbps): each a command's first
    words, package names appended quoted."""

    #: the fact of the installed packages (name -> versions)
    fact: type[FactBase[Any]]
    #: a package is ``name<join>version``; None: versions are not pinned
    join: str | None
    #: refresh the package index (``update=True``)
    update: str
    #: upgrade every installed package (``upgrade=True``)
    upgrade: str
    install: str
    uninstall: str
    #: upgrade the given packages (``latest=True``); None: ``latest`` is not offered
    upgrade_given: str | None = None
    #: what the packages are called in "no ... given"
    noun: str = "packages"


def refresh_and_ensure(
    manager: Manager,
    packages: str | Sequence[str] | None,
    present: bool,
    update: bool,
    upgrade: bool,
    latest: bool = False,
    expand: Callable[[str], list[str]] | None = None,
    expand_any: bool = True,
) -> OpGenerator:
    """The ``packages`` operation of ``manager``: its index refreshed and everything
    upgraded first when asked (always runs), then the packages installed or removed as
    ``manager.fact`` reads them (``expand`` as for :func:`ensure_packages`)."""
    specs = [split_spec(p, manager.join) for p in as_list(packages)]
    installed: dict[str, set[str]] = host.get_fact(manager.fact) if specs else {}
    if update:
        yield manager.update
    if upgrade:
        yield manager.upgrade
    if not specs and not (update or upgrade):
        host.noop(f"no {manager.noun} given")
    yield from ensure_packages(
        specs, installed, present, install=[manager.install], uninstall=[manager.uninstall],
        upgrade=None if manager.upgrade_given is None else [manager.upgrade_given],
        latest=latest, expand=expand, expand_any=expand_any,
    )


def _installed(
    spec: Spec, installed: Mapping[str, Iterable[str]], names: list[str], any_of: bool
) -> bool:
    found = [n for n in names if n in installed]
    if not (any(found) if any_of else len(found) == len(names)):
        return False
    if spec.version is None:
        return True
    return any(spec.version in installed[n] for n in found)


def ensure_packages(
    specs: list[Spec],
    installed: Mapping[str, Iterable[str]],
    present: bool,
    install: Sequence[Any],
    uninstall: Sequence[Any],
    upgrade: Sequence[Any] | None = None,
    latest: bool = False,
    upgradable: Mapping[str, Any] | None = None,
    expand: Callable[[str], list[str]] | None = None,
    expand_any: bool = True,
    one_at_a_time: bool = False,
) -> OpGenerator:
    """Install the missing packages, remove the installed ones (``present=False``), and
    with ``latest`` upgrade installed versionless ones: those in ``upgradable`` when the
    manager can tell, every one otherwise.

    ``install``/``uninstall``/``upgrade`` are the command's first bits; package names are
    appended quoted. ``expand(name)`` gives the packages a name stands for (a group,
    the providers of a capability): present when any (``expand_any``) or all of them are.
    """
    to_install: list[str] = []
    to_remove: list[str] = []
    to_upgrade: list[str] = []
    for spec in specs:
        names = (expand(spec.name) if expand else []) or [spec.name]
        if present:
            if not _installed(spec, installed, names, expand_any):
                to_install.append(spec.install)
                continue
            if latest and spec.version is None and upgrade is not None and (
                upgradable is None or any(n in upgradable for n in names)
            ):
                to_upgrade.append(spec.install)
                continue
            versions = sorted({v for n in names for v in installed.get(n, ())})
            shown = f" ({', '.join(versions)})" if versions else ""
            host.noop(f"package {spec.name} is installed{shown}")
        elif _installed(spec, installed, names, True):
            to_remove.append(spec.remove)
        else:
            host.noop(f"package {spec.install} is not installed")

    for start, names in ((install, to_install), (uninstall, to_remove),
                         (upgrade or (), to_upgrade)):
        names = list(dict.fromkeys(names))
        if not names:
            continue
        groups = [[n] for n in names] if one_at_a_time else [names]
        for group in groups:
            yield StringCommand(*start, *(QuoteString(n) for n in group))


# --- downloads -------------------------------------------------------------------------------


def is_url(src: str) -> bool:
    return bool(urlparse(src).scheme) and "://" in src


def download_path(url: str, suffix: str = "") -> str:
    """Where a downloaded file is kept on the host, the same for the same URL (so a second
    run finds it and does not download it again)."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:16]
    base = posixpath.basename(urlparse(url).path) or "download"
    if suffix and not base.endswith(suffix):
        base += suffix
    return f"/var/cache/corral/downloads/{digest}-{base}"


def download(url: str, dest: str) -> StringCommand:
    """Download ``url`` to ``dest`` with curl or wget; nothing is left at ``dest`` on failure."""
    part = QuoteString(dest + ".part")
    return StringCommand(
        "mkdir -p", QuoteString(posixpath.dirname(dest)), "&&",
        "{ curl -fsSL -o", part, QuoteString(url), "2>/dev/null",
        "|| wget -q -O", part, QuoteString(url), "; } &&",
        "mv -f", part, QuoteString(dest), "|| { rm -f", part, "; exit 1; }",
    )


# --- .rpm files (dnf.rpm, yum.rpm) -----------------------------------------------------------


def ensure_rpm(src: str, present: bool, manager: str) -> OpGenerator:
    """Install a ``.rpm`` file (a path on the host or a URL) unless the same version of
    its package is installed, or remove its package."""
    path = download_path(src, ".rpm") if is_url(src) else not_option(src)
    info = host.get_fact(RpmPackage, package=path)
    current = host.get_fact(RpmPackage, package=info["name"]) if info else None
    installed = bool(info and current and current["version"] == info["version"])

    if present:
        if installed:
            host.noop(f"rpm {src} is installed")
            return
        if is_url(src) and info is None:
            yield download(src, path)
        if info is None:
            # not downloaded yet: whether its package is installed is only known then
            yield StringCommand("rpm -q \"$(rpm -qp", QuoteString(path), ')" >/dev/null 2>&1',
                                "|| rpm -i", QuoteString(path))
        else:
            yield StringCommand("rpm -i", QuoteString(path))
    elif installed and info:
        yield StringCommand(manager, "remove -y", QuoteString(info["name"]))
    else:
        host.noop(f"rpm {src} is not installed")


# --- yum/dnf .repo files ---------------------------------------------------------------------


def ensure_yum_repo(
    src: str,
    baseurl: str | None,
    present: bool,
    description: str | None,
    enabled: bool,
    gpgcheck: bool,
    gpgkey: str | None,
    repo_type: str | None = None,
    directory: str = "/etc/yum.repos.d",
) -> OpGenerator:
    """A ``.repo`` file: downloaded when ``src`` is a URL, else written from the arguments."""
    from corral.operations import files

    url = src if is_url(src) else None
    name = posixpath.basename(urlparse(src).path) if url else src
    name = name.removesuffix(".repo")
    # the name is the file's name and its [section]; the values are lines of it: a line
    # break would add settings (gpgcheck=0) the deploy never asked for
    if (not name or name in (".", "..") or any(c in name for c in "/[]")
            or not name.isprintable() or any(c.isspace() for c in name)):
        raise OperationValueError(f"bad repository name {src!r}")
    for what, value in (("baseurl", baseurl), ("description", description),
                        ("gpgkey", gpgkey)):
        if value is not None and any(c in value for c in "\n\r"):
            raise OperationValueError(f"{what} must be one line, not {value!r}")
    filename = f"{directory}/{name}.repo"

    if not present:
        yield from files.file._inner(path=filename, present=False)
        return
    if url:
        if host.get_fact(File, path=filename):
            host.noop(f"repository file {filename} exists")
        else:
            yield download(url, filename)
        return
    if not baseurl:
        raise OperationValueError("baseurl is needed when src is a repository name, not a URL")
    lines = [f"[{name}]", f"name={description or name}", f"baseurl={baseurl}",
             f"enabled={int(enabled)}", f"gpgcheck={int(gpgcheck)}"]
    if repo_type:
        lines.append(f"type={repo_type}")
    if gpgkey:
        for key_url in gpgkey.split():  # dnf reads several, space-separated
            if not urlparse(key_url).scheme and not key_url.startswith("/"):
                raise OperationValueError(
                    f"gpgkey must be URLs or absolute paths, not {key_url!r}")
        lines.append(f"gpgkey={gpgkey}")
    yield from files.put._inner(src=io.StringIO("\n".join(lines) + "\n"), dest=filename)


def repo_changes(src: str, *_args: Any, **_kwargs: Any) -> list[Key]:
    return [keys.path("/etc/yum.repos.d")]


def rpm_packages(
    manager: str,
    packages: str | list[str] | None,
    present: bool,
    latest: bool,
    update: bool,
    clean: bool,
    install_options: list[str],
    extra_install_args: str | None,
    extra_uninstall_args: str | None,
) -> OpGenerator:
    """dnf.packages and yum.packages: ``manager`` is ``dnf`` or ``yum``."""
    specs = [split_spec(p, "=") for p in as_list(packages)]
    installed: dict[str, set[str]] = host.get_fact(RpmPackages) if specs else {}
    providers = {
        spec.name: [found[0] for found in host.get_fact(RpmPackageProvides, package=spec.name)]
        for spec in specs
    }
    if clean:
        yield f"{manager} clean all"
    if update:
        yield f"{manager} update -y"
    if not specs:
        if not (clean or update):
            host.noop("no packages given")
        return
    yield from ensure_packages(
        specs, installed, present,
        install=[manager, "install -y", *install_options, extra_install_args or ""],
        uninstall=[manager, "remove -y", extra_uninstall_args or ""],
        upgrade=[manager, "update -y"], latest=latest,
        expand=lambda name: providers.get(name, []),
    )
