"""server.hostname, sysctl, modprobe, mount, locale, timezone and security_limit.

Published as ``server.X`` and imported by :mod:`corral.operations.server`.
"""

from __future__ import annotations

import re
from typing import Any

from corral.facts.files import Directory, FileContents, FindInFile, Sha256File
from corral.facts.server import (
    Hostname,
    KernelModules,
    Locales,
    Mounts,
    Os,
    Sysctl,
    SysctlWritable,
    Timezone,
    Which,
)
from corral.facts.server._system import check_sysctl_key, sysctl_value
from corral.model import keys
from corral.model.command import Diff, FileUploadCommand, QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations import files
from corral.operations.files import _util as u

from ._util import joined

_HOSTNAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")


def _hostname_changes(*_args: Any, hostname_file: str | bool | None = None,
                      **_kwargs: Any) -> list[Key]:
    files_changed = [hostname_file] if isinstance(hostname_file, str) else [
        "/etc/hostname", "/etc/myname"]
    return [("hostname",), *(keys.path(f) for f in files_changed)]


@operation(changes=_hostname_changes)
def hostname(hostname: str, hostname_file: str | bool | None = None) -> OpGenerator:
    """Set the host's name, now and across reboots.

    + hostname: the name the host should have
    + hostname_file: the file holding the name for the next boot (default ``/etc/hostname``
      on Linux, ``/etc/myname`` on OpenBSD); ``False`` leaves files alone

    With systemd running, ``hostnamectl set-hostname`` does both. Otherwise the name is
    set with ``hostname`` and written to the hostname file.

    Example:
        server.hostname(
            name="Name the web server",
            hostname="web1.example.com",
        )
    """
    if not _HOSTNAME.match(hostname) or ".." in hostname:
        raise OperationValueError(f"bad hostname {hostname!r}")
    current = host.get_fact(Hostname)
    use_hostnamectl = bool(host.get_fact(Which, command="hostnamectl")) and bool(
        host.get_fact(Directory, path="/run/systemd/system"))
    if hostname_file is None and not use_hostnamectl:
        kernel = host.get_fact(Os)
        hostname_file = {"Linux": "/etc/hostname", "OpenBSD": "/etc/myname"}.get(kernel)
    path = hostname_file if isinstance(hostname_file, str) else None
    old = host.get_fact(FileContents, path=path) if path and not use_hostnamectl else None

    if use_hostnamectl:
        if current != hostname:
            yield StringCommand("hostnamectl", "set-hostname", QuoteString(hostname))
        else:
            host.noop(f"hostname is {hostname}")
        return
    changed = False
    if current != hostname:
        yield StringCommand("hostname", QuoteString(hostname))
        changed = True
    if path and old != [hostname]:
        yield Diff(path, None if old is None else "".join(f"{x}\n" for x in old),
                   f"{hostname}\n")
        yield FileUploadCommand(f"{hostname}\n".encode(), path, mode="644")
        changed = True
    if not changed:
        host.noop(f"hostname is {hostname}")


def _sysctl_changes(key: str, *_args: Any, persist: bool = False,
                    persist_file: str = "/etc/sysctl.conf", **_kwargs: Any) -> list[Key]:
    return [("sysctl",), *([keys.path(persist_file)] if persist else [])]


