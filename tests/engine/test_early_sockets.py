"""Early TCP connections (connectors.early): which hosts get one, and that a socket handed
over is connected, or closed when nobody takes it."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.connectors import early
from corral.connectors.early import EarlySockets
from corral.model.host import Host, HostData


@pytest.fixture
def server() -> Iterator[socket.socket]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    yield listener
    listener.close()


@pytest.fixture(autouse=True)
def no_ssh_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.ssh/config


def host(target: str, connector: str = "ssh", **data: Any) -> Host:
    return Host(f"h-{target}", HostData(data), (), connector, target)


def test_a_plain_ssh_host_by_address_is_connected_early(server: socket.socket) -> None:
    port = server.getsockname()[1]
    sockets = EarlySockets()
    h = host("127.0.0.1", ssh_port=port)
    sockets.open([h])
    assert len(sockets) == 1
    accepted, _ = server.accept()  # the server sees the connection before any SSH
    sock = sockets.take(h)
    assert sock is not None and sockets.take(h) is None
    sock.setblocking(True)
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    sock.sendall(b"x")
    assert accepted.recv(1) == b"x"
    sock.close()
    accepted.close()


@pytest.mark.parametrize("h", [
    host("web1.example.com"),                              # a name: resolving could block
    host("127.0.0.1", ssh_proxy_jump="bastion"),           # reached through another host
    host("127.0.0.1", ssh_config_file="/etc/x/ssh_config"),
    host("/srv/root", connector="chroot"),
])
def test_other_hosts_connect_as_before(h: Host) -> None:
    sockets = EarlySockets()
    sockets.open([h])
    assert len(sockets) == 0 and sockets.take(h) is None


def test_an_ssh_config_file_turns_early_connections_off(tmp_path: Path) -> None:
    (tmp_path / ".ssh").mkdir()
    (tmp_path / ".ssh" / "config").write_text("Host *\n  Port 2222\n")
    assert early._address(host("127.0.0.1")) is None


def test_sockets_nobody_took_are_closed(server: socket.socket) -> None:
    sockets = EarlySockets()
    h = host("127.0.0.1", ssh_port=server.getsockname()[1])
    sockets.open([h])
    accepted, _ = server.accept()
    sockets.close()
    assert len(sockets) == 0
    accepted.settimeout(5)
    assert accepted.recv(1) == b""  # the peer sees the close
    accepted.close()


def test_a_refused_early_connection_reports_the_usual_error(tmp_path: Path) -> None:
    """Nothing listens: the early socket fails, the connector connects as usual and the
    host is unreachable with the usual message."""
    from corral import api
    from corral.model.results import HostStatus
    from corral.operations import server as ops

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # a port nobody listens on
    inv = tmp_path / "inventory.py"
    data = {"ssh_port": port, "ssh_strict_host_key_checking": "no"}
    inv.write_text(f"hosts = [('127.0.0.1', {data!r})]\n")
    result = api.run(str(inv), lambda: ops.shell(commands=["true"]))
    (h,) = result.hosts
    assert h.status is HostStatus.UNREACHABLE
    assert h.error is not None and "refused" in h.error.lower()
