"""hardware.* facts against output captured on Debian 12 (data/capture_server_extra.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from corral.facts import hardware
from corral.model.errors import FactParseError
from corral.model.facts import FactBase, registered_facts

DATA = Path(__file__).parents[1] / "data"


def record(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"{name}.json").read_text())
    return data


def load(name: str) -> Any:
    data = record(name)
    fact = registered_facts()[data["fact"]]()
    assert fact.command(**data["kwargs"]) == data["command"]
    return fact.process(data["output"]) if data["exit"] == 0 else fact.default()


def test_memory_and_cpus() -> None:
    assert load("hardware_memory") == round(24684084 / 1024)
    assert hardware.Memory().process(["4096 bytes per page", "1000 pages managed"]) == 4
    assert hardware.Memory().process(["nothing"]) is None
    assert load("hardware_cpus") >= 1
    assert hardware.Cpus().process(["x"]) is None


def test_block_devices() -> None:
    devices = load("hardware_blockdevices")
    assert devices["/dev/vda"]["mount"] == "/"
    assert int(devices["/dev/vda"]["blocks"]) > int(devices["/dev/vda"]["used"])
    assert devices["/dev/vda"]["used_percent"] == "24"
    assert "Filesystem" not in devices


def test_network_devices() -> None:
    devices = load("hardware_networkdevices")
    lo = devices["lo"]
    assert lo["mtu"] == 65536
    assert lo["ipv4"]["address"] == "127.0.0.1"
    assert (lo["ipv4"]["mask_bits"], lo["ipv4"]["netmask"]) == (8, "255.0.0.0")
    assert lo["ipv6"]["address"] == "::1"
    # `ip addr show` (no JSON support) gives the same devices and addresses
    text = hardware.NetworkDevices().process(record("hardware_networkdevices_text")["output"])
    assert set(text) == set(devices)
    for name, device in devices.items():
        for family in ("ipv4", "ipv6"):
            if family in device:
                assert text[name][family]["address"] == device[family]["address"]
    assert load("hardware_ipv4addrs")["lo"] == ["127.0.0.1"]
    assert load("hardware_ipv6addrs")["lo"] == ["::1"]


def test_ifconfig_output() -> None:
    devices = hardware.NetworkDevices().process([
        "eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500",
        "        inet 192.0.2.10  netmask 255.255.255.0  broadcast 192.0.2.255",
        "        inet6 fe80::1  prefixlen 64  scopeid 0x20<link>",
        "        ether 52:54:00:12:34:56  txqueuelen 1000  (Ethernet)",
    ])
    eth0 = devices["eth0"]
    assert eth0["state"] == "UP" and eth0["ether"] == "52:54:00:12:34:56"
    assert eth0["ipv4"] == {"address": "192.0.2.10", "broadcast": "192.0.2.255",
                            "mask_bits": 24, "netmask": "255.255.255.0"}
    assert eth0["ipv6"] == {"address": "fe80::1", "mask_bits": 64}
    with pytest.raises(FactParseError):
        hardware.NetworkDevices().process(["    inet 10.0.0.1/8"])
    with pytest.raises(FactParseError):
        hardware.NetworkDevices().process(['[{"no": "name"}]'])


def test_first_address_of_each_device() -> None:
    """Ipv4Addresses/Ipv6Addresses: each device's first address of the family (pyinfra's
    older facts), from the same output as Ipv4Addrs/Ipv6Addrs."""
    v4, v6 = load("hardware_ipv4addresses"), load("hardware_ipv6addresses")
    assert v4["lo"] == "127.0.0.1" and v6["lo"] == "::1"
    for name, first, every in (("hardware_ipv4addresses", v4, hardware.Ipv4Addrs),
                               ("hardware_ipv6addresses", v6, hardware.Ipv6Addrs)):
        lists = every().process(record(name)["output"])
        assert first == {device: found[0] for device, found in lists.items()}
    two = hardware.Ipv4Addresses().process([
        "2: eth0: <BROADCAST,UP> mtu 1500 state UP",
        "    inet 192.0.2.1/24 brd 192.0.2.255 scope global eth0",
        "    inet 198.51.100.7/24 scope global eth0",
        "3: eth1: <BROADCAST> mtu 1500 state DOWN",
    ])
    assert two == {"eth0": "192.0.2.1"}  # the first one; eth1 has none: left out
    assert hardware.Ipv6Addresses().process(["[]"]) == {} == hardware.Ipv6Addresses.default()


def test_cpu_info_from_lscpu() -> None:
    """``LANG=C lscpu`` on this machine (Debian 12's util-linux 2.38; the fleet hosts run the
    same program on the same kernel)."""
    info = load("hardware_cpuinfo")
    assert info["Architecture"] == "x86_64"
    assert info["CPU(s)"] == str(load("hardware_cpus"))
    assert info["Byte Order"] == "Little Endian"
    flags = info["Flags"]
    assert isinstance(flags, list) and "fpu" in flags and all(" " not in f for f in flags)
    # a value holding a colon is kept whole (pyinfra cuts it at that colon)
    assert info["Vulnerability Spec rstack overflow"] == "Vulnerable: Safe RET, no microcode"
    assert info["L1d cache"] == "96 KiB (2 instances)"
    assert hardware.CpuInfo().process([]) is None
    # lscpu 2.38's indented sections and a section heading with no value
    nested = hardware.CpuInfo().process(["Vendor ID:   GenuineIntel",
                                         "  Model name:  Intel(R) Xeon(R)",
                                         "    Flags:     fpu  vme",
                                         "Caches (sum of all):", "  L1d:  48 KiB"])
    assert nested == {"Vendor ID": "GenuineIntel", "Model name": "Intel(R) Xeon(R)",
                      "Flags": ["fpu", "vme"], "Caches (sum of all)": "", "L1d": "48 KiB"}
    with pytest.raises(FactParseError):
        hardware.CpuInfo().process(["Architecture: x86_64", "no colon here"])


FACTS = [hardware.Cpus, hardware.Memory, hardware.BlockDevices, hardware.NetworkDevices,
         hardware.Ipv4Addrs, hardware.Ipv6Addrs, hardware.Ipv4Addresses,
         hardware.Ipv6Addresses, hardware.CpuInfo]


@pytest.mark.parametrize("cls", FACTS)
@given(lines=st.lists(st.one_of(st.text(), st.sampled_from(
    record("hardware_networkdevices_text")["output"] + ["[", "[{}]", '[{"ifname": 1}]'])),
    max_size=8))
def test_parsers_take_anything(cls: type[FactBase[Any]], lines: list[str]) -> None:
    try:
        cls().process(lines)
    except FactParseError:
        pass
