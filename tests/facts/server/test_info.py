"""The server facts pyinfra 3.10 has for system information (User, KernelVersion, OsVersion,
MacosVersion, LinuxName, LinuxGui, HasGui, LoadAverage, EtcHosts, AuthorizedKeys, Last,
Lastb), against output captured on a test fleet host (data/capture_server_info.py), and
what the engine makes of their exit codes."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corral.engine.batching import fact_value
from corral.engine.probe import FactFailed, make_fact_key
from corral.facts import server
from corral.model import keys
from corral.model.command import CommandOutput
from corral.model.errors import FactParseError
from corral.model.facts import registered_facts
from corral.model.privilege import Privilege

DATA = Path(__file__).parents[1] / "data"
NOBODY = Privilege()


def load(name: str) -> Any:
    """The value the engine gives a captured output: parsed, the default for "not there",
    or a FactFailed."""
    record = json.loads((DATA / f"{name}.json").read_text())
    cls = registered_facts()[record["fact"]]
    assert cls().command(**record["kwargs"]) == record["command"], (
        "re-run data/capture_server_info.py")
    key = make_fact_key(cls, (), record["kwargs"], NOBODY)
    stdout = "".join(f"{line}\n" for line in record["output"])
    return fact_value(key, CommandOutput(stdout, record.get("stderr", ""), record["exit"]))


def test_user_is_who_the_facts_run_as() -> None:
    assert load("server_user_root") == "root"
    assert load("server_user_corral") == "corral"
    assert load("server_user_sudo") == "root"  # with _sudo: the user sudo runs it as
    with pytest.raises(FactParseError):
        server.User().process([])


def test_kernel_version_and_its_old_name() -> None:
    release = load("server_kernelversion")
    assert isinstance(release, str) and release[0].isdigit() and " " not in release
    assert load("server_osversion") == release
    assert server.OsVersion.name == "server.OsVersion"


def test_macos_version_needs_sw_vers() -> None:
    # no sw_vers on Debian: the engine's requires_command check gives the default
    assert server.MacosVersion.requires_command == "sw_vers"
    assert server.MacosVersion.default() is None
    assert server.MacosVersion().process(["14.4.1", ""]) == "14.4.1"


def test_linux_name_is_linux_distributions_name() -> None:
    assert load("server_linuxname") == "Debian"
    assert server.LinuxName().command() == server.LinuxDistribution().command()
    assert server.LinuxName().process([]) is None


def test_guis() -> None:
    assert load("server_linuxgui") == []
    assert load("server_hasgui") is False
    found = ["/usr/bin/dbus-run-session", "/usr/bin/xfce4-session", "/usr/bin/gnome-session"]
    assert server.LinuxGui().process(found) == ["XFCE 4", "GNOME"]
    assert server.HasGui().process(found) is True


def test_load_average() -> None:
    value = load("server_loadaverage")
    assert set(value) == {"1", "5", "15"} and all(isinstance(v, float) for v in value.values())
    bsd = [" 9:41PM  up 3 days,  2:10, 1 user, load averages: 0.12, 0.21, 0.22"]
    assert server.LoadAverage().process(bsd) == {"1": 0.12, "5": 0.21, "15": 0.22}
    linux = ["0.00 1.50 12.25 1/145 71536"]
    assert server.LoadAverage().process(linux) == {"1": 0.0, "5": 1.5, "15": 12.25}
    with pytest.raises(FactParseError):
        server.LoadAverage().process(["no numbers here"])


def test_etc_hosts() -> None:
    hosts = load("server_etchosts")
    assert hosts["127.0.0.1"] == ["localhost"]
    assert hosts["::1"] == ["localhost", "ip6-localhost", "ip6-loopback", "ip6-extra"]
    # an address twice: names merged in file order; comments dropped
    assert hosts["10.0.0.5"] == ["db.internal", "db", "db2"]
    assert "#" not in "".join(hosts)
    assert load("server_etchosts_missing") == {}
    assert server.EtcHosts().reads() == frozenset({keys.path("/etc/hosts")})


def test_authorized_keys() -> None:
    root = load("server_authorizedkeys_root")
    assert len(root) == 2 and root[0].endswith(" corral-fleet")
    assert root[1] == "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample ops@example"
    assert load("server_authorizedkeys_path") == root
    assert len(load("server_authorizedkeys_corral")) == 1
    assert load("server_authorizedkeys_none") == []  # nobody: no such file
    assert load("server_authorizedkeys_odd_name") == []  # not a user: looked up, none
    # a name ~ cannot expand is looked up, quoted
    assert "getent passwd -- 'no such user'" in server.AuthorizedKeys().command("no such user")


def test_last_and_lastb() -> None:
    assert load("server_last") == []  # the fleet's sshd keeps no wtmp records
    assert load("server_last_no_wtmp") == []  # no wtmp at all: nothing to read
    failed = load("server_lastb")
    assert failed == [{"user": "nosuchuser", "tty": "ssh:notty", "host": "127.0.0.1",
                       "time": "Sat Dec 5 19:05:53 2026 - Sat Dec 5 19:05:53 2026 (00:00)"}]
    # btmp is root's: not readable is a failure, not "no failed logins"
    denied = load("server_lastb_unprivileged")
    assert isinstance(denied, FactFailed) and "Permission denied" in denied.message


def test_last_lines_of_other_systems() -> None:
    lines = [
        "alice    pts/0        192.168.1.5      Thu Apr 17 14:00:01 2025   still logged in",
        "reboot   system boot  6.1.0-18-amd64   Thu Apr 17 11:00:00 2025 - Thu Apr 17 12:00",
        "bob      tty1                          Wed Apr 16 09:00:00 2025 - down  (00:10)",
        "",
        "wtmp begins Mon Apr  1 00:00:00 2025",
    ]
    assert server.Last().process(lines) == [
        {"user": "alice", "tty": "pts/0", "host": "192.168.1.5",
         "time": "Thu Apr 17 14:00:01 2025 still logged in"},
        {"user": "reboot", "tty": "system boot", "host": "6.1.0-18-amd64",
         "time": "Thu Apr 17 11:00:00 2025 - Thu Apr 17 12:00"},
        {"user": "bob", "tty": "tty1", "host": "",
         "time": "Wed Apr 16 09:00:00 2025 - down (00:10)"},
    ]


def test_every_server_fact_of_pyinfra_3_10_exists() -> None:
    """pyinfra.facts.server's facts (3.10), by name."""
    names = ["Arch", "AuthorizedKeys", "Command", "Date", "EtcHosts", "Groups", "HasGui",
             "Home", "Hostname", "Kernel", "KernelModules", "KernelVersion", "Last", "Lastb",
             "LinuxDistribution", "LinuxGui", "LinuxName", "LoadAverage", "Locales",
             "LsbRelease", "MacosVersion", "Mounts", "Os", "OsRelease", "OsVersion", "Path",
             "Port", "Ports", "Processes", "RebootRequired", "SecurityLimits", "Selinux",
             "Sysctl", "Timezone", "TmpDir", "Uptime", "User", "Users", "Which"]
    missing = [n for n in names if f"server.{n}" not in registered_facts()]
    assert missing == []


