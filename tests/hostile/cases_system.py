"""server.kill, server.etc_hosts, server.script_template, and the init systems and system
tools without a real program here (runit, upstart, BSD init, launchd, FreeBSD, SELinux,
ZFS, LXD, OpenVZ, puppet): their programs are recording stubs, so a name, path or value
reaches them as one argument or is refused; files corral writes are read back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .cases import (
    NAME,
    Arg,
    Case,
    Ctx,
    always,
    as_is,
    dict_key,
    dict_value,
    in_list,
    short,
    under_dir,
)
from .cases_server import script_args
from .checks import Argv, ReadBack
from .sandbox import Sandbox

# -- server -----------------------------------------------------------------------------------


def _sleeper(c: Ctx) -> None:
    """A process of the sandbox to send signals to (its pid in the example's directory)."""
    done = c.sandbox.sh("sh", "-c", "sleep 60 </dev/null >/dev/null 2>&1 & echo $!")
    c.sandbox.write(f"{c.dir}/pid", done.stdout.strip())


def _pid(c: Ctx) -> int:
    return int((c.sandbox.read(f"{c.dir}/pid") or "0").strip())


def _hosts_of(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    text = c.sandbox.read(k["path"])
    if text is None:
        return None
    found: dict[str, list[str]] = {}
    for line in text.split("\n"):
        words = line.split("#", 1)[0].split()
        if len(words) > 1:
            found.setdefault(words[0], []).extend(words[1:])
    return found.get(k["ip"])


def _hosts_wanted(v: str, c: Ctx, k: dict[str, Any]) -> Any:
    names = k["hostnames"]
    return list(dict.fromkeys(names.split() if isinstance(names, str) else names))


def _template(c: Ctx, name: str = "script.sh.j2") -> str:
    path = c.local / name
    path.write_text("#!/bin/sh\nprintf '%s\\0' \"$@\" > /var/log/hostile-script-args\n")
    return str(path)


SERVER: list[Case] = [
    Case(
        "server.kill", lambda c: {"pid": _pid(c)},
        (Arg("signal", as_is("signal"), examples=("KILL", "sigterm", "9", "RTMIN+1")),),
        setup=_sleeper,
    ),
    Case(
        "server.etc_hosts", lambda c: {"ip": "10.9.8.7", "hostnames": ["h"],
                                       "path": c.at("hosts")},
        (
            Arg("hostnames", in_list("hostnames", "first"),
                (ReadBack(_hosts_of, expected=_hosts_wanted, what="the address's names"),)),
            Arg("hostnames", as_is("hostnames"),
                (ReadBack(_hosts_of, expected=_hosts_wanted, what="the address's names"),),
                label="hostnames-str"),
            Arg("ip", as_is("ip"), examples=("::1", "fe80::1%eth0")),
            Arg("path", under_dir("path"), **NAME),
        ),
        setup=lambda c: c.sandbox.write(c.at("hosts"), "127.0.0.1 localhost\n"),
    ),
    Case(
        "server.script_template", lambda c: {"src": _template(c), "args": ["a"]},
        (
            Arg("args", in_list("args"), (ReadBack(script_args, expected=lambda v, c, k: [v],
                                                   what="the script's arguments"),),
                valid=always),
            Arg("src", lambda v, c: {"src": _template(c, v)}, (ReadBack(
                script_args, expected=lambda v, c, k: ["a"], what="the script's arguments"),),
                label="src-local-name", **NAME),
        ),
        exempt={"data": "template variables are rendered into the script: code by design"},
    ),
]

# -- init systems -----------------------------------------------------------------------------


def _prepare(box: Sandbox) -> None:
    box.stub("sv", "initctl", "launchctl")
    box.stub("/etc/rc.d/hsvc")


def _runit_dirs(c: Ctx, name: str = "hsvc") -> None:
    """The service's directory in the example's sourcedir (a name a directory can have)."""
    if name and "/" not in name and name not in (".", "..") and not name.startswith("-"):
        c.sandbox.path(c.at("sv", name)).mkdir(parents=True, exist_ok=True)
    c.sandbox.path(c.at("service")).mkdir(parents=True, exist_ok=True)


def _runit_base(c: Ctx) -> dict[str, Any]:
    return {"service": "hsvc", "svdir": c.at("service"), "sourcedir": c.at("sv")}


def _mkdir(*parts: str) -> Any:
    """An Arg setup: the directory the value names (in the example's directory)."""
    def setup(c: Ctx, v: str) -> None:
        if v and "/" not in v and v not in (".", ".."):
            c.sandbox.path(c.at(v, *parts)).mkdir(parents=True, exist_ok=True)
    return setup


def _rc_stub(c: Ctx, v: str) -> None:
    if v and "/" not in v and v not in (".", ".."):
        c.sandbox.stub(f"/etc/rc.d/{v}")


SV = (Argv(("sv", "env")),)

INIT: list[Case] = [
    Case(
        "runit.service", _runit_base,
        (
            Arg("service", as_is("service"), SV, setup=_runit_dirs, shape=short),
            Arg("command", as_is("command"), SV, extra={"running": None}),
            Arg("svdir", under_dir("svdir"), (ReadBack(
                lambda c, v, k: c.sandbox.path(f"{k['svdir']}/hsvc").is_symlink(),
                expected=lambda v, c, k: True, what="the service's link"),),
                setup=_mkdir(), **NAME),
            Arg("sourcedir", under_dir("sourcedir"), setup=_mkdir("hsvc"), **NAME),
        ),
        setup=_runit_dirs, prepare=_prepare,
    ),
    Case(
        "runit.manage", _runit_base,
        (Arg("service", as_is("service"), shape=short, setup=_runit_dirs),
         Arg("svdir", under_dir("svdir"), setup=_mkdir(), **NAME),
         Arg("sourcedir", under_dir("sourcedir"), **NAME)),
        setup=_runit_dirs,
    ),
    Case(
        "runit.auto", lambda c: {"service": "hsvc", "auto": False, "sourcedir": c.at("sv")},
        (Arg("service", as_is("service"), shape=short, setup=_runit_dirs),
         Arg("sourcedir", under_dir("sourcedir"), setup=_mkdir("hsvc"), **NAME)),
        setup=_runit_dirs,
    ),
    Case(
        "runit.wait_runsv", lambda c: {"service": "hsvc", "svdir": c.at("service"),
                                       "timeout": 1},
        (Arg("service", as_is("service"), (Argv(("sv",)),)),
         Arg("svdir", under_dir("svdir"), **NAME)),
        prepare=_prepare,
    ),
    Case(
        "upstart.service", lambda c: {"service": "hsvc"},
        (Arg("service", as_is("service"), (Argv(("initctl",)),), shape=short),
         Arg("command", as_is("command"), (Argv(("initctl",)),), extra={"running": None})),
        prepare=_prepare,
    ),
    Case(
        "bsdinit.service", lambda c: {"service": "hsvc"},
        (Arg("service", as_is("service"), setup=_rc_stub, shape=short),
         Arg("command", as_is("command"), (Argv(("hsvc",)),), extra={"running": None})),
        prepare=_prepare,
    ),
    Case(
        "launchd.service", lambda c: {"service": "hsvc"},
        (Arg("service", as_is("service"), (Argv(("launchctl",)),)),
         Arg("command", as_is("command"), (Argv(("launchctl",)),), extra={"running": None})),
        prepare=_prepare,
    ),
]

# -- system tools -----------------------------------------------------------------------------
# SELinux, ZFS, FreeBSD's tools, LXD, OpenVZ, puppet: recording stubs. Names the tools
# define (SELinux booleans and types) are refused unless they are names; paths, targets,
# datasets, packages and values reach the stub as one argument, after ``--`` or an option.


def _prepare_tools(box: Sandbox) -> None:
    box.stub("getsebool", rc=1)
    box.stub("setsebool", "chcon", "semanage", "sepolicy", "zfs", "zpool")
    box.stub("pkg", "service", "sysrc", "freebsd-update")
    box.stub("lxc", out="[]")
    box.stub("vzlist", out="[]")
    box.stub("vzctl", "puppet")


TOOLS: list[Case] = [
    Case(
        "selinux.boolean", lambda c: {"bool_name": "hbool", "value": "on"},
        (Arg("bool_name", as_is("bool_name"), (Argv(("setsebool",)),)),
         Arg("value", as_is("value"), (Argv(("setsebool",)),))),
        prepare=_prepare_tools,
    ),
    Case(
        "selinux.file_context", lambda c: {"path": c.at("f"), "se_type": "htype_t"},
        (Arg("path", under_dir("path"), (Argv(("chcon",)),), **NAME),
         Arg("se_type", as_is("se_type"), (Argv(("chcon",)),))),
        prepare=_prepare_tools,
    ),
    Case(
        "selinux.file_context_mapping", lambda c: {"target": "/web(/.*)?", "se_type": "ht_t"},
        (Arg("target", as_is("target"), (Argv(("semanage",)),)),
         Arg("se_type", as_is("se_type"), (Argv(("semanage",)),))),
        prepare=_prepare_tools,
    ),
    Case(
        "selinux.port", lambda c: {"protocol": "tcp", "port_num": 2222, "se_type": "ht_t"},
        (Arg("protocol", as_is("protocol"), (Argv(("semanage",)),)),
         Arg("se_type", as_is("se_type"), (Argv(("semanage",)),))),
        prepare=_prepare_tools,
    ),
]

ZFS = (Argv(("zfs",)),)


def _zfs(op: str, name: str, **base: Any) -> Case:
    """A zfs operation: the name, each property's name and value, as one word each (or
    inside ``prop=value``)."""
    return Case(
        f"zfs.{op}", lambda c: {name: "tank/h", **base},
        (Arg(name, as_is(name), ZFS),
         Arg("properties", dict_key("properties"), ZFS, label="properties-key"),
         Arg("properties", dict_value("properties", "comment"), ZFS),
         Arg("data", lambda v, c: {"comment": v}, ZFS, label="extra_props")),
        prepare=_prepare_tools,
    )


TOOLS += [
    Case(
        "zfs.dataset", lambda c: {"dataset_name": "tank/h"},
        (Arg("dataset_name", as_is("dataset_name"), ZFS),
         Arg("volume_size", as_is("volume_size"), ZFS),
         Arg("properties", dict_key("properties"), ZFS, label="properties-key"),
         Arg("properties", dict_value("properties", "comment"), ZFS),
         Arg("data", lambda v, c: {"comment": v}, ZFS, label="extra_props")),
        prepare=_prepare_tools,
    ),
    _zfs("filesystem", "fs_name"),
    _zfs("snapshot", "snapshot_name"),
    Case(
        "zfs.volume", lambda c: {"volume_name": "tank/h", "size": "1G"},
        (Arg("volume_name", as_is("volume_name"), ZFS),
         Arg("size", as_is("size"), ZFS),
         Arg("properties", dict_value("properties", "comment"), ZFS),
         Arg("data", lambda v, c: {"comment": v}, ZFS, label="extra_props")),
        prepare=_prepare_tools,
    ),
]

PKG = (Argv(("pkg",)),)


def _pkg_installed(installed: bool) -> Callable[[Ctx], None]:
    """``pkg info -E`` answers the package is installed (its name) or not (nothing)."""
    return lambda c: c.sandbox.configure("pkg", out="hpkg-1.0\n" if installed else "")


def _jail_only(op: str, **base: Any) -> Case:
    return Case(f"freebsd.pkg.{op}", lambda c: dict(base),
                (Arg("jail", as_is("jail"), PKG),), prepare=_prepare_tools)


def _listed(c: Ctx, v: str) -> None:
    """``service -l`` lists the service (and its status succeeds)."""
    c.sandbox.configure("service", out=v.replace("\n", " ") + "\n")


SERVICE = (Argv(("service",)),)
SYSRC = (Argv(("sysrc",)),)
UPDATE = (Argv(("freebsd-update",)),)

TOOLS += [
    Case(
        "freebsd.pkg.install", lambda c: {"package": "hpkg"},
        (Arg("package", as_is("package"), PKG), Arg("jail", as_is("jail"), PKG),
         Arg("reponame", as_is("reponame"), PKG)),
        setup=_pkg_installed(False), prepare=_prepare_tools,
    ),
    Case(
        "freebsd.pkg.remove", lambda c: {"package": "hpkg"},
        (Arg("package", as_is("package"), PKG), Arg("jail", as_is("jail"), PKG)),
        setup=_pkg_installed(True), prepare=_prepare_tools,
    ),
    Case("freebsd.pkg.update", lambda c: {},
         (Arg("jail", as_is("jail"), PKG), Arg("reponame", as_is("reponame"), PKG)),
         prepare=_prepare_tools),
    Case("freebsd.pkg.upgrade", lambda c: {},
         (Arg("jail", as_is("jail"), PKG), Arg("reponame", as_is("reponame"), PKG)),
         prepare=_prepare_tools),
    _jail_only("autoremove"),
    _jail_only("clean"),
    Case(
        "freebsd.service.service", lambda c: {"srvname": "hsvc", "srvstate": "restarted"},
        (Arg("srvname", as_is("srvname"), SERVICE, setup=_listed),
         Arg("jail", as_is("jail"), SERVICE),
         Arg("srvstate", as_is("srvstate"), SERVICE),
         # after the script's name, service(8) reads no option: the words are the script's
         Arg("command", as_is("command"), (Argv(("service",), dash=False),),
             extra={"srvstate": "custom"}),
         Arg("command", in_list("command", "status"), (Argv(("service",), dash=False),),
             extra={"srvstate": "custom"}, label="command-list"),
         Arg("environment", in_list("environment", "A=1"), SERVICE),
         Arg("environment", lambda v, c: {"environment": [f"H={v}"]}, SERVICE,
             label="environment-value")),
        setup=lambda c: _listed(c, "hsvc"), prepare=_prepare_tools,
    ),
    Case(
        "freebsd.sysrc.sysrc", lambda c: {"parameter": "h_enable", "value": "YES"},
        (Arg("parameter", as_is("parameter"), SYSRC), Arg("value", as_is("value"), SYSRC),
         Arg("jail", as_is("jail"), SYSRC), Arg("command", as_is("command"), SYSRC)),
        prepare=_prepare_tools,
    ),
    Case(
        "freebsd.freebsd_update.update", lambda c: {},
        tuple(Arg(p, as_is(p), UPDATE) for p in (
            "basedir", "workdir", "conffile", "jail", "key", "currently_running", "server")),
        prepare=_prepare_tools,
    ),
]

VZ = (Argv(("vzctl",)),)


def _vz(op: str, **base: Any) -> Case:
    return Case(f"vzctl.{op}", lambda c: {"ctid": 101, **base},
                (Arg("ctid", as_is("ctid"), VZ),), prepare=_prepare_tools)


TOOLS += [
    Case(
        "lxd.container", lambda c: {"id": "hweb"},
        (Arg("id", as_is("id"), (Argv(("lxc",)),)),
         Arg("image", as_is("image"), (Argv(("lxc",)),))),
        prepare=_prepare_tools,
    ),
    *(_vz(op) for op in ("start", "stop", "restart", "mount", "unmount", "delete")),
    Case("vzctl.create", lambda c: {"ctid": 102},
         (Arg("ctid", as_is("ctid"), VZ), Arg("template", as_is("template"), VZ)),
         prepare=_prepare_tools),
    Case("vzctl.set", lambda c: {"ctid": 101},
         (Arg("ctid", as_is("ctid"), VZ),
          Arg("data", lambda v, c: {"hostname": v}, VZ, label="settings-value"),
          Arg("data", lambda v, c: {"nameserver": ["1.1.1.1", v]}, VZ,
              label="settings-list")),
         prepare=_prepare_tools),
    Case("puppet.agent", lambda c: {},
         (Arg("server", as_is("server"), (Argv(("puppet",)),)),), prepare=_prepare_tools),
]

CASES: list[Case] = [*SERVER, *INIT, *TOOLS]


# -- aliases ------------------------------------------------------------------------------------


def _aliases() -> list[Case]:
    """postgresql.* are the very operation objects of postgres.* (tests/operations/
    postgresql checks ``is``): their text arguments are those postgres.*'s cases cover,
    run in test_other. Listed here for the catalog's coverage, not run twice."""
    import dataclasses

    from .cases_other import CASES as OTHER

    return [dataclasses.replace(c, op="postgresql." + c.op.split(".", 1)[1])
            for c in OTHER if c.op.startswith("postgres.")]


ALIASES: list[Case] = _aliases()
