"""server.hostname, sysctl, modprobe, mount, locale, timezone, security_limit,
user_authorized_keys, packages, service, reboot and wait as (args, facts) -> commands."""

from __future__ import annotations

import importlib
import socket
import subprocess
import types
from datetime import datetime
from typing import Any

import pytest

from corral.facts.deb import DebPackages
from corral.facts.files import Directory, File, FileContents, FindInFile, Link, Sha256File
from corral.facts.server import (
    Hostname,
    KernelModules,
    Locales,
    Mounts,
    Os,
    Sysctl,
    SysctlWritable,
    Timezone,
    Uptime,
    UserAccounts,
    Which,
)
from corral.model.command import Reconnect
from corral.model.errors import OperationError, OperationValueError
from corral.operations import server
from corral.operations.files import _base as edit
from corral.operations.files import _util as u
from corral.operations.server import _dispatch as _server_dispatch
from corral.testing.optest import fact, plan


def locked(path: str, command: str) -> str:
    """A command run under the edit lock of ``path`` (files.line/replace's)."""
    return f"{edit.lock(path)}; {command}"


def appended(path: str, word: str) -> str:
    """files.line's append of a line (one sh word) to ``path``."""
    return edit.append(path, word).render()


INFO = {"user": "root", "group": "root", "mode": 644, "size": 1,
        "atime": datetime(2024, 1, 1), "mtime": datetime(2024, 1, 1),
        "ctime": datetime(2024, 1, 1)}


def line_facts(path: str, line: str, replace: str, found: list[str] | None,
               replaced: list[str] | None = None, extended: bool = False) -> dict[Any, Any]:
    """The facts files.line(path, line, replace) reads."""
    extra = {"extended_regex": True} if extended else {}
    literal = u.escape_regex(replace, extended)
    return {
        fact(FindInFile, path=path, pattern=u.whole_line_regex(line, False, extended),
             interpolate_variables=False, **extra): found,
        fact(FindInFile, path=path, pattern=f"^{literal}$", interpolate_variables=False,
             **extra): replaced if replaced is not None else [],
    }


# --- hostname ------------------------------------------------------------------------------

def hostname_facts(current: str, file: list[str] | None, systemd: bool = False) -> dict[Any, Any]:
    return {
        fact(Hostname): current,
        fact(Which, command="hostnamectl"): "/usr/bin/hostnamectl" if systemd else None,
        fact(Directory, path="/run/systemd/system"): INFO if systemd else None,
        fact(Os): "Linux",
        fact(FileContents, path="/etc/hostname"): file,
    }