@operation(changes=_sysctl_changes)
def sysctl(
    key: str,
    value: str | int | list[str | int],
    persist: bool = False,
    persist_file: str = "/etc/sysctl.conf",
) -> OpGenerator:
    """Set a kernel parameter now (``sysctl -w``) and, with ``persist``, for the next boots.

    + key: the parameter, e.g. ``vm.swappiness``
    + value: its value, or a list of values (``[1024, 65000]``)
    + persist: also write ``key = value`` to ``persist_file``
    + persist_file: the file read at boot (a ``/etc/sysctl.d/*.conf`` drop-in, or the
      default ``/etc/sysctl.conf``)

    A line setting the key in ``persist_file`` is replaced, else the distribution's commented
    example line for the key (``#net.ipv4.ip_forward=1``), else one is appended. When
    the host does not let the parameter be set now (its ``/proc/sys`` file is read-only,
    as in most containers) or does not have it yet (a module not loaded), the value is
    only persisted, with a note; without ``persist`` that is an error for a missing
    parameter and a note for a read-only one.

    Example:
        server.sysctl(
            name="Allow more open files",
            key="fs.file-max",
            value=100000,
            persist=True,
            persist_file="/etc/sysctl.d/90-corral.conf",
        )
    """
    if not check_sysctl_key(key):
        raise OperationValueError(f"bad sysctl key {key!r}")
    words = [str(v) for v in value] if isinstance(value, list) else str(value).split()
    if not words or any(c in w for w in words for c in "\n="):
        raise OperationValueError(f"bad sysctl value {value!r}")
    text = " ".join(words)
    wanted = sysctl_value(text)

    current = host.get_fact(Sysctl, keys=[key]).get(key)
    writable = host.get_fact(SysctlWritable, key=key)
    if current == wanted:
        host.noop(f"sysctl {key} is {text}")
    elif writable:
        yield StringCommand("sysctl", "-w",
                            StringCommand(QuoteString(key), "=", QuoteString(text), _separator=""))
    elif writable is None and not persist:
        raise OperationError(f"the host has no sysctl {key}")
    else:
        why = "does not exist yet" if writable is None else "is read-only here"
        host.noop(f"sysctl {key} {why}: not applied now" + (" (persisted)" if persist else ""))

    if persist:
        yield from files.line._inner(path=persist_file,
                                     line=_sysctl_line(persist_file, u.escape_regex(key)),
                                     replace=f"{key} = {text}")


def _sysctl_line(path: str, key_regex: str) -> str:
    """The line of ``path`` that persists a sysctl: the one setting it, else the
    distribution's commented example (``#net.ipv4.ip_forward=1``: uncommented and set, as
    pyinfra does), else none (the setting is appended)."""
    active = f"^[[:space:]]*{key_regex}[[:space:]]*="
    found = host.get_fact(FindInFile, path=path, pattern=u.whole_line_regex(active),
                          interpolate_variables=False)
    if found == []:
        example = f"^[[:space:]]*#[[:space:]]*{key_regex}[[:space:]]*="
        if host.get_fact(FindInFile, path=path, pattern=u.whole_line_regex(example),
                         interpolate_variables=False):
            return example
    return active


@operation(changes=lambda *_a, **_k: [("kernel_modules",)])
def modprobe(module: str | list[str], present: bool = True, force: bool = False) -> OpGenerator:
    """Load or unload kernel modules.

    + module: a module name or a list of them
    + present: whether the modules should be loaded
    + force: pass ``-f`` to modprobe

    Names are compared as the kernel lists them (``-`` and ``_`` are the same). Modules
    built into the kernel never show as loaded: do not manage them here.

    Example:
        server.modprobe(
            name="Load the bridge netfilter module",
            module="br_netfilter",
        )
    """
    wanted = [module] if isinstance(module, str) else list(module)
    for name in wanted:
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise OperationValueError(f"bad module name {name!r}")
    loaded = host.get_fact(KernelModules)
    is_loaded = {name: name.replace("-", "_") in loaded for name in wanted}
    todo = [name for name in wanted if is_loaded[name] != present]
    if todo:
        yield StringCommand("modprobe", "-f" if force else None, None if present else "-r",
                            "-a", *(QuoteString(name) for name in todo))
    else:
        host.noop(f"{'/'.join(wanted)}: {'loaded' if present else 'not loaded'}")


_SIZE = re.compile(r"^(size|nr_blocks|nr_inodes)=(\d+)([kKmMgG]?)$")


