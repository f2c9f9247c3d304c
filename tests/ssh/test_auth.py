"""Authentication and host keys over SSH: every refusal is one line naming the host, the
host is reported unreachable (exit 3), and the right credentials or policy get in."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from integration._helpers import describe, single

from corral import api
from corral.api import HostResult, HostStatus, RunResult
from corral.model.host import Host, HostData
from corral.model.inventory import Inventory
from corral.operations import server
from corral.testing import image as test_image
from corral.testing.fleet import Fleet

from .conftest import AS_NONE, KEYS_HOST, ROOT_HOST, Cli, host_inventory

pytestmark = pytest.mark.integration


def whoami() -> None:
    server.shell(name="whoami", commands="id -un")


def attempt(fleet: Fleet, tmp_path: Path, **data: Any) -> tuple[RunResult, Cli]:
    """The same host data through the API (a deploy) and the command line (exec), at once."""
    inventory = host_inventory(fleet, KEYS_HOST, tmp_path, **data)
    cli = Cli(inventory, "exec", "-y", "--", "true", cwd=tmp_path)
    result = api.run(str(inventory), whoami)
    cli.wait()
    return result, cli


def refused(fleet: Fleet, tmp_path: Path, words: str, local: bool = False,
            **data: Any) -> HostResult:
    """Check that the host is refused: unreachable, with one line saying ``words``, and
    (unless the problem is ``local``) the address it was reaching."""
    result, cli = attempt(fleet, tmp_path, **data)
    host = single(result)
    assert host.status is HostStatus.UNREACHABLE, describe(host)
    assert host.error is not None and words in host.error, describe(host)
    assert "\n" not in host.error
    if not local:
        assert fleet.host(KEYS_HOST).address in host.error
    assert host.operations == () or all(not op.changed for op in host.operations)
    assert result.exit_code == 3

    assert cli.code == 3, cli
    lines = [line for line in (cli.out + cli.err).splitlines() if words in line]
    assert len(lines) == 1, cli  # the error once, on one line...
    assert lines[0].startswith(f"{KEYS_HOST}: "), cli  # ...naming the host
    return host


def reached(fleet: Fleet, tmp_path: Path, user: str = "root", **data: Any) -> None:
    result, cli = attempt(fleet, tmp_path, **data)
    host = single(result)
    assert host.status is HostStatus.CHANGED, describe(host)
    assert host.operations[0].stdout == f"{user}\n"
    assert cli.code == 0, cli


def test_wrong_key_is_refused(fleet: Fleet, tmp_path: Path) -> None:
    other = tmp_path / "other_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(other))
    host = refused(fleet, tmp_path, "authentication failed", ssh_key=str(other))
    assert str(other) in (host.error or "")  # says which key it tried


def test_key_files(fleet: Fleet, tmp_path: Path) -> None:
    missing = tmp_path / "no_such_key"
    began = time.monotonic()
    refused(fleet, tmp_path, f"cannot load the SSH key {missing}: No such file", local=True,
            ssh_key=str(missing), ssh_connect_retries=5)
    assert time.monotonic() - began < 5  # not retried: trying again cannot mend it

    locked = tmp_path / "locked_key"
    key = asyncssh.read_private_key(str(fleet.key_path))
    key.write_private_key(str(locked), "pkcs8-pem", passphrase="key passphrase")
    refused(fleet, tmp_path, f"cannot load the SSH key {locked}", local=True,
            ssh_key=str(locked))
    refused(fleet, tmp_path, f"cannot load the SSH key {locked}", local=True,
            ssh_key=str(locked), ssh_key_password="wrong passphrase")
    reached(fleet, tmp_path, ssh_key=str(locked), ssh_key_password="key passphrase")


@pytest.fixture
def agent(fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A real ssh-agent holding the fleet's key (SSH_AUTH_SOCK set); HOME with no keys."""
    import subprocess

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    sock = tmp_path / "agent.sock"
    proc = subprocess.Popen(["ssh-agent", "-D", "-a", str(sock)], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        monkeypatch.setenv("SSH_AUTH_SOCK", str(sock))
        subprocess.run(["ssh-add", "-q", str(fleet.key_path)], check=True,
                       stderr=subprocess.DEVNULL)
        yield home
    finally:
        proc.kill()
        proc.wait()


def test_agent_and_default_keys_as_pyinfra(fleet: Fleet, tmp_path: Path, agent: Path) -> None:
    """pyinfra's ssh_allow_agent and ssh_look_for_keys, both True by default, apply only
    without ssh_key: a key given is the only key tried (the agent's are not)."""
    reached(fleet, tmp_path, ssh_key=None)  # the agent's key
    reached(fleet, tmp_path, ssh_key=None, ssh_look_for_keys=False)  # agent only
    refused(fleet, tmp_path, "authentication failed", ssh_key=None, ssh_allow_agent=False,
            ssh_look_for_keys=False)
    refused(fleet, tmp_path, "authentication failed", ssh_key=None, ssh_allow_agent=False)
    other = tmp_path / "other_key"
    asyncssh.generate_private_key("ssh-ed25519").write_private_key(str(other))
    refused(fleet, tmp_path, "authentication failed", ssh_key=str(other))  # agent unused
    # the default key files (~/.ssh/id_*): looked for unless ssh_look_for_keys is False
    (agent / ".ssh").mkdir()
    shutil.copy(fleet.key_path, agent / ".ssh" / "id_ed25519")
    reached(fleet, tmp_path, ssh_key=None, ssh_allow_agent=False)
    refused(fleet, tmp_path, "authentication failed", ssh_key=None, ssh_allow_agent=False,
            ssh_look_for_keys=False)


def test_nobody_there(fleet: Fleet, tmp_path: Path) -> None:
    refused(fleet, tmp_path, ":2200: Connection refused", ssh_port=2200)
    # names the resolver refuses without asking DNS (this test must not need a network):
    # an inventory with them is bad input, found before connecting...
    for name, words in (("bad..name", "an empty label"), ("no%such%host", "label")):
        path = host_inventory(fleet, KEYS_HOST, tmp_path, ssh_hostname=name)
        with pytest.raises(api.BadInput, match="malformed ssh_hostname") as info:
            api.run(str(path), whoami)
        assert words in str(info.value) and info.value.host == KEYS_HOST
        cli = Cli(path, "exec", "-y", "--", "true", cwd=tmp_path).wait()
        assert cli.code == 4 and "malformed ssh_hostname" in cli.err, cli
        # ...and a host made without the loader (the embedding API) is unreachable
        data = {**dict(fleet.inventory())[fleet.host(KEYS_HOST).name], "ssh_hostname": name}
        made = Host(KEYS_HOST, HostData(data), (), "ssh", name)
        host = single(api.run(Inventory([made], {}), whoami))
        assert host.status is HostStatus.UNREACHABLE, describe(host)
        assert host.error is not None
        assert ("is not a valid host name" if ".." in name else
                f"cannot resolve {name}: Name or service") in host.error


def test_password(fleet: Fleet, tmp_path: Path) -> None:
    user = test_image.TEST_USER
    refused(fleet, tmp_path, "authentication failed", ssh_user=user, ssh_key=None,
            ssh_allow_agent=False, ssh_password="not-" + test_image.TEST_PASSWORD)
    reached(fleet, tmp_path, user, ssh_user=user, ssh_key=None, ssh_allow_agent=False,
            ssh_password=test_image.TEST_PASSWORD)


@pytest.mark.parametrize("policy", ["yes", AS_NONE, "ask"], ids=["yes", "None", "ask"])
def test_unknown_host_key_is_refused_under_yes_and_ask(fleet: Fleet, tmp_path: Path,
                                                       policy: Any) -> None:
    known = tmp_path / "known_hosts"
    others = [h for h in fleet.hosts if h.name != KEYS_HOST]
    known.write_text("".join(f"{h.address} {h.host_key}\n" for h in others))
    before = known.read_text()
    host = refused(fleet, tmp_path, "unknown", ssh_known_hosts_file=str(known),
                   ssh_strict_host_key_checking=policy)
    assert "accept-new" in (host.error or "")  # says how to trust it
    if policy != "yes":  # pyinfra would ask (None is pyinfra's "ask"); corral does not
        assert "does not ask" in (host.error or "")
    refused(fleet, tmp_path, "unknown", ssh_known_hosts_file=str(tmp_path / "missing"),
            ssh_strict_host_key_checking=policy)
    assert known.read_text() == before
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("policy", ["no", "off", "NO", False])
def test_off_and_no_accept_an_unknown_key_without_recording_it(fleet: Fleet, tmp_path: Path,
                                                               policy: str | bool) -> None:
    known = tmp_path / "known_hosts"
    known.write_text("")
    reached(fleet, tmp_path, ssh_known_hosts_file=str(known),
            ssh_strict_host_key_checking=policy)
    reached(fleet, tmp_path, ssh_known_hosts_file=str(tmp_path / "missing"),
            ssh_strict_host_key_checking=policy)
    assert known.read_text() == "" and not (tmp_path / "missing").exists()


@pytest.mark.parametrize("given", [True, False], ids=["accept-new", "default"])
@pytest.mark.parametrize("exists", [True, False], ids=["known-hosts-file", "no-file"])
def test_accept_new_records_the_key(fleet: Fleet, tmp_path: Path, exists: bool,
                                    given: bool) -> None:
    """accept-new, also pyinfra's default policy (no ssh_strict_host_key_checking)."""
    target = fleet.host(KEYS_HOST)
    known = tmp_path / "ssh" / "known_hosts"
    others = "".join(f"{h.address} {h.host_key}\n" for h in fleet.hosts if h is not target)
    if exists:
        known.parent.mkdir()
        known.write_text(others.rstrip("\n"))  # no newline after the last line
    reached(fleet, tmp_path, ssh_known_hosts_file=str(known),
            ssh_strict_host_key_checking="accept-new" if given else None)
    # recorded once (the API and the command line both connected), then trusted
    recorded = known.read_text()
    assert recorded.startswith(others if exists else "")
    new_lines = recorded[len(others) if exists else 0:].splitlines()
    assert len(set(new_lines)) == 1 and new_lines[0] == f"{target.address} {target.host_key}"
    reached(fleet, tmp_path, ssh_known_hosts_file=str(known))


@pytest.fixture
def rekeyed(fleet: Fleet, tmp_path: Path) -> Iterator[Path]:
    """The keys host with a new host key; yields a known_hosts file with its old key."""
    old = tmp_path / "known_hosts.old"
    shutil.copy(fleet.known_hosts_path, old)
    try:
        fleet.rekey(KEYS_HOST)
        yield old
    finally:
        fleet.write_known_hosts()  # the fleet's file has the new key, for the other tests


def test_changed_host_key_is_refused(fleet: Fleet, tmp_path: Path, rekeyed: Path) -> None:
    before = rekeyed.read_text()
    # under every policy, "no" and "off" too (as paramiko, so pyinfra, refuses it)
    for policy in (None, "yes", "accept-new", "no", "off", "ask", AS_NONE):
        host = refused(fleet, tmp_path, "CHANGED", ssh_known_hosts_file=str(rekeyed),
                       ssh_strict_host_key_checking=policy)
        assert "changed" in (host.error or "").lower()
    assert rekeyed.read_text() == before  # accept-new did not replace the old key

    # with the new key known, the host is reached again
    fleet.write_known_hosts()
    reached(fleet, tmp_path)


@pytest.mark.parametrize(("config", "cipher"), [
    (None, "aes128-gcm@openssh.com"),
    ("Host *\n  Ciphers chacha20-poly1305@openssh.com\n", "chacha20-poly1305@openssh.com"),
])
def test_cipher_prefers_aes_gcm_unless_the_ssh_config_says(fleet: Fleet, tmp_path: Path,
                                                           config: str | None,
                                                           cipher: str) -> None:
    import asyncio

    from corral.connectors.ssh import SSHConnector
    from corral.model.host import Host, HostData

    name = fleet.host(ROOT_HOST).name
    data = dict(dict(fleet.inventory())[name])
    if config:
        (tmp_path / "ssh_config").write_text(config)
        data["ssh_config_file"] = str(tmp_path / "ssh_config")
    connector = SSHConnector(Host(name, HostData(data), (), "ssh", data["ssh_hostname"]))

    async def negotiated() -> str:
        await connector.connect()
        try:
            return str(connector._conn.get_extra_info("send_cipher"))  # type: ignore[union-attr]
        finally:
            await connector.close()

    assert asyncio.run(negotiated()) == cipher


def test_known_hosts_is_parsed_once_for_all_hosts_until_it_changes(tmp_path: Path) -> None:
    import os

    from corral.connectors.ssh import _known_hosts

    known = tmp_path / "known_hosts"
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHhPkLc1jbMkcuxBj0HiL3NHSGw0p8nVkmmPbkQkIiJt"
    known.write_text(f"127.0.0.1 {key}\n")
    old = known.stat().st_mtime - 10
    os.utime(known, (old, old))
    first = _known_hosts(known)
    assert first.match("127.0.0.1", "127.0.0.1", 22)[0]
    assert _known_hosts(known) is first  # one parse serves every host
    known.write_text(f"127.0.0.1 {key}\n127.0.0.2 {key}\n")
    again = _known_hosts(known)
    assert again is not first and again.match("127.0.0.2", "127.0.0.2", 22)[0]
    # a file changed a moment ago is read each time (its time stamp cannot tell changes apart)
    assert _known_hosts(known) is not again
    assert _known_hosts(tmp_path / "missing") == b""
