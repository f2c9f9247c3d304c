"""LXD, OpenVZ and efibootmgr facts.

None of lxc, vzlist or efibootmgr runs here nor on the fleet (no LXD, no OpenVZ kernel,
no EFI variables): the parsers are tested on output written after the documented formats:
``lxc list --format json`` (a JSON list of instances with ``name``, ``status``...; LXD's
REST API documentation), ``vzlist -a -j`` (a JSON list of objects with ``ctid``;
vzlist(8)) and efibootmgr(8)'s listing (``BootCurrent: 0001``, ``Timeout: 1 seconds``,
``BootOrder: 0001,0000``, ``Boot0000* label``, hexadecimal numbers)."""

from __future__ import annotations

import pytest

from corral.facts import efibootmgr, lxd, vzctl
from corral.model.errors import FactParseError

LXC = ['[{"name":"web","status":"Running","type":"container","config":{}},'
       '{"name":"db","status":"Stopped","type":"container","config":{}}]']


def test_lxd() -> None:
    found = lxd.LxdContainers().process(LXC)
    assert [(c["name"], c["status"]) for c in found] == [("web", "Running"), ("db", "Stopped")]
    assert lxd.LxdContainers().process(["[]"]) == []
    with pytest.raises(FactParseError):
        lxd.LxdContainers().process(["Error: not found"])


VZLIST = """\
[
  {"ctid": 101, "private": "/vz/private/101", "hostname": "a.example", "ip": ["10.0.0.2"],
   "status": "running", "ostemplate": "centos-7-x86_64"},
  {"ctid": 102, "hostname": null, "ip": [], "status": "stopped"}
]""".splitlines()


def test_vzctl() -> None:
    found = vzctl.OpenvzContainers().process(VZLIST)
    assert set(found) == {101, 102}
    assert found[101]["ip"] == ["10.0.0.2"] and "ctid" not in found[101]
    with pytest.raises(FactParseError):
        vzctl.OpenvzContainers().process(['[{"hostname": "no ctid"}]'])


EFI = """\
BootNext: 0004
BootCurrent: 0001
Timeout: 1 seconds
BootOrder: 0001,0000,001A
Boot0000* Windows Boot Manager
Boot0001* debian\tHD(1,GPT,0a1b,0x800,0x100000)/File(\\EFI\\debian\\shimx64.efi)
Boot001A  UEFI: Built-in EFI Shell
""".splitlines()


def test_efibootmgr() -> None:
    info = efibootmgr.EFIBootMgr().process(EFI)
    assert info is not None
    assert (info["BootNext"], info["BootCurrent"], info["Timeout"]) == (4, 1, 1)
    assert info["BootOrder"] == [1, 0, 26]
    assert info["Entries"][0] == (True, "Windows Boot Manager")
    assert info["Entries"][1][1].startswith("debian\tHD(")
    assert info["Entries"][26] == (False, "UEFI: Built-in EFI Shell")
    assert efibootmgr.EFIBootMgr().process([]) is None
    with pytest.raises(FactParseError):
        efibootmgr.EFIBootMgr().process(["BootCurrent: 0001", "something else"])
