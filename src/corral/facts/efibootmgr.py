"""Facts about the UEFI boot manager's variables."""

from __future__ import annotations

from typing import TypedDict

from corral.model.errors import FactParseError
from corral.model.facts import FactBase

#: a boot entry: whether it is active, and its label (and device path, when shown)
BootEntry = tuple[bool, str]


class EFIBootMgrInfoDict(TypedDict):
    BootNext: int | None
    BootCurrent: int | None
    Timeout: int | None
    BootOrder: list[int] | None
    Entries: dict[int, BootEntry]


class EFIBootMgr(FactBase["EFIBootMgrInfoDict | None"]):
    """The UEFI boot variables (``efibootmgr``): ``BootNext``, ``BootCurrent``,
    ``Timeout`` (seconds), ``BootOrder`` and ``Entries`` ({number: (active, label)}, the
    numbers read as hexadecimal); None on a host without EFI variables (exit 2)."""

    requires_command = "efibootmgr"
    absent_exit_codes = (2,)

    def command(self) -> str:
        return "efibootmgr"

    def process(self, output: list[str]) -> EFIBootMgrInfoDict | None:
        if not output:
            return None
        info: EFIBootMgrInfoDict = {"BootNext": None, "BootCurrent": None, "Timeout": None,
                                    "BootOrder": [], "Entries": {}}
        try:
            for line in output:
                key, _sep, value = line.partition(": ")
                if key == "BootNext":
                    info["BootNext"] = int(value, 16)
                elif key == "BootCurrent":
                    info["BootCurrent"] = int(value, 16)
                elif key == "Timeout":
                    info["Timeout"] = int(value.split()[0])
                elif key == "BootOrder":
                    info["BootOrder"] = [int(n, 16) for n in value.split(",") if n.strip()]
                elif line.startswith("Boot") and len(line) >= 9 and line[8] in "* ":
                    # "Boot0003* label" (active) or "Boot0003  label"
                    info["Entries"][int(line[4:8], 16)] = (line[8] == "*", line[10:])
                else:
                    raise ValueError(f"unexpected line {line!r}")
        except ValueError as exc:
            raise FactParseError(f"efibootmgr: {exc}") from None
        return info
