"""server.* facts about running processes and listening sockets (Linux: procps and ss).

The classes are published as ``server.X`` and imported by :mod:`corral.facts.server`.
"""

from __future__ import annotations

import re
from typing import TypedDict

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import ANY, Key

_ARGS_MARKER = "__corral_args__"


class ProcessDict(TypedDict):
    """One process in the Processes fact."""

    user: str
    state: str
    cpu_percent: float
    mem_percent: float
    command: str
    args: str


_PS_LINE = re.compile(
    r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\d+(?:[.,]\d+)?)\s+(\d+(?:[.,]\d+)?)\s(.*)$"
)


class Processes(FactBase[dict[int, ProcessDict]]):
    """Running processes by PID: user, state, cpu_percent, mem_percent, command, args."""

    @staticmethod
    def default() -> dict[int, ProcessDict]:
        return {}

    def command(self, pid: int | None = None) -> str:
        which = "-e" if pid is None else f"-p {int(pid)}"
        # command names may hold spaces: they come last on their line, and the arguments
        # come in a second listing joined by PID
        return (
            f"ps {which} -o pid=,user:32=,stat=,pcpu=,pmem=,comm= ; "
            f"echo {_ARGS_MARKER}; ps {which} -o pid=,args= ; true"
        )

    def process(self, output: list[str]) -> dict[int, ProcessDict]:
        processes: dict[int, ProcessDict] = {}
        args: dict[int, str] = {}
        in_args = False
        for line in output:
            if line == _ARGS_MARKER:
                in_args = True
                continue
            if not line.strip():
                continue
            if in_args:
                pid_text, _, rest = line.strip().partition(" ")
                if not pid_text.isdecimal():
                    raise FactParseError(f"cannot parse ps line: {line!r}")
                args[int(pid_text)] = rest.strip()
                continue
            match = _PS_LINE.match(line)
            if not match:
                raise FactParseError(f"cannot parse ps line: {line!r}")
            pid, user, state, cpu, mem, comm = match.groups()
            processes[int(pid)] = {
                "user": user,
                "state": state,
                "cpu_percent": float(cpu.replace(",", ".")),
                "mem_percent": float(mem.replace(",", ".")),
                "command": comm.strip(),
                "args": "",
            }
        for pid, info in processes.items():
            info["args"] = args.get(pid) or info["command"]
        return processes

    def reads(self, pid: int | None = None) -> frozenset[Key]:
        return frozenset({ANY})


class PortDict(TypedDict):
    """One listening socket in the Ports fact."""

    port: int
    ip: str
    protocol: str
    process: str | None
    pid: int | None


_SS_PROCESS = re.compile(r'users:\(\("((?:[^"\\]|\\.)*)",pid=(\d+)')


def _split_address(address: str) -> tuple[str, int] | None:
    """``0.0.0.0:22`` / ``[::]:22`` / ``*:22`` / ``127.0.0.1%lo:53`` -> (ip, port)."""
    ip, sep, port = address.rpartition(":")
    if not sep or not port.isdecimal() or len(port) > 5:
        return None
    if ip.startswith("[") and "]" in ip:
        ip = ip[1 : ip.index("]")]
    return ip.split("%", 1)[0], int(port)


_STATE_PROTOCOL = {"LISTEN": "tcp", "UNCONN": "udp"}


def parse_ss(output: list[str]) -> list[PortDict]:
    """Listening sockets from ``ss -Hln...p``: [netid] state recv-q send-q local peer
    [process] (ss leaves the netid column out when it lists one protocol only)."""
    ports: list[PortDict] = []
    for line in output:
        fields = line.split()
        if not fields or fields[0] in ("Netid", "State"):
            continue
        if fields[0] in _STATE_PROTOCOL:
            fields = [_STATE_PROTOCOL[fields[0]], *fields]
        if len(fields) < 6 or fields[0] not in ("tcp", "udp"):
            raise FactParseError(f"cannot parse ss line: {line!r}")
        address = _split_address(fields[4])
        if address is None:
            raise FactParseError(f"cannot parse the address in: {line!r}")
        process = _SS_PROCESS.search(line)
        ports.append({
            "port": address[1],
            "ip": address[0],
            "protocol": fields[0],
            "process": process.group(1) if process else None,
            "pid": int(process.group(2)) if process else None,
        })
    return ports


class Ports(FactBase[list[PortDict]]):
    """Listening TCP and UDP sockets: port, ip, protocol, process and pid (process and pid
    are None when the socket's owner is not visible)."""

    @staticmethod
    def default() -> list[PortDict]:
        return []

    requires_command = "ss"

    def command(self) -> str:
        return "ss -Hlntup"

    def process(self, output: list[str]) -> list[PortDict]:
        return parse_ss(output)

    def reads(self) -> frozenset[Key]:
        return frozenset({ANY})


class Port(FactBase[tuple[str, int] | tuple[None, None]]):
    """The process listening on a port and its PID, or (None, None)."""

    @staticmethod
    def default() -> tuple[None, None]:
        return (None, None)

    requires_command = "ss"

    def command(self, port: int, protocol: str = "tcp") -> str:
        flag = "u" if protocol == "udp" else "t"
        return f"ss -Hln{flag}p 'sport = :{int(port)}'"

    def process(self, output: list[str]) -> tuple[str, int] | tuple[None, None]:
        for entry in parse_ss(output):
            if entry["process"] is not None and entry["pid"] is not None:
                return (entry["process"], entry["pid"])
        return (None, None)

    def reads(self, port: int, protocol: str = "tcp") -> frozenset[Key]:
        return frozenset({ANY})
