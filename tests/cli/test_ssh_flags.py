"""pyinfra's flags that act on how hosts are reached and who commands run as, on the test
fleet's SSH hosts: --user, --port, --key, --key-password, --password, --sudo, --sudo-user,
--su-user, --same-sudo-password, --serial. The inventory gives only the address (and a
port where nothing listens): whatever gets in, the flags brought.

Hosts: fleet-001 (root's and ``corral``'s logins, read-only commands and files under a
directory of this module's own), fleet-003 (a user of this module's own whose sudo wants a
password; see tests/ssh/conftest.py for the hosts' roles)."""

from __future__ import annotations

import re
import shlex
import uuid
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from corral.testing import image as test_image
from corral.testing.fleet import Fleet

from ._helpers import SGR, Ran, corral, corral_tty, write

pytestmark = pytest.mark.integration

HOST, PASSWORD_HOST = "fleet-001", "fleet-003"
USER = test_image.TEST_USER  # logs in with the fleet's key or its password; sudo NOPASSWD
SUDOER, SUDO_PASSWORD = "clisudoer", "cli sudo: $pw!"  # sudo asks for the password


def bare_inventory(fleet: Fleet, directory: Path, *hosts: str, **data: Any) -> Path:
    """An inventory of fleet hosts by address only: no user, no key, no agent, and SSH's
    port replaced by one where nothing listens (``data`` adds keys)."""
    entries = []
    for name in hosts or (HOST,):
        entries.append((fleet.host(name).name, {
            "ssh_hostname": fleet.host(name).address, "ssh_port": 2200,
            "ssh_known_hosts_file": str(fleet.known_hosts_path), "ssh_allow_agent": False,
            **data}))
    path = directory / "inventory.py"
    write(path, f"hosts = {entries!r}\n")
    return path


def output(ran: Ran, host: str = HOST) -> list[str]:
    """What the command printed on ``host`` (exec's ``host: line`` lines)."""
    return [line.split(": ", 1)[1] for line in ran.out.splitlines()
            if line.startswith(f"{host}: ") and not line.startswith(f"{host}: exec: ")]


def login(fleet: Fleet, user: str = "root") -> list[str]:
    return ["--user", user, "--key", str(fleet.key_path), "--port", str(fleet.sshd_port)]


def test_user_key_and_port_come_from_the_flags(fleet: Fleet, tmp_path: Path) -> None:
    inventory = bare_inventory(fleet, tmp_path)
    ran = corral(inventory, "exec", *login(fleet, USER), "--", "id -un", cwd=tmp_path)
    assert ran.code == 0 and output(ran) == [USER], ran
    # the long names, as pyinfra's help lists them
    ran = corral(inventory, "exec", "--ssh-user", "root", "--ssh-key", str(fleet.key_path),
                 "--ssh-port", str(fleet.sshd_port), "--", "id -un", cwd=tmp_path)
    assert ran.code == 0 and output(ran) == ["root"], ran
    # each flag is needed: without --port the inventory's port (nothing there), without
    # --key no key at all
    ran = corral(inventory, "exec", "--user", "root", "--key", str(fleet.key_path), "--",
                 "id -un", cwd=tmp_path)
    assert ran.code == 3 and ":2200: Connection refused" in ran.out, ran
    ran = corral(inventory, "exec", "--user", "root", "--port", str(fleet.sshd_port), "--",
                 "id -un", cwd=tmp_path)
    assert ran.code == 3 and "authentication failed" in ran.out, ran


def test_password(fleet: Fleet, tmp_path: Path) -> None:
    inventory = bare_inventory(fleet, tmp_path)
    port = ["--port", str(fleet.sshd_port), "--user", USER]
    ran = corral(inventory, "exec", *port, "--password", test_image.TEST_PASSWORD, "--",
                 "id -un", cwd=tmp_path)
    assert ran.code == 0 and output(ran) == [USER], ran
    assert test_image.TEST_PASSWORD not in ran.out + ran.err
    ran = corral(inventory, "exec", *port, "--ssh-password", "not-the-password", "--",
                 "id -un", cwd=tmp_path)
    assert ran.code == 3 and "authentication failed" in ran.out, ran
    assert "not-the-password" not in ran.out + ran.err


def test_key_password(fleet: Fleet, tmp_path: Path) -> None:
    locked = tmp_path / "locked_key"
    key = asyncssh.read_private_key(str(fleet.key_path))
    key.write_private_key(str(locked), "pkcs8-pem", passphrase="key passphrase")
    inventory = bare_inventory(fleet, tmp_path)
    words = ["--user", "root", "--port", str(fleet.sshd_port), "--key", str(locked)]
    ran = corral(inventory, "exec", *words, "--key-password", "key passphrase", "--",
                 "id -un", cwd=tmp_path)
    assert ran.code == 0 and output(ran) == ["root"], ran
    ran = corral(inventory, "exec", *words, "--", "id -un", cwd=tmp_path)
    assert ran.code == 3 and f"cannot load the SSH key {locked}" in ran.out, ran


def test_data_flag_gives_the_connection_settings_too(fleet: Fleet, tmp_path: Path) -> None:
    inventory = bare_inventory(fleet, tmp_path)
    ran = corral(inventory, "exec", "--data", f"ssh_port={fleet.sshd_port}",
                 "--data", "ssh_user=root", "--data", f"ssh_key={fleet.key_path}", "--",
                 "id -un", cwd=tmp_path)
    assert ran.code == 0 and output(ran) == ["root"], ran


