"""sudo with a password, over SSH: a user whose sudo rights want a password (made on a fleet
host by corral itself, as root). ``_sudo_password`` works and is never on a command line on
the host nor in corral's output; without it, sudo fails at once (``sudo -n``)."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

import pytest
from integration._helpers import converge, describe, ops, run, single

from corral.api import HostStatus, OpStatus
from corral.operations import files, server
from corral.testing.fleet import Fleet

from .conftest import PASSWORD_HOST, Cli, host_command_lines, host_inventory, host_root

pytestmark = pytest.mark.integration

USER = "deployer"
PASSWORD = "Sudo pw: it's $ecret!"  # quotes, spaces and $ must survive the trip
SUDOERS = f"Defaults:{USER} timestamp_timeout=0\n{USER} ALL=(ALL:ALL) ALL\n"


@pytest.fixture(scope="module")
def inventory(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The password host with the user, made by corral as root; an inventory logging in as
    that user (with the fleet's key)."""
    directory = tmp_path_factory.mktemp("sudo-password")
    sudoers = directory / "sudoers"
    sudoers.write_text(SUDOERS)

    def make_user() -> None:
        server.user(name="user", user=USER, shell="/bin/sh",
                    public_keys=[f"{fleet.key_path}.pub"])
        server.shell(name="password",
                     commands=f"printf '%s\\n' {shlex.quote(f'{USER}:{PASSWORD}')} | chpasswd")
        files.put(name="sudoers", src=str(sudoers), dest=f"/etc/sudoers.d/{USER}", mode="440")

    root = host_inventory(fleet, PASSWORD_HOST, directory)
    made = single(run(root, make_user))
    assert made.status is HostStatus.CHANGED, describe(made)
    assert (host_root(fleet, PASSWORD_HOST) / "etc/sudoers.d" / USER).read_text() == SUDOERS
    return host_inventory(fleet, PASSWORD_HOST, directory, user=USER)


def _made_by_sudo() -> None:
    server.shell(name="who", commands="id -un", _sudo=True, _sudo_password=PASSWORD)
    files.directory(name="dir", path="/root/by-deployer", _sudo=True, _sudo_password=PASSWORD)
    files.file(name="file", path="/root/by-deployer/made", mode="600", _sudo=True,
               _sudo_password=PASSWORD)


def test_sudo_with_the_password(fleet: Fleet, inventory: Path) -> None:
    host = single(run(inventory, _made_by_sudo))
    assert host.status is HostStatus.CHANGED, describe(host)
    assert ops(host)["who"].stdout == "root\n"
    made = host_root(fleet, PASSWORD_HOST) / "root/by-deployer/made"
    assert made.is_file() and made.stat().st_mode & 0o777 == 0o600


def test_sudo_with_the_password_converges(inventory: Path) -> None:
    first = ops(converge(inventory, _made_by_sudo, always_changed={"who"}))
    assert first["who"].stdout == "root\n"


def test_without_the_password_sudo_fails_at_once(inventory: Path) -> None:
    def deploy() -> None:
        server.shell(name="who", commands="id -un", _sudo=True)

    began = time.monotonic()
    host = single(run(inventory, deploy))
    assert time.monotonic() - began < 5  # no prompt waiting for an answer
    assert host.status is HostStatus.FAILED, describe(host)
    op = ops(host)["who"]
    assert op.status is OpStatus.FAILED
    assert op.error is not None and "a password is required" in op.error, describe(host)


def test_a_wrong_password_fails_without_hanging(inventory: Path) -> None:
    def deploy() -> None:
        server.shell(name="who", commands="id -un", _sudo=True, _sudo_password="wrong")

    began = time.monotonic()
    host = single(run(inventory, deploy))
    assert time.monotonic() - began < 15
    assert host.status is HostStatus.FAILED, describe(host)
    assert "wrong" not in (host.error or "")


def test_the_password_is_never_on_a_command_line_nor_in_the_output(
        fleet: Fleet, inventory: Path, tmp_path: Path) -> None:
    deploy = tmp_path / "deploy.py"
    deploy.write_text(
        "from corral.operations import server\n"
        f"server.shell(name='hold', commands='sleep 2.5', _sudo=True,\n"
        f"             _sudo_password={PASSWORD!r})\n"
    )
    cli = Cli(inventory, deploy, "-y", "-vvv", cwd=tmp_path)
    seen: set[str] = set()
    while cli.proc.poll() is None:  # what ps would show on the host, over and over
        seen.update(host_command_lines(fleet, PASSWORD_HOST))
        time.sleep(0.02)
    cli.wait()
    assert cli.code == 0, cli
    assert any(line.startswith("sleep 2.5") for line in seen), sorted(seen)
    assert any(line.startswith("sudo ") and "sleep 2.5" in line for line in seen), sorted(seen)
    assert [line for line in seen if PASSWORD in line or "$ecret" in line] == []
    assert "$ecret" not in cli.out and "$ecret" not in cli.err, cli
    assert "sleep 2.5" in cli.out + cli.err  # -vvv did show the command
