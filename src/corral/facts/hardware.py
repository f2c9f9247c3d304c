"""Facts about the machine: memory, CPUs (count and lscpu's description), network devices
and their addresses, disks."""

from __future__ import annotations

import json
import re
from typing import Any, Literal, NotRequired, TypedDict

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

_NOTHING: frozenset[Key] = frozenset()
_NETWORK: frozenset[Key] = frozenset({("network",)})


class Cpus(FactBase[int | None]):
    """The number of CPUs online."""

    def command(self) -> str:
        return "getconf NPROCESSORS_ONLN 2>/dev/null || getconf _NPROCESSORS_ONLN"

    def process(self, output: list[str]) -> int | None:
        text = output[0].strip() if output else ""
        return int(text) if text.isdecimal() else None

    def reads(self) -> frozenset[Key]:
        return _NOTHING


_VMSTAT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s+(\S.*?)\s*$")


class Memory(FactBase[int | None]):
    """The memory installed, in MiB (from ``vmstat -s``)."""

    requires_command = "vmstat"

    def command(self) -> str:
        return "vmstat -s"

    def process(self, output: list[str]) -> int | None:
        data: dict[str, float] = {}
        for line in output:
            match = _VMSTAT.match(line)
            if match:
                data[match.group(2)] = float(match.group(1))
        kib = data.get("K total memory") or data.get("total memory")
        if not kib:
            page = data.get("bytes per page")
            pages = data.get("pages managed") or sum(
                data.get(f"pages {kind}", 0.0)
                for kind in ("active", "inactive", "wired down", "free",
                             "in the laundry queue")
            )
            if page and pages:
                kib = pages * page / 1024
        return round(kib / 1024) if kib else None

    def reads(self) -> frozenset[Key]:
        return _NOTHING


class BlockDeviceDict(TypedDict):
    """One mounted device in the BlockDevices fact (sizes in 1K blocks, as strings)."""

    blocks: str
    used: str
    available: str
    used_percent: str
    mount: str


_DF = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d{1,3})%\s+(/.*)$")


class BlockDevices(FactBase[dict[str, BlockDeviceDict]]):
    """Mounted devices by name: blocks, used, available, used_percent, mount (``df``)."""

    @staticmethod
    def default() -> dict[str, BlockDeviceDict]:
        return {}

    def command(self) -> str:
        return "df -P -k"

    def process(self, output: list[str]) -> dict[str, BlockDeviceDict]:
        devices: dict[str, BlockDeviceDict] = {}
        for line in output:
            match = _DF.match(line)
            if not match or match.group(1) == "none":
                continue  # the header, and file systems without a device
            device, blocks, used, available, percent, mount = match.groups()
            devices[device] = {"blocks": blocks, "used": used, "available": available,
                               "used_percent": percent, "mount": mount}
        return devices

    def reads(self) -> frozenset[Key]:
        return frozenset({("mounts",)})


class AddressDict(TypedDict):
    """An address of a network device; further addresses of the same family are in
    ``additional_ips``."""

    address: str
    broadcast: NotRequired[str | None]
    mask_bits: NotRequired[int]
    netmask: NotRequired[str]
    additional_ips: NotRequired[list[AddressDict]]


class DeviceDict(TypedDict):
    """One device in the NetworkDevices fact."""

    state: str
    ether: NotRequired[str]
    mtu: NotRequired[int]
    ipv4: NotRequired[AddressDict]
    ipv6: NotRequired[AddressDict]


Family = Literal["ipv4", "ipv6"]


def _netmask(bits: int) -> str:
    value = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if 0 <= bits <= 32 else 0
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _mask_bits(mask: str) -> int | None:
    try:
        if mask.lower().startswith("0x"):
            return bin(int(mask, 16)).count("1")
        if mask.isdecimal():
            return int(mask)
        return sum(bin(int(part)).count("1") for part in mask.split("."))
    except ValueError:
        return None


def _add(device: DeviceDict, family: Family, entry: AddressDict) -> None:
    if family not in device:
        device[family] = entry
    else:
        device[family].setdefault("additional_ips", []).append(entry)