@pytest.mark.parametrize(("args", "facts", "expected"), [
    pytest.param({}, hostname_facts("web1", ["web1"]), [], id="already correct"),
    pytest.param({}, hostname_facts("old", ["old"]),
                 ["hostname web1", "upload /etc/hostname"], id="set and persist"),
    pytest.param({}, hostname_facts("web1", None), ["upload /etc/hostname"], id="file missing"),
    pytest.param({"hostname_file": False}, hostname_facts("old", None), ["hostname web1"],
                 id="no file"),
    pytest.param({}, hostname_facts("old", None, systemd=True),
                 ["hostnamectl set-hostname web1"], id="systemd"),
    pytest.param({}, hostname_facts("web1", None, systemd=True), [], id="systemd, correct"),
])
def test_hostname(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    assert plan(server.hostname, hostname="web1", facts=facts, **args).shell == expected


def test_hostname_rejects_bad_names() -> None:
    with pytest.raises(OperationValueError):
        plan(server.hostname, hostname="-x; reboot")


# --- sysctl --------------------------------------------------------------------------------

def sysctl_facts(key: str, current: Any, writable: bool | None = True) -> dict[Any, Any]:
    return {fact(Sysctl, keys=[key]): {} if current is None else {key: current},
            fact(SysctlWritable, key=key): writable}


FWD = "net.ipv4.ip_forward"
PERSIST = "/etc/sysctl.d/90-corral.conf"


def persist_facts(found: list[str] | None, value: str = "1",
                  example: list[str] | None = None) -> dict[Any, Any]:
    facts = line_facts(PERSIST, r"^[[:space:]]*net\.ipv4\.ip_forward[[:space:]]*=",
                       f"{FWD} = {value}", found)
    commented = r"^[[:space:]]*#[[:space:]]*net\.ipv4\.ip_forward[[:space:]]*="
    facts[fact(FindInFile, path=PERSIST, pattern=u.whole_line_regex(commented),
               interpolate_variables=False)] = example or []
    if example:
        facts.update(line_facts(PERSIST, commented, f"{FWD} = {value}", example))
    return facts


@pytest.mark.parametrize(("args", "facts", "expected"), [
    pytest.param({"value": 1}, sysctl_facts(FWD, 1), [], id="already set"),
    pytest.param({"value": "1"}, sysctl_facts(FWD, 0), [f"sysctl -w {FWD}=1"], id="apply"),
    pytest.param(
        {"key": "net.ipv4.ip_local_port_range", "value": [1024, 65000]},
        sysctl_facts("net.ipv4.ip_local_port_range", [32768, 60999]),
        ["sysctl -w net.ipv4.ip_local_port_range='1024 65000'"], id="several values"),
    pytest.param(
        {"key": "net.ipv4.ip_local_port_range", "value": "1024 65000"},
        sysctl_facts("net.ipv4.ip_local_port_range", [1024, 65000]), [],
        id="several values, already set"),
    pytest.param({"value": 1, "persist": True, "persist_file": PERSIST},
                 {**sysctl_facts(FWD, 1), **persist_facts([f"{FWD} = 1"])}, [],
                 id="persisted, already correct"),
    pytest.param({"value": 1, "persist": True, "persist_file": PERSIST},
                 {**sysctl_facts(FWD, 0), **persist_facts([f"{FWD}=0"])},
                 [f"sysctl -w {FWD}=1",
                  locked(PERSIST, "LC_ALL=C sed -i "
                         "'s/^[[:space:]]*net\\.ipv4\\.ip_forward[[:space:]]*=.*$/"
                         f"{FWD} = 1/' {PERSIST}")], id="apply and replace the persisted line"),
    pytest.param({"value": 1, "persist": True, "persist_file": PERSIST},
                 {**sysctl_facts(FWD, 0, writable=False), **persist_facts(None)},
                 [appended(PERSIST, f"'{FWD} = 1'")], id="read-only: persist only"),
    pytest.param({"value": 1, "persist": True, "persist_file": PERSIST},
                 {**sysctl_facts(FWD, None, writable=None), **persist_facts([])},
                 [appended(PERSIST, f"'{FWD} = 1'")], id="missing: persist only"),
    pytest.param({"value": 1}, sysctl_facts(FWD, 0, writable=False), [],
                 id="read-only, not persisted: a note"),
    pytest.param({"value": 1, "persist": True, "persist_file": PERSIST},
                 {**sysctl_facts(FWD, 1), **persist_facts([], example=[f"#{FWD}=1"])},
                 [locked(PERSIST, "LC_ALL=C sed -i "
                         "'s/^[[:space:]]*#[[:space:]]*net\\.ipv4\\.ip_forward[[:space:]]*=.*$/"
                         f"{FWD} = 1/' {PERSIST}")],
                 id="the distribution's commented example line is uncommented and set"),
])
def test_sysctl(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    args.setdefault("key", FWD)
    result = plan(server.sysctl, facts=facts, **args)
    assert result.shell == expected
    if facts.get(fact(SysctlWritable, key=args["key"])) is not True and not expected[:1] == [
            f"sysctl -w {FWD}=1"]:
        assert any("not applied" in n or "is 1" in n for n in result.notes)


def test_sysctl_errors() -> None:
    with pytest.raises(OperationError, match="no sysctl"):
        plan(server.sysctl, key=FWD, value=1, facts=sysctl_facts(FWD, None, writable=None))
    for key, value in ((";rm -rf /", 1), (FWD, "a=b"), (FWD, [])):
        with pytest.raises(OperationValueError):
            plan(server.sysctl, key=key, value=value)


# --- modprobe ------------------------------------------------------------------------------

LOADED = {fact(KernelModules): {"nf_nat": {"size": 1, "instances": 0, "state": "Live"}}}


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param({"module": "nf_nat"}, [], id="already loaded"),
    pytest.param({"module": "nf-nat"}, [], id="dash and underscore are the same"),
    pytest.param({"module": "floppy", "present": False}, [], id="already unloaded"),
    pytest.param({"module": ["nf_nat", "br_netfilter"]}, ["modprobe -a br_netfilter"],
                 id="load the missing one"),
    pytest.param({"module": "nf_nat", "present": False, "force": True},
                 ["modprobe -f -r -a nf_nat"], id="unload, forced"),
])
def test_modprobe(args: dict[str, Any], expected: list[str]) -> None:
    assert plan(server.modprobe, facts=LOADED, **args).shell == expected