def _normal_option(option: str) -> str:
    """``size=1m`` -> ``size=1024k``, as the kernel shows tmpfs sizes."""
    match = _SIZE.match(option)
    if not match:
        return option
    name, number, unit = match.groups()
    value = int(number) * 1024 ** " kmg".index(unit.lower() or " ")
    return f"size={value // 1024}k" if name == "size" else f"{name}={value}"


def _mount_changes(path: str, *_args: Any, **_kwargs: Any) -> list[Key]:
    return [("mounts",), keys.path(path)]


@operation(changes=_mount_changes)
def mount(
    path: str,
    mounted: bool = True,
    options: list[str] | None = None,
    device: str | None = None,
    fs_type: str | None = None,
) -> OpGenerator:
    """Mount or unmount a file system, or remount it with more options.

    + path: the mount point
    + mounted: whether a file system should be mounted there
    + options: mount options (``["ro", "noexec"]``); a mounted file system lacking one of
      them is remounted with them
    + device: what to mount (a device, ``tmpfs``...); without it ``mount`` looks the path
      up in /etc/fstab
    + fs_type: the file system type (``-t``)

    /etc/fstab is not edited: use ``files.line`` for that.

    Example:
        server.mount(
            name="Mount a scratch tmpfs",
            path="/srv/scratch",
            device="tmpfs",
            fs_type="tmpfs",
            options=["size=64m", "noexec"],
        )
    """
    if not path.startswith("/"):
        raise OperationValueError(f"the mount point must be an absolute path, not {path!r}")
    path = path.rstrip("/") or "/"
    options = list(options or [])
    mounts = host.get_fact(Mounts)
    at = path if path in mounts else None
    if at is None and device:
        at = next((p for p, info in mounts.items() if info["device"] == device and
                   device not in ("tmpfs", "none", "proc", "sysfs")), None)

    if mounted and at is None:
        yield StringCommand(
            "mount",
            *(("-t", QuoteString(fs_type)) if fs_type else ()),
            *(("-o", joined(options, ",")) if options else ()),
            "--",  # a device (or path) starting with - is not an option
            QuoteString(device) if device else None,
            QuoteString(path),
        )
    elif not mounted and at is not None:
        yield StringCommand("umount", "--", QuoteString(at))
    elif mounted and at is not None and (
            {_normal_option(o) for o in options}
            - {_normal_option(o) for o in mounts[at]["options"]}):
        yield StringCommand("mount", "-o", StringCommand("remount,", joined(options, ","),
                                                         _separator=""), "--", QuoteString(at))
    else:
        host.noop(f"{path} is {'mounted' if mounted else 'not mounted'}")


_LOCALE_GEN = "/etc/locale.gen"


@operation(changes=lambda *_a, **_k: [("locales",), keys.path(_LOCALE_GEN)])
def locale(locale: str, present: bool = True) -> OpGenerator:
    """Enable or disable a locale in /etc/locale.gen and regenerate the locales.

    + locale: the locale, as named in /etc/locale.gen (e.g. ``en_GB.UTF-8``)
    + present: whether the locale should be generated

    Example:
        server.locale(
            name="Generate the British locale",
            locale="en_GB.UTF-8",
        )
    """
    if not re.fullmatch(r"[A-Za-z0-9_.@-]+", locale):
        raise OperationValueError(f"bad locale name {locale!r}")
    name = u.escape_regex(locale)
    have = locale in host.get_fact(Locales)
    lines = host.get_fact(FindInFile, path=_LOCALE_GEN,
                          pattern=f"^#*[[:space:]]*{name}[[:space:]]")
    if present == have:
        host.noop(f"locale {locale} is {'present' if present else 'absent'}")
        return
    if not lines and present:
        raise OperationError(f"locale {locale} is not listed in {_LOCALE_GEN}")
    if present:
        yield from files.replace._inner(
            path=_LOCALE_GEN, text=f"^#*[[:space:]]*\\({name}[[:space:]]\\)", replace="\\1")
    elif lines:
        yield from files.replace._inner(path=_LOCALE_GEN, text=f"^\\({name}[[:space:]]\\)",
                                        replace="# \\1")
    yield "locale-gen"