def _address(family: Family, address: str, bits: int | None,
             broadcast: str | None = None) -> AddressDict:
    entry: AddressDict = {"address": address}
    if family == "ipv4":
        entry["broadcast"] = broadcast
    if bits is not None:
        entry["mask_bits"] = bits
        if family == "ipv4":
            entry["netmask"] = _netmask(bits)
    return entry


def _from_json(text: str) -> dict[str, DeviceDict]:
    try:
        decoded: Any = json.loads(text)
    except (ValueError, RecursionError):
        raise FactParseError("cannot decode `ip -j addr` output") from None
    if not isinstance(decoded, list):
        raise FactParseError("`ip -j addr` output is not a list")
    devices: dict[str, DeviceDict] = {}
    for info in decoded:
        if not isinstance(info, dict) or not isinstance(info.get("ifname"), str):
            raise FactParseError(f"unexpected device entry: {info!r}"[:200])
        device: DeviceDict = {"state": str(info.get("operstate") or "UNKNOWN")}
        if isinstance(info.get("address"), str):
            device["ether"] = info["address"]
        if isinstance(info.get("mtu"), int):
            device["mtu"] = info["mtu"]
        for addr in info.get("addr_info") or []:
            kind = addr.get("family") if isinstance(addr, dict) else None
            family: Family | None = ("ipv4" if kind == "inet" else
                                     "ipv6" if kind == "inet6" else None)
            if family is None or not isinstance(addr.get("local"), str):
                continue
            bits = addr.get("prefixlen")
            _add(device, family, _address(family, addr["local"],
                                          bits if isinstance(bits, int) else None,
                                          addr.get("broadcast")))
        devices[info["ifname"]] = device
    return devices


_IP_HEAD = re.compile(r"^\d+: ([^\s/:@]+)(?:@\S+)?: <([^>]*)>(.*)$")
_IFCONFIG_HEAD = re.compile(r"^([^\s/:]+): flags=\d+<([^>]*)>(.*)$")
_INET = re.compile(r"^inet (\d+\.\d+\.\d+\.\d+)(?:/(\d+))?")
_BROADCAST = re.compile(r"\b(?:brd|broadcast) (\d+\.\d+\.\d+\.\d+)")
_NETMASK = re.compile(r"\bnetmask (\S+)")
_INET6 = re.compile(r"^inet6 ([0-9a-fA-F:.]+)(?:%\S+)?(?:/(\d+))?(?:.*?prefixlen (\d+))?")
_ETHER = re.compile(r"^(?:link/)?ether ([0-9a-fA-F:]{17})")


def _from_text(output: list[str]) -> dict[str, DeviceDict]:
    devices: dict[str, DeviceDict] = {}
    device: DeviceDict | None = None
    for raw in output:
        line = raw.strip()
        if not line:
            continue
        head = _IP_HEAD.match(line) or _IFCONFIG_HEAD.match(raw)
        if head:
            name, flags, rest = head.groups()
            state = re.search(r"\bstate (\S+)", rest)
            mtu = re.search(r"\bmtu (\d+)", rest)
            up = "UP" in flags.split(",")
            device = {"state": state.group(1) if state else ("UP" if up else "DOWN")}
            if mtu:
                device["mtu"] = int(mtu.group(1))
            devices[name] = device
            continue
        if device is None:
            raise FactParseError(f"address line before any device: {line!r}")
        if match := _ETHER.match(line):
            device["ether"] = match.group(1)
        elif match := _INET.match(line):
            address, bits = match.groups()
            mask = _NETMASK.search(line)
            broadcast = _BROADCAST.search(line)
            n = int(bits) if bits else _mask_bits(mask.group(1)) if mask else None
            _add(device, "ipv4", _address("ipv4", address, n,
                                          broadcast.group(1) if broadcast else None))
        elif match := _INET6.match(line):
            address, bits, prefixlen = match.groups()
            n6 = bits or prefixlen
            _add(device, "ipv6", _address("ipv6", address, int(n6) if n6 else None))
    return devices