# --- mount ---------------------------------------------------------------------------------

MOUNTS = {fact(Mounts): {
    "/": {"device": "/dev/vda", "type": "ext4", "options": ["rw", "relatime"]},
    "/srv/scratch": {"device": "tmpfs", "type": "tmpfs",
                     "options": ["rw", "nosuid", "relatime", "size=1024k"]},
}}


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param({"path": "/srv/scratch/"}, [], id="already mounted"),
    pytest.param({"path": "/srv/scratch", "options": ["nosuid"]}, [], id="options there"),
    pytest.param({"path": "/mnt/x", "mounted": False}, [], id="already unmounted"),
    pytest.param({"path": "/mnt/my data", "device": "tmpfs", "fs_type": "tmpfs",
                  "options": ["size=1m", "noexec"]},
                 ["mount -t tmpfs -o size=1m,noexec -- tmpfs '/mnt/my data'"], id="mount"),
    pytest.param({"path": "/mnt/data"}, ["mount -- /mnt/data"], id="mount from fstab"),
    pytest.param({"path": "/srv/scratch", "mounted": False}, ["umount -- /srv/scratch"],
                 id="unmount"),
    pytest.param({"path": "/srv/scratch", "options": ["nosuid", "noexec"]},
                 ["mount -o remount,nosuid,noexec -- /srv/scratch"], id="remount"),
    pytest.param({"path": "/data", "device": "/dev/vda", "mounted": False}, ["umount -- /"],
                 id="found by device"),
])
def test_mount(args: dict[str, Any], expected: list[str]) -> None:
    assert plan(server.mount, facts=MOUNTS, **args).shell == expected


# --- locale --------------------------------------------------------------------------------

GEN = "/etc/locale.gen"
LISTED = r"^#*[[:space:]]*fr_FR\.UTF-8[[:space:]]"
ENABLE = r"^#*[[:space:]]*\(fr_FR\.UTF-8[[:space:]]\)"
DISABLE = r"^\(fr_FR\.UTF-8[[:space:]]\)"


def locale_facts(have: bool, line: str | None, **replace_found: list[str]) -> dict[Any, Any]:
    table = {
        fact(Locales): ["C", "C.UTF-8", "POSIX", *(["fr_FR.UTF-8"] if have else [])],
        fact(FindInFile, path=GEN, pattern=LISTED):
            [line] if line else [],
    }
    for pattern, found in ((ENABLE, replace_found.get("enable")),
                           (DISABLE, replace_found.get("disable"))):
        if found is not None:
            table[fact(FindInFile, path=GEN, pattern=pattern, interpolate_variables=False)] = found
    return table


