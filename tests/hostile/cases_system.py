"""server.kill, server.etc_hosts, server.script_template, and the init systems and system
tools without a real program here (runit, upstart, BSD init, launchd, FreeBSD, SELinux,
ZFS, LXD, OpenVZ, puppet): their programs are recording stubs, so a name, path or value
reaches them as one argument or is refused; files corral writes are read back."""

from __future__ import annotations

from typing import Any

from .cases import NAME, Arg, Case, Ctx, always, as_is, in_list, under_dir
from .checks import ReadBack

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


def _script_args(c: Ctx, v: str, k: dict[str, Any]) -> Any:
    p = c.sandbox.path("/var/log/hostile-script-args")
    if not p.exists():
        return None
    data = p.read_bytes().decode("utf-8", "surrogateescape")
    p.unlink()
    return data.split("\0")[:-1]


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
            Arg("args", in_list("args"), (ReadBack(_script_args, expected=lambda v, c, k: [v],
                                                   what="the script's arguments"),),
                valid=always),
            Arg("src", lambda v, c: {"src": _template(c, v)}, (ReadBack(
                _script_args, expected=lambda v, c, k: ["a"], what="the script's arguments"),),
                label="src-local-name", **NAME),
        ),
        exempt={"data": "template variables are rendered into the script: code by design"},
    ),
]

CASES: list[Case] = [*SERVER]
