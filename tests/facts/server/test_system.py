"""The wave-1 server.* facts against output captured on Debian 12 (data/capture_server_extra.py)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from corral.facts import server
from corral.model.errors import FactParseError
from corral.model.facts import registered_facts

DATA = Path(__file__).parents[1] / "data"


def record(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return data


def load(name: str) -> Any:
    data = record(name)
    fact = registered_facts()[data["fact"]]()
    assert fact.command(**data["kwargs"]) == data["command"], "re-run the capture script"
    if data["exit"] != 0:
        return fact.default()
    return fact.process(data["output"])


def test_sysctl() -> None:
    values = load("server_sysctl_keys")
    assert values == {
        "kernel.domainname": "(none)",
        "net.ipv4.ip_local_port_range": [32768, 60999],
        "kernel.ostype": "Linux",
        "fs.inode-state": values["fs.inode-state"],
    }
    assert len(values["fs.inode-state"]) == 7
    everything = load("server_sysctl_all")
    assert len(everything) > 500
    assert everything["kernel.ostype"] == "Linux"
    assert isinstance(everything["kernel.pid_max"], int)
    assert server.Sysctl().command(keys=["a.b", "x y"]) == "sysctl a.b 'x y' 2>/dev/null || true"


def test_sysctl_writable() -> None:
    assert load("server_sysctlwritable_domainname") is True
    assert load("server_sysctlwritable_readonly") is False
    assert load("server_sysctlwritable_missing") is None
    assert "/proc/sys/net/ipv4/conf/eth0.1/rp_filter" in server.SysctlWritable().command(
        key="net/ipv4/conf/eth0.1/rp_filter")
    with pytest.raises(FactParseError):
        server.SysctlWritable().process(["maybe"])


def test_mounts() -> None:
    mounts = load("server_mounts")
    assert mounts["/"]["type"] == "ext4"
    assert mounts["/proc"] == {"device": "proc", "type": "proc", "options": ["rw", "relatime"]}
    spaced = mounts["/tmp/corral cap,dir"]  # escaped as \040 and \054 in mountinfo
    assert spaced["type"] == "tmpfs"
    assert {"rw", "nosuid", "size=1024k"} <= set(spaced["options"])
    assert mounts["/proc/sys"]["options"][0] == "ro"
    with pytest.raises(FactParseError):
        server.Mounts().process(["1 2 3:4 / /x rw"])


def test_kernel_modules() -> None:
    # the capture machine's kernel has no loadable modules (no /proc/modules)
    assert load("server_kernelmodules") == {}
    # the /proc/modules format (see proc(5)): name size instances deps state address
    modules = server.KernelModules().process([
        "nf_nat 49152 2 nft_chain_nat,xt_MASQUERADE, Live 0x0000000000000000",
        "floppy 98304 0 - Loading 0x0000000000000000 (E)",
    ])
    assert modules["nf_nat"] == {"size": 49152, "instances": 2, "state": "Live",
                                 "depends": ["nft_chain_nat", "xt_MASQUERADE"]}
    assert "depends" not in modules["floppy"]
    with pytest.raises(FactParseError):
        server.KernelModules().process(["floppy x y"])


def test_locales_and_timezone() -> None:
    assert load("server_locales") == ["C", "C.UTF-8", "POSIX", "fr_FR.UTF-8"]
    assert load("server_timezone_link") == "Europe/Paris"
    assert server.Timezone().process(record("server_timezone_file")["output"]) == (
        "America/New_York")
    assert server.Timezone().process(["link", "../usr/share/zoneinfo/UTC"]) == "UTC"
    assert server.Timezone().process(["link", "/etc/zones/x"]) is None
    assert server.Timezone().process([]) is None
    with pytest.raises(FactParseError):
        server.Timezone().process(["what"])


def test_time_facts() -> None:
    assert load("server_uptime") > 0
    assert server.Uptime().process(["1700000100", "1700000000"]) == 100
    with pytest.raises(FactParseError):
        server.Uptime().process(["up 3 days"])
    date = load("server_date")
    assert isinstance(date, datetime) and date.utcoffset() is not None
    with pytest.raises(FactParseError):
        server.Date().process(["tomorrow"])
    assert load("server_rebootrequired") is False
    assert server.RebootRequired().process(["yes"]) is True


def test_command_path_tmpdir() -> None:
    assert load("server_command") == "one\n\ntwo  x"
    assert load("server_path").startswith("/usr/local/sbin:")
    assert load("server_tmpdir") == ""
    assert server.TmpDir().process(["/var/tmp"]) == "/var/tmp"


def test_security_limits() -> None:
    limits = load("server_securitylimits")
    assert limits == [
        {"domain": "*", "limit_type": "soft", "item": "nofile", "value": "4096"},
        {"domain": "@admins", "limit_type": "hard", "item": "nproc", "value": "unlimited"},
    ]


def test_release_facts() -> None:
    assert load("server_selinux") == {"mode": None}
    assert server.Selinux().process(["SELinux status:                 enabled"]) == {
        "mode": "enabled"}
    assert load("server_lsbrelease") is None
    assert server.LsbRelease().process([
        "Distributor ID:\tDebian", "Description:\tDebian GNU/Linux 12 (bookworm)",
        "Release:\t12", "Codename:\tbookworm"]) == {
        "id": "Debian", "description": "Debian GNU/Linux 12 (bookworm)", "release": "12",
        "codename": "bookworm"}
    release = load("server_osrelease")
    assert release["id"] == "debian"
    assert release["pretty_name"] == "Debian GNU/Linux 12 (bookworm)"
    assert release["version_codename"] == "bookworm"


def test_processes() -> None:
    processes = load("server_processes")
    assert len(processes) > 20
    init = load("server_processes_pid1")
    assert list(init) == [1]
    assert init[1]["user"] == "root"
    assert init[1]["args"].startswith("/process_api ")
    assert init[1]["command"] == "process_api"
    assert isinstance(init[1]["cpu_percent"], float)
    with pytest.raises(FactParseError):
        server.Processes().process(["not a process"])


def test_ports() -> None:
    ports = load("server_ports")
    ssh = [p for p in ports if p["port"] == 22]
    assert ssh and all(p["protocol"] == "tcp" and p["process"] == "sshd" for p in ssh)
    assert all(isinstance(p["pid"], int) for p in ssh)
    assert any(p["ip"] == "::1" for p in ports)
    process, pid = load("server_port_22")
    assert process == "sshd" and isinstance(pid, int)
    assert load("server_port_unused") == (None, None)
    hidden = server.Ports().process(["udp UNCONN 0 0 0.0.0.0:68 0.0.0.0:*"])
    assert hidden == [{"port": 68, "ip": "0.0.0.0", "protocol": "udp", "process": None,
                       "pid": None}]
    with pytest.raises(FactParseError):
        server.Ports().process(["tcp LISTEN 0 128 nowhere 0.0.0.0:*"])


def test_crontab_alias() -> None:
    assert server.Crontab.name == "server.Crontab"
    assert server.Crontab().process(["@daily x"]).get("x") == {
        "command": "x", "special_time": "@daily", "comments": []}