def test_sudo_and_sudo_user(fleet: Fleet, tmp_path: Path) -> None:
    inventory = bare_inventory(fleet, tmp_path)
    ran = corral(inventory, "exec", *login(fleet, USER), "--sudo", "--", "id -un",
                 cwd=tmp_path)
    assert ran.code == 0 and output(ran) == ["root"], ran
    ran = corral(inventory, "exec", *login(fleet, USER), "--sudo", "--sudo-user", "nobody",
                 "--", "id -un", cwd=tmp_path)
    assert ran.code == 0 and output(ran) == ["nobody"], ran
    # a deploy's files, made under sudo: root's
    directory = f"/tmp/cli-sudo-{uuid.uuid4().hex[:8]}"
    write(tmp_path / "deploy.py", "from corral.operations import files\n"
                                  f"files.directory(path={directory!r})\n")
    ran = corral(inventory, "deploy.py", *login(fleet, USER), "--sudo", "-y", cwd=tmp_path)
    assert ran.code == 0, ran
    ran = corral(inventory, "exec", *login(fleet, USER), "--",
                 f"stat -c %U {shlex.quote(directory)}", cwd=tmp_path)
    assert output(ran) == ["root"], ran
    # without --sudo, the same deploy as the login user cannot write /root
    write(tmp_path / "denied.py", "from corral.operations import files\n"
                                  f"files.directory(path='/root/{directory[5:]}')\n")
    ran = corral(inventory, "denied.py", *login(fleet, USER), "-y", cwd=tmp_path)
    assert ran.code == 1, ran


def test_su_user(fleet: Fleet, tmp_path: Path) -> None:
    inventory = bare_inventory(fleet, tmp_path)
    ran = corral(inventory, "exec", *login(fleet), "--su-user", USER, "--", "id -un",
                 cwd=tmp_path)
    assert ran.code == 0 and output(ran) == [USER], ran


def test_debug_all_shows_the_ssh_librarys_log(fleet: Fleet, tmp_path: Path) -> None:
    inventory = bare_inventory(fleet, tmp_path)
    ran = corral(inventory, "exec", *login(fleet), "--debug-all", "--", "true", cwd=tmp_path)
    assert ran.code == 0, ran
    assert "asyncssh" in ran.err and "Opening SSH connection" in ran.err, ran


def _intervals(ran: Ran, hosts: tuple[str, ...]) -> list[tuple[float, float]]:
    spans = []
    for host in hosts:
        times = [float(t) for t in output(ran, host)]
        assert len(times) == 2, ran
        spans.append((times[0], times[1]))
    return sorted(spans)


def test_serial_runs_one_host_at_a_time(fleet: Fleet, tmp_path: Path) -> None:
    hosts = (HOST, "fleet-002")
    inventory = bare_inventory(fleet, tmp_path, *hosts)
    command = "date +%s.%N; sleep 0.7; date +%s.%N"
    together = corral(inventory, "exec", *login(fleet), "--", command, cwd=tmp_path)
    assert together.code == 0, together
    first, second = _intervals(together, hosts)
    assert second[0] < first[1], together  # at once: the spans overlap
    serial = corral(inventory, "exec", *login(fleet), "--serial", "--", command,
                    cwd=tmp_path)
    assert serial.code == 0, serial
    first, second = _intervals(serial, hosts)
    assert second[0] >= first[1], serial  # one after the other


@pytest.fixture(scope="module")
def sudoer(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user on the password host whose sudo asks for the password every time; an
    inventory that logs in as that user."""
    directory = tmp_path_factory.mktemp("cli-sudoer")
    write(directory / "sudoers", f"Defaults:{SUDOER} timestamp_timeout=0\n"
                                 f"{SUDOER} ALL=(ALL:ALL) ALL\n")
    write(directory / "make.py", f"""\
from corral.operations import files, server
server.user(user={SUDOER!r}, shell="/bin/sh", public_keys=[{str(fleet.key_path) + '.pub'!r}])
server.shell(name="password", commands=[
    "printf '%s\\\\n' " + {shlex.quote(f'{SUDOER}:{SUDO_PASSWORD}')!r} + " | chpasswd"])
files.put(src={str(directory / 'sudoers')!r}, dest="/etc/sudoers.d/{SUDOER}", mode="440")
""")
    inventory = bare_inventory(fleet, directory, PASSWORD_HOST)
    ran = corral(inventory, "make.py", *login(fleet), "-y", cwd=directory)
    assert ran.code == 0, ran
    return inventory


def test_same_sudo_password_is_asked_once_and_given_to_sudo(fleet: Fleet, sudoer: Path,
                                                            tmp_path: Path) -> None:
    words = [*login(fleet, SUDOER), "--sudo", "--", "id -un"]
    # without the password sudo fails at once (it never waits on a prompt)
    ran = corral(sudoer, "exec", *words, cwd=tmp_path)
    assert ran.code == 1, ran
    ran = corral_tty(sudoer, "exec", "--same-sudo-password", *words, cwd=tmp_path,
                     answer=SUDO_PASSWORD, prompt="sudo password: ")
    assert ran.code == 0, ran
    text = SGR.sub("", ran.out).replace("\r", "")
    assert re.search(rf"(^|\x1b\[2K){PASSWORD_HOST}: root$", text, re.M), ran
    assert ran.out.count("sudo password:") == 1 and "$pw!" not in ran.out