_ZONE = re.compile(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$")


@operation(changes=lambda *_a, **_k: [keys.path("/etc/localtime"),
                                             keys.path("/etc/timezone")])
def timezone(timezone: str) -> OpGenerator:
    """Set the system time zone.

    + timezone: a zone of the tz database, e.g. ``Europe/Paris`` or ``UTC``

    With systemd running, ``timedatectl set-timezone`` sets it. Otherwise
    ``/etc/localtime`` becomes a link to the zone's file and ``/etc/timezone`` holds its
    name. A zone the host does not have is an error.

    Example:
        server.timezone(
            name="Use Paris time",
            timezone="Europe/Paris",
        )
    """
    if not _ZONE.match(timezone):
        raise OperationValueError(f"bad time zone {timezone!r}")
    zone_file = f"/usr/share/zoneinfo/{timezone}"
    current = host.get_fact(Timezone)
    use_timedatectl = bool(host.get_fact(Which, command="timedatectl")) and bool(
        host.get_fact(Directory, path="/run/systemd/system"))
    # the zone's file, through links (Debian's zoneinfo/UTC is a link to Etc/UTC): a hash
    # is read only for a regular file at the end of the links
    zone_info = host.get_fact(Sha256File, path=zone_file) is not None
    saved = host.get_fact(FileContents, path="/etc/timezone")
    link_ok = current == timezone and not (saved is not None and saved != [timezone])
    if link_ok:
        host.noop(f"time zone is {timezone}")
        return
    if not zone_info:
        raise OperationError(f"the host has no time zone {timezone} ({zone_file})")
    if use_timedatectl:
        yield StringCommand("timedatectl", "set-timezone", QuoteString(timezone))
        return
    yield StringCommand("ln", "-sfn", "--", QuoteString(zone_file), "/etc/localtime")
    if saved != [timezone]:
        old = None if saved is None else "".join(f"{x}\n" for x in saved)
        yield Diff("/etc/timezone", old, f"{timezone}\n")
        yield FileUploadCommand(f"{timezone}\n".encode(), "/etc/timezone", mode="644")


_LIMITS = "/etc/security/limits.conf"


@operation(changes=lambda *_a, **_k: [keys.path(_LIMITS)])
def security_limit(domain: str, limit_type: str, item: str, value: int | str) -> OpGenerator:
    """Set a resource limit in /etc/security/limits.conf.

    + domain: who it applies to: a user, ``@group``, ``*``...
    + limit_type: ``soft``, ``hard`` or ``-`` (both)
    + item: what is limited: ``nofile``, ``nproc``, ``memlock``...
    + value: the limit (a number, or ``unlimited``)

    The line for the same domain, type and item is replaced, else one is appended.

    Example:
        server.security_limit(
            name="Let everyone open more files",
            domain="*",
            limit_type="soft",
            item="nofile",
            value=4096,
        )
    """
    for what, word in (("domain", domain), ("limit_type", limit_type), ("item", item),
                       ("value", str(value))):
        if not word or any(c.isspace() for c in word) or word.startswith("#"):
            raise OperationValueError(f"bad {what} {word!r}")
    if limit_type not in ("soft", "hard", "-"):
        raise OperationValueError(f"limit_type must be soft, hard or -, not {limit_type!r}")
    yield from files.line._inner(
        path=_LIMITS,
        line=(f"^{u.escape_regex(domain, True)}[[:space:]]+{u.escape_regex(limit_type, True)}"
              f"[[:space:]]+{u.escape_regex(item, True)}([[:space:]]|$)"),
        replace=f"{domain}\t{limit_type}\t{item}\t{value}",
        extended_regex=True,
    )
