"""TCP connections opened the moment a run starts, before the SSH library is loaded.

An SSH server does much of a connection's work as soon as it accepts it, before the client
says a word: OpenSSH's sshd forks, executes itself again, reads its configuration and host
keys and forks its unprivileged child. The controller meanwhile spends a few tenths of a
second starting (loading asyncssh and cryptography, the deploy's modules). Opening the
hosts' TCP connections first lets the hosts do their part while the controller does its
own; the SSH connector then runs the protocol over the socket it is handed.

Only plain cases are opened early: a host reached over SSH by an IP address (no name to
resolve, which could block), with no proxy jump and no SSH configuration file that could
name another address, port or proxy. Anything else connects as before, as does a host
whose early socket failed: its error is then the usual one.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import socket

from corral.model.host import Host


def _address(host: Host) -> tuple[str, int] | None:
    data = host.data
    if host.connector != "ssh" or data.get("ssh_proxy_jump") or data.get("ssh_config_file"):
        return None
    if os.path.exists(os.path.expanduser("~/.ssh/config")):
        return None  # it may name another HostName, Port or ProxyJump for this host
    try:
        ip = ipaddress.ip_address(host.target)
        port = int(data.get("ssh_port") or 22)
    except (TypeError, ValueError):
        return None
    return str(ip), port


class EarlySockets:
    """The early connections of one run, by host name."""

    def __init__(self) -> None:
        self._socks: dict[str, socket.socket] = {}

    def open(self, hosts: list[Host]) -> None:
        """Start connecting to each host that qualifies (the connect does not wait)."""
        for host in hosts:
            address = _address(host)
            if address is None or host.name in self._socks:
                continue
            family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setblocking(False)
            if sock.connect_ex(address) not in (0, errno.EINPROGRESS):
                sock.close()
                continue
            self._socks[host.name] = sock

    def take(self, host: Host) -> socket.socket | None:
        """The host's early socket (still connecting, maybe), now the caller's to close."""
        return self._socks.pop(host.name, None)

    def close(self) -> None:
        """Close the sockets no connector took."""
        for sock in self._socks.values():
            with contextlib.suppress(OSError):
                sock.close()
        self._socks.clear()

    def __len__(self) -> int:
        return len(self._socks)