# -- arguments that reach the shell, hostile ------------------------------------------------

_TEXT = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)),
                min_size=1, max_size=40)
_NASTY = st.sampled_from(["$(touch {m})", "`touch {m}`", "x; touch {m}", "x\ntouch {m}",
                          "'; touch {m}; '", "~root/$(touch {m})", "-x", "a$", "*", "~"])


def _sh(command: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    # errors="replace": a tool may echo a hostile name back cut inside a UTF-8 sequence
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=20,
                          encoding="utf-8", errors="replace",
                          cwd=tmp, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp)})


@settings(max_examples=60, deadline=None)
@given(user=st.one_of(_TEXT, _NASTY), path=st.one_of(st.none(), _TEXT, _NASTY))
def test_authorized_keys_arguments_are_only_names(user: str, path: str | None) -> None:
    """A user name or path runs nothing: the command reads (at most) one file and exits 0
    when it is not there."""
    with tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "ran"
        user = user.replace("{m}", str(marker))
        path = path.replace("{m}", str(marker)) if path else path
        done = _sh(server.AuthorizedKeys().command(user, path), Path(tmp))
        assert not marker.exists()
        if path is not None and (Path(tmp) / path).is_dir():  # "." or "/": cat fails
            assert done.returncode != 0 and "Is a directory" in done.stderr
            return
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""
        assert "invalid option" not in done.stderr  # a name starting with - is not an option


@settings(max_examples=60, deadline=None)
@given(path=st.one_of(_TEXT, _NASTY))
def test_etc_hosts_path_is_only_a_path(path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        marker = Path(tmp) / "ran"
        path = path.replace("{m}", str(marker))
        done = _sh(server.EtcHosts().command(path), Path(tmp))
        assert not marker.exists()
        if (Path(tmp) / path).is_dir():  # "." or "/": a failure, not an empty file
            assert done.returncode != 0
            return
        assert done.returncode == 0 and done.stdout == ""
        hosts = Path(tmp) / path.lstrip("/")[:20].replace("/", "_")
        if hosts.name and not hosts.name.startswith("-"):
            hosts.write_text("10.1.1.1 a\n")
            read = _sh(server.EtcHosts().command(str(hosts)), Path(tmp))
            assert server.EtcHosts().process(read.stdout.splitlines()) == {"10.1.1.1": ["a"]}