def parse_devices(output: list[str]) -> dict[str, DeviceDict]:
    """Devices from ``ip -j addr``, ``ip addr`` or ``ifconfig -a`` output."""
    text = "\n".join(output).strip()
    if text.startswith("["):
        return _from_json(text)
    return _from_text(output)


_DEVICES_COMMAND = "ip -j addr show 2>/dev/null || ip addr show 2>/dev/null || ifconfig -a"


class NetworkDevices(FactBase[dict[str, DeviceDict]]):
    """Network devices by name: state, ether, mtu, and ipv4/ipv6 (address, mask_bits,
    netmask, broadcast, additional_ips)."""

    @staticmethod
    def default() -> dict[str, DeviceDict]:
        return {}

    def command(self) -> str:
        return _DEVICES_COMMAND

    def process(self, output: list[str]) -> dict[str, DeviceDict]:
        return parse_devices(output)

    def reads(self) -> frozenset[Key]:
        return _NETWORK


class CpuInfo(FactBase[dict[str, str | list[str]] | None]):
    """What ``lscpu`` says of the CPUs, by its field names ("Architecture", "CPU(s)",
    "Model name"...), each value a string; a field whose name has "flag" in it is a list
    of its words. None where lscpu prints nothing."""

    requires_command = "lscpu"

    def command(self) -> str:
        # LANG=C: the field names are lscpu's English ones, whatever the host's locale
        return "LANG=C lscpu"

    def process(self, output: list[str]) -> dict[str, str | list[str]] | None:
        info: dict[str, str | list[str]] = {}
        for line in output:
            # the value is what follows the first colon: lscpu's values hold no colon
            # (pyinfra cuts at a second one; corral keeps the whole value)
            name, colon, value = line.partition(":")
            if not colon:
                if line.strip():
                    raise FactParseError(f"an lscpu line without a colon: {line!r}"[:200])
                continue
            key = name.strip()
            info[key] = value.split() if "flag" in key.lower() else value.strip()
        return info or None

    def reads(self) -> frozenset[Key]:
        return _NOTHING


def _addresses(output: list[str], family: Family) -> dict[str, list[str]]:
    """Each device's addresses of ``family`` (the first one first); devices without one
    are left out."""
    found: dict[str, list[str]] = {}
    for name, device in parse_devices(output).items():
        entry = device.get(family)
        if entry:
            found[name] = [entry["address"]] + [
                extra["address"] for extra in entry.get("additional_ips", [])
            ]
    return found


class Ipv4Addrs(FactBase[dict[str, list[str]]]):
    """IPv4 addresses by network device, e.g. {"eth0": ["192.0.2.1"]}; devices without
    one are left out."""

    family: Family = "ipv4"

    @staticmethod
    def default() -> dict[str, list[str]]:
        return {}

    def command(self) -> str:
        return _DEVICES_COMMAND

    def process(self, output: list[str]) -> dict[str, list[str]]:
        return _addresses(output, self.family)

    def reads(self) -> frozenset[Key]:
        return _NETWORK


class Ipv6Addrs(Ipv4Addrs):
    """IPv6 addresses by network device, e.g. {"eth0": ["fe80::1"]}; devices without one
    are left out."""

    family: Family = "ipv6"


class Ipv4Addresses(FactBase[dict[str, str]]):
    """The first IPv4 address of each network device, e.g. {"eth0": "192.0.2.1"}; devices
    without one are left out (pyinfra's older form of ``Ipv4Addrs``, kept by name)."""

    family: Family = "ipv4"

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self) -> str:
        return _DEVICES_COMMAND

    def process(self, output: list[str]) -> dict[str, str]:
        return {name: found[0] for name, found in _addresses(output, self.family).items()}

    def reads(self) -> frozenset[Key]:
        return _NETWORK


class Ipv6Addresses(Ipv4Addresses):
    """The first IPv6 address of each network device, e.g. {"eth0": "fe80::1"}; devices
    without one are left out (pyinfra's older form of ``Ipv6Addrs``, kept by name)."""

    family: Family = "ipv6"