@pytest.mark.parametrize(("args", "facts", "expected"), [
    pytest.param({}, locale_facts(True, "fr_FR.UTF-8 UTF-8"), [], id="already present"),
    pytest.param({"present": False}, locale_facts(False, "# fr_FR.UTF-8 UTF-8"), [],
                 id="already absent"),
    pytest.param({}, locale_facts(False, "# fr_FR.UTF-8 UTF-8",
                                  enable=["# fr_FR.UTF-8 UTF-8"]),
                 [locked(GEN, f"LC_ALL=C sed -i 's/{ENABLE}/\\1/' {GEN}"), "locale-gen"],
                 id="enable"),
    pytest.param({}, locale_facts(False, "fr_FR.UTF-8 UTF-8", enable=["fr_FR.UTF-8 UTF-8"]),
                 [locked(GEN, f"LC_ALL=C sed -i 's/{ENABLE}/\\1/' {GEN}"), "locale-gen"],
                 id="listed but not generated"),
    pytest.param({"present": False}, locale_facts(True, "fr_FR.UTF-8 UTF-8",
                                                  disable=["fr_FR.UTF-8 UTF-8"]),
                 [locked(GEN, f"LC_ALL=C sed -i 's/{DISABLE}/# \\1/' {GEN}"), "locale-gen"],
                 id="disable"),
])
def test_locale(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    assert plan(server.locale, locale="fr_FR.UTF-8", facts=facts, **args).shell == expected


def test_locale_not_listed() -> None:
    with pytest.raises(OperationError, match="not listed"):
        plan(server.locale, locale="fr_FR.UTF-8", facts=locale_facts(False, None))


# --- timezone ------------------------------------------------------------------------------

def tz_facts(current: str | None, saved: list[str] | None, systemd: bool = False,
             zone: str = "Europe/Paris", exists: bool = True) -> dict[Any, Any]:
    return {
        fact(Timezone): current,
        fact(Which, command="timedatectl"): "/usr/bin/timedatectl" if systemd else None,
        fact(Directory, path="/run/systemd/system"): INFO if systemd else None,
        # the zone's file, found through links: a hash only for a regular file
        fact(Sha256File, path=f"/usr/share/zoneinfo/{zone}"): "ab" * 32 if exists else None,
        fact(FileContents, path="/etc/timezone"): saved,
    }


@pytest.mark.parametrize(("facts", "expected"), [
    pytest.param(tz_facts("Europe/Paris", ["Europe/Paris"]), [], id="already set"),
    pytest.param(tz_facts("Europe/Paris", None), [], id="no /etc/timezone"),
    pytest.param(tz_facts("Etc/UTC", ["Etc/UTC"]),
                 ["ln -sfn -- /usr/share/zoneinfo/Europe/Paris /etc/localtime",
                  "upload /etc/timezone"], id="link and name"),
    pytest.param(tz_facts("Europe/Paris", ["Etc/UTC"]),
                 ["ln -sfn -- /usr/share/zoneinfo/Europe/Paris /etc/localtime",
                  "upload /etc/timezone"], id="stale /etc/timezone"),
    pytest.param(tz_facts("Etc/UTC", None, systemd=True),
                 ["timedatectl set-timezone Europe/Paris"], id="systemd"),
])
def test_timezone(facts: dict[Any, Any], expected: list[str]) -> None:
    assert plan(server.timezone, timezone="Europe/Paris", facts=facts).shell == expected


def test_timezone_utc_whose_file_is_a_link() -> None:
    """Debian 12: /usr/share/zoneinfo/UTC is a link to Etc/UTC (the File fact reads a link
    as False: it was refused as "no time zone")."""
    facts = tz_facts("Etc/UTC", ["Etc/UTC"], zone="UTC")
    assert plan(server.timezone, timezone="UTC", facts=facts).shell == [
        "ln -sfn -- /usr/share/zoneinfo/UTC /etc/localtime", "upload /etc/timezone"]
    assert plan(server.timezone, timezone="UTC", facts=tz_facts("UTC", ["UTC"], zone="UTC")
                ).shell == []


def test_timezone_errors() -> None:
    with pytest.raises(OperationError, match="no time zone"):
        plan(server.timezone, timezone="Europe/Paris",
             facts=tz_facts("Etc/UTC", None, exists=False))
    with pytest.raises(OperationValueError):
        plan(server.timezone, timezone="../../etc/passwd")


# --- security_limit ------------------------------------------------------------------------

LIMITS = "/etc/security/limits.conf"
NOFILE = r"^\*[[:space:]]+soft[[:space:]]+nofile([[:space:]]|$)"


@pytest.mark.parametrize(("found", "expected"), [
    pytest.param(["*\tsoft\tnofile\t4096"], [], id="already set"),
    pytest.param(None, [appended(LIMITS, "'*\tsoft\tnofile\t4096'")], id="append"),
    pytest.param(["*  soft  nofile  1024"],
                 [locked(LIMITS, f"LC_ALL=C sed -E -i 's/{NOFILE}.*$/*\tsoft\tnofile\t4096/' "
                         f"{LIMITS}")],
                 id="replace"),
])
def test_security_limit(found: list[str] | None, expected: list[str]) -> None:
    facts = line_facts(LIMITS, NOFILE, "*\tsoft\tnofile\t4096", found,
                       replaced=[x for x in found or [] if x == "*\tsoft\tnofile\t4096"],
                       extended=True)
    result = plan(server.security_limit, domain="*", limit_type="soft", item="nofile",
                  value=4096, facts=facts)
    assert result.shell == expected


def test_security_limit_rejects_bad_fields() -> None:
    with pytest.raises(OperationValueError):
        plan(server.security_limit, domain="a b", limit_type="soft", item="nofile", value=1)
    with pytest.raises(OperationValueError):
        plan(server.security_limit, domain="*", limit_type="both", item="nofile", value=1)


# --- user_authorized_keys ------------------------------------------------------------------

KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA deploy@ci"
KEY_B = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ admin@laptop"


def keys_facts(contents: list[str] | None, directory: str = "/home/app/.ssh",
               mode: int = 600) -> dict[Any, Any]:
    owned = {**INFO, "user": "app", "group": "staff"}
    return {
        fact(UserAccounts): {"app": {"home": "/home/app", "group": "staff"}},
        fact(Directory, path=directory): {**owned, "mode": 700},
        fact(File, path=f"{directory}/authorized_keys"):
            None if contents is None else {**owned, "mode": mode},
        fact(FileContents, path=f"{directory}/authorized_keys"): contents,
    }


@pytest.mark.parametrize(("args", "facts", "expected"), [
    pytest.param({}, keys_facts([KEY_B, KEY_A]), [], id="already there"),
    pytest.param({"delete_keys": True}, keys_facts([KEY_A]), [], id="exactly these"),
    pytest.param({}, keys_facts([KEY_B]), ["upload /home/app/.ssh/authorized_keys"],
                 id="append a key"),
    pytest.param({}, keys_facts(None), ["upload /home/app/.ssh/authorized_keys"],
                 id="new file"),
    pytest.param({}, keys_facts([KEY_A], mode=644),
                 ["chmod 600 /home/app/.ssh/authorized_keys"], id="fix the mode"),
    pytest.param({"authorized_key_directory": "/etc/ssh/keys", "group": "root"},
                 {k: v for k, v in keys_facts([KEY_A], "/etc/ssh/keys").items()
                  if k != fact(UserAccounts)},
                 ["chown app:root /etc/ssh/keys", "chown app:root /etc/ssh/keys/authorized_keys"],
                 id="own directory, no user lookup"),
])
def test_user_authorized_keys(args: dict[str, Any], facts: dict[Any, Any],
                              expected: list[str]) -> None:
    result = plan(server.user_authorized_keys, user="app", public_keys=[KEY_A],
                  facts=facts, **args)
    assert result.shell == expected
    if expected[:1] == ["upload /home/app/.ssh/authorized_keys"]:
        upload = result.commands[0]
        assert (upload.user, upload.group, upload.mode) == ("app", "staff", "600")
        assert upload.content().decode().splitlines()[-1] == KEY_A


def test_user_authorized_keys_unknown_user() -> None:
    with pytest.raises(OperationError, match="does not exist"):
        plan(server.user_authorized_keys, user="ghost", public_keys=KEY_A,
             facts={fact(UserAccounts): {}})


# --- packages and service: dispatch --------------------------------------------------------

def which(*present: str, commands: tuple[str, ...] = ()) -> dict[Any, Any]:
    return {fact(Which, command=c): f"/usr/bin/{c}" if c in present else None
            for c in commands}


MANAGERS = tuple(dict.fromkeys(c for c, _ in _server_dispatch.PACKAGE_MANAGERS))


def test_packages_uses_apt_on_debian() -> None:
    facts = {**which("apt", commands=MANAGERS), fact(DebPackages): {"hello": {"2.10-3"}}}
    assert plan(server.packages, packages=["hello"], facts=facts).shell == []
    result = plan(server.packages, packages=["hello", "tree"], facts=facts)
    assert result.shell == ["DEBIAN_FRONTEND=noninteractive apt-get -y "
                            "-o Dpkg::Options::=--force-confdef "
                            "-o Dpkg::Options::=--force-confold install tree"]


def fake_module(name: str, calls: list[dict[str, Any]]) -> types.ModuleType:
    def op(**kwargs: Any) -> Any:
        calls.append(kwargs)
        yield f"{name} {kwargs}"

    module = types.ModuleType(name)
    fake = types.SimpleNamespace(_inner=op, is_corral_operation=True)
    module.packages = fake  # type: ignore[attr-defined]
    module.service = fake  # type: ignore[attr-defined]
    return module


def test_packages_dispatch_and_missing_module(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []
    real = importlib.import_module

    def import_module(name: str) -> Any:
        if name == "corral.operations.xbps":
            return fake_module("xbps", calls)
        if name == "corral.operations.pacman":
            raise ImportError(name)
        return real(name)

    monkeypatch.setattr(importlib, "import_module", import_module)
    plan(server.packages, packages="vim", facts=which("xbps-install", commands=MANAGERS))
    assert calls == [{"packages": "vim", "present": True}]
    with pytest.raises(OperationError, match=r"uses pacman, but corral has no pacman\.packages"):
        plan(server.packages, packages="vim", facts=which("pacman", commands=MANAGERS))
    with pytest.raises(OperationError, match="no package manager"):
        plan(server.packages, packages="vim", facts=which(commands=MANAGERS))


INIT_WHICH = ("systemctl", "rc-service", "initctl", "sv", "service")


def init_facts(*commands: str, systemd_running: bool = False, init_d: bool = False,
               kernel: str = "Linux") -> dict[Any, Any]:
    return {
        **which(*commands, commands=INIT_WHICH),
        fact(Directory, path="/run/systemd/system"): INFO if systemd_running else None,
        fact(Os): kernel,
        fact(Directory, path="/etc/rc.d"): None,
        fact(Directory, path="/etc/init.d"): INFO if init_d else None,
        fact(Link, path="/etc/init.d"): None,
    }


@pytest.mark.parametrize(("facts", "module"), [
    pytest.param(init_facts("systemctl", "service", systemd_running=True), "systemd",
                 id="systemd"),
    pytest.param(init_facts("systemctl", "service", init_d=True), "sysvinit",
                 id="systemd installed, not running"),
    pytest.param(init_facts("rc-service"), "openrc", id="openrc"),
    pytest.param(init_facts(init_d=True), "sysvinit", id="init.d only"),
])
def test_service_dispatch(monkeypatch: pytest.MonkeyPatch, facts: dict[Any, Any],
                          module: str) -> None:
    calls: list[dict[str, Any]] = []
    seen: list[str] = []
    real = importlib.import_module

    def import_module(name: str) -> Any:
        if name.startswith("corral.operations."):
            seen.append(name.rsplit(".", 1)[1])
            return fake_module(seen[-1], calls)
        return real(name)

    monkeypatch.setattr(importlib, "import_module", import_module)
    plan(server.service, service="cron", enabled=True, facts=facts)
    assert seen == [module]
    assert calls == [{"service": "cron", "running": True, "restarted": False,
                      "reloaded": False, "command": None, "enabled": True}]


def test_service_without_init_system() -> None:
    with pytest.raises(OperationError, match="no init system"):
        plan(server.service, service="cron", facts=init_facts())


# --- reboot and wait -----------------------------------------------------------------------

def test_reboot() -> None:
    result = plan(server.reboot, facts={fact(Uptime): 1000})
    assert result.shell == ["( sleep 1 && reboot ) </dev/null >/dev/null 2>&1 &",
                            "reconnect after 10s, every 1s, for up to 300s"]
    assert result.commands[-1] == Reconnect(delay=10, interval=1, timeout=300)
    timed = plan(server.reboot, delay=3, interval=2, reboot_timeout=60, facts={fact(Uptime): 1})
    assert timed.commands[-1] == Reconnect(delay=3, interval=2, timeout=60)
    with pytest.raises(OperationValueError):
        plan(server.reboot, interval=0)


def run_local(command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=30)


def test_wait_for_a_listening_port() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        command = plan(server.wait, port=port, timeout=5).shell[0]
        assert run_local(command).returncode == 0
    closed = run_local(plan(server.wait, port=port, timeout=1).shell[0])
    assert closed.returncode == 1
    assert f"port {port} is not listening after 1s" in closed.stderr


def test_wait_for_a_command(tmp_path: Any) -> None:
    flag = tmp_path / "ready"
    flag.touch()
    assert run_local(plan(server.wait, command=f"test -f {flag}").shell[0]).returncode == 0
    failed = run_local(plan(server.wait, command="false", timeout=1).shell[0])
    assert failed.returncode == 1 and "did not succeed" in failed.stderr
    for bad in ({}, {"port": 22, "command": "true"}, {"port": 70000}, {"command": "  "}):
        with pytest.raises(OperationValueError):
            plan(server.wait, **bad)


def test_mount_compares_sizes_as_the_kernel_shows_them() -> None:
    args: dict[str, Any] = {"path": "/srv/scratch", "options": ["nosuid", "size=1m"]}
    assert plan(server.mount, facts=MOUNTS, **args).shell == []
    args["options"] = ["size=2m"]
    assert plan(server.mount, facts=MOUNTS, **args).shell == [
        "mount -o remount,size=2m -- /srv/scratch"]
