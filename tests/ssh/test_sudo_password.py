"""sudo with a password, over SSH: a user whose sudo rights want a password (made on a fleet
host by corral itself, as root). ``_sudo_password`` works and is never on a command line on
the host nor in corral's output; without it, sudo fails at once (``sudo -n``).

Two more users with the same password: one whose sudo keeps credentials (sudo's default:
a fact read under sudo lets the next command go without asking) and one with a NOPASSWD
rule. For neither may the password reach the command, its input or its environment."""

from __future__ import annotations

import shlex
import signal
import time
from pathlib import Path

import pytest
from integration._helpers import converge, describe, ops, run, single

from corral import host as current_host
from corral.api import HostStatus, OpStatus, Secret
from corral.facts.files import File
from corral.operations import files, server
from corral.testing.fleet import Fleet

from .conftest import PASSWORD_HOST, Cli, host_command_lines, host_inventory, host_root

pytestmark = pytest.mark.integration

USER = "deployer"  # sudo asks for the password every time
CACHED = "cacher"  # sudo keeps the credentials a while (sudo's default)
NOPASSWD = "freeloader"  # sudo asks for no password
PASSWORD = "Sudo pw: it's $ecret!"  # quotes, spaces and $ must survive the trip
SUDOERS = f"Defaults:{USER} timestamp_timeout=0\n{USER} ALL=(ALL:ALL) ALL\n"
RULES = {USER: SUDOERS, CACHED: f"{CACHED} ALL=(ALL:ALL) ALL\n",
         NOPASSWD: f"{NOPASSWD} ALL=(ALL:ALL) NOPASSWD: ALL\n"}
#: what the password is searched for as (its most unusual part)
NEEDLE = "$ecret"


@pytest.fixture(scope="module")
def inventories(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The password host with the three users (and ``app``, a plain one), made by corral as
    root; an inventory logging in as each (with the fleet's key)."""
    directory = tmp_path_factory.mktemp("sudo-password")
    for user, rule in RULES.items():
        (directory / f"sudoers-{user}").write_text(rule)

    def make_users() -> None:
        server.user(name="app", user="app", shell="/bin/sh")
        for user in RULES:
            server.user(name=f"user {user}", user=user, shell="/bin/sh",
                        public_keys=[f"{fleet.key_path}.pub"])
            server.shell(name=f"password {user}", commands=(
                f"printf '%s\\n' {shlex.quote(f'{user}:{PASSWORD}')} | chpasswd"))
            files.put(name=f"sudoers {user}", src=str(directory / f"sudoers-{user}"),
                      dest=f"/etc/sudoers.d/{user}", mode="440")

    root = host_inventory(fleet, PASSWORD_HOST, directory)
    made = single(run(root, make_users))
    assert made.status is HostStatus.CHANGED, describe(made)
    assert (host_root(fleet, PASSWORD_HOST) / "etc/sudoers.d" / USER).read_text() == SUDOERS
    inventories = {}
    for user in RULES:  # one directory each: the file is named after the host
        (directory / user).mkdir()
        inventories[user] = host_inventory(fleet, PASSWORD_HOST, directory / user, user=user)
    return inventories


@pytest.fixture(scope="module")
def inventory(inventories: dict[str, Path]) -> Path:
    """Logging in as the user whose sudo asks for the password every time."""
    return inventories[USER]


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


def test_sudo_and_its_password_from_host_data(fleet: Fleet, inventory: Path,
                                             tmp_path: Path) -> None:
    """pyinfra's shape (samegens' inventory): ``_sudo`` and ``_sudo_password`` in the
    host's data, for its operations and its facts; the password never in the output."""
    data_inventory = tmp_path / inventory.name
    data_inventory.write_text(inventory.read_text().replace(
        "'ssh_user'", f"'_sudo': True, '_sudo_password': {PASSWORD!r}, 'ssh_user'", 1))
    assert "_sudo_password" in data_inventory.read_text()
    (tmp_path / "deploy.py").write_text(
        "from corral import host\nfrom corral.facts.server import Command\n"
        "from corral.operations import server\n"
        "fact = host.get_fact(Command, 'id -un')\n"
        "server.shell(name='fact', commands=[f'echo fact {fact}'], _sudo=False)\n"
        "server.shell(name='who', commands='test \"$(id -un)\" = root')\n")
    cli = Cli(data_inventory, "deploy.py", "-y", "-vvv", cwd=tmp_path).wait()
    assert cli.code == 0, cli
    assert "fact root" in cli.out, cli
    assert NEEDLE not in cli.out + cli.err


def test_use_sudo_password_asks_once_on_the_terminal(fleet: Fleet, inventory: Path,
                                                    tmp_path: Path) -> None:
    """``_use_sudo_password`` in the data (pyinfra 2's key): the command line asks for the
    password once, before the run, on the terminal; with no terminal, bad input."""
    import os
    import pty
    import sys

    data_inventory = tmp_path / inventory.name
    data_inventory.write_text(inventory.read_text().replace(
        "'ssh_user'", "'_sudo': True, '_use_sudo_password': True, 'ssh_user'", 1))
    (tmp_path / "deploy.py").write_text(
        "from corral.operations import server\n"
        "server.shell(name='who', commands='test \"$(id -un)\" = root')\n")
    cli = Cli(data_inventory, "deploy.py", "-y", cwd=tmp_path).wait()
    assert cli.code == 4 and "no terminal to ask for the password on" in cli.err, cli

    pid, fd = pty.fork()
    if pid == 0:  # the child: corral on the terminal
        os.chdir(tmp_path)
        os.execv(sys.executable, [sys.executable, "-m", "corral", str(data_inventory),
                                  "deploy.py", "-y"])
    seen = b""
    deadline = time.monotonic() + 60
    while b"sudo password:" not in seen and time.monotonic() < deadline:
        seen += os.read(fd, 1024)
    os.write(fd, PASSWORD.encode() + b"\n")
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal closed: corral ended
            break
        if not chunk:
            break
        seen += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    assert seen.count(b"sudo password:") == 1 and NEEDLE.encode() not in seen


def test_a_wrong_password_fails_without_hanging(inventory: Path) -> None:
    def deploy() -> None:
        server.shell(name="who", commands="id -un", _sudo=True, _sudo_password="wrong")

    began = time.monotonic()
    host = single(run(inventory, deploy))
    assert time.monotonic() - began < 15
    assert host.status is HostStatus.FAILED, describe(host)
    assert "wrong" not in (host.error or "")
    # one attempt (one PAM delay, one failure counted), with sudo's own message
    error = ops(host)["who"].error or ""
    assert "1 incorrect password attempt" in error, describe(host)


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


#: every byte value, and lines a shell or sudo could take for something
CONTENT = bytes(range(256)) * 3 + b"\nPW\n-S\n" + b"\x00" * 5 + b"end without newline"
TEMPLATE = "app={{ app }}\n\x7f tab\there 'quoted' $HOME `x`\n"
HIDDEN = Secret("t0ken-that-hides-the-command")


def _users() -> list[str]:
    return [USER, CACHED, NOPASSWD]


@pytest.mark.parametrize("user", _users())
def test_uploads_through_password_sudo_are_byte_exact(fleet: Fleet, inventories: dict[str, Path],
                                                     user: str, tmp_path: Path) -> None:
    """After a fact read under sudo (the credentials kept, for CACHED), files.put and
    files.template through sudo with the password write exactly their content: the
    password does not take the data's place on the upload's input."""
    src, template = tmp_path / "data.bin", tmp_path / "conf.j2"
    src.write_bytes(CONTENT)
    template.write_text(TEMPLATE)

    def deploy() -> None:
        current_host.get_fact(File, path="/root", _sudo=True, _sudo_password=PASSWORD)
        files.put(name="put", src=str(src), dest=f"/root/{user}.bin", mode="600",
                  _sudo=True, _sudo_password=PASSWORD)
        files.template(name="template", src=str(template), dest=f"/root/{user}.conf",
                       app="web", _sudo=True, _sudo_password=PASSWORD)

    host = single(run(inventories[user], deploy))
    assert host.status is HostStatus.CHANGED, describe(host)
    root = host_root(fleet, PASSWORD_HOST) / "root"
    assert (root / f"{user}.bin").read_bytes() == CONTENT
    assert (root / f"{user}.conf").read_text() == TEMPLATE.replace("{{ app }}", "web")


@pytest.mark.parametrize("user", _users())
def test_a_command_under_password_sudo_gets_nothing_of_the_password(
        fleet: Fleet, inventories: dict[str, Path], user: str) -> None:
    """Commands that read their input and print their environment, under sudo with the
    password, as root, with ``-E``, as a login shell, as another user and hidden (a secret
    in their environment): none reads or sees the password, with the credentials kept
    (CACHED, after a fact read under sudo), asked every time (USER) or not needed
    (NOPASSWD)."""
    kinds: dict[str, dict[str, object]] = {
        "root": {},
        "preserve-env": {"_preserve_sudo_env": True},
        "login": {"_use_sudo_login": True},
        "app": {"_sudo_user": "app"},
        "hidden": {"_sudo_user": "app", "_env": {"TOKEN": HIDDEN}},
    }

    def deploy() -> None:
        current_host.get_fact(File, path="/root", _sudo=True, _sudo_password=PASSWORD)
        for kind, extra in kinds.items():
            server.shell(name=kind, commands=(f"cat > /tmp/in-{user}-{kind}; "
                                              f"env > /tmp/env-{user}-{kind}"),
                         _sudo=True, _sudo_password=PASSWORD, **extra)  # type: ignore[arg-type]

    host = single(run(inventories[user], deploy))
    assert host.status is HostStatus.CHANGED, describe(host)
    tmp = host_root(fleet, PASSWORD_HOST) / "tmp"
    for kind in kinds:
        assert (tmp / f"in-{user}-{kind}").read_bytes() == b"", kind
        env = (tmp / f"env-{user}-{kind}").read_text()
        assert NEEDLE not in env and "__CORRAL_SUDO_PW=" not in env, (kind, env)
    assert "USER=app" in (tmp / f"env-{user}-hidden").read_text()
    assert f"TOKEN={HIDDEN.reveal()}" in (tmp / f"env-{user}-hidden").read_text()


def _uid(fleet: Fleet, user: str) -> str:
    passwd = (host_root(fleet, PASSWORD_HOST) / "etc/passwd").read_text()
    return next(line.split(":")[2] for line in passwd.splitlines()
                if line.startswith(f"{user}:"))


def _holding_the_password(fleet: Fleet) -> list[tuple[str, str]]:
    """(real uid, command line) of the host's processes whose environment holds the
    password, right now."""
    found = []
    for proc in (host_root(fleet, PASSWORD_HOST) / "proc").glob("[0-9]*"):
        try:
            environ = (proc / "environ").read_bytes()
            if NEEDLE.encode() not in environ:
                continue
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # gone meanwhile
            continue
        uid = next(line.split()[1] for line in status.splitlines() if line.startswith("Uid:"))
        found.append((uid, cmdline))
    return found


def test_the_password_is_only_in_the_environment_of_the_users_own_sudo(
        fleet: Fleet, inventory: Path, tmp_path: Path) -> None:
    """During a long command run as another user with ``-E``, the password is in the
    environment of the login user's own processes and sudo's only (sudo is set-user-ID:
    its environment is root's to read; ``timeout`` is the login user's), never in the
    command's: ``ps e`` and
    /proc/PID/environ show it to no one else. ``env -u`` takes it out (the moment between
    sudo starting it and it starting the command is left out of the check)."""
    deploy = tmp_path / "deploy.py"
    deploy.write_text(
        "from corral.operations import server\n"
        "server.shell(name='hold', commands='sleep 2.5', _sudo=True, _sudo_user='app',\n"
        f"             _preserve_sudo_env=True, _timeout=30, _sudo_password={PASSWORD!r})\n"
    )
    cli = Cli(inventory, deploy, "-y", cwd=tmp_path)
    seen: set[tuple[str, str]] = set()
    lines: set[str] = set()
    while cli.proc.poll() is None:
        seen.update(_holding_the_password(fleet))
        lines.update(host_command_lines(fleet, PASSWORD_HOST))
        time.sleep(0.02)
    cli.wait()
    assert cli.code == 0, cli
    assert any(line.startswith("sleep 2.5") for line in lines), sorted(lines)
    login = _uid(fleet, USER)
    # sudo itself (set-user-ID; it takes root as its real user too once the command runs:
    # its environment is root's to read either way)
    assert {uid for uid, line in seen if line.startswith("sudo ")} <= {login, "0"}
    others = [(uid, line) for uid, line in seen if uid != login
              and not line.startswith(("sudo ", "env -u __CORRAL_SUDO_PW "))]
    assert others == []
    assert any(line.startswith("sudo ") for _, line in seen), seen  # the check saw sudo's


@pytest.mark.parametrize("extra", ["", ", _timeout=120"], ids=["plain", "timeout"])
def test_sigint_ends_roots_commands_under_password_sudo(fleet: Fleet, inventory: Path,
                                                        tmp_path: Path, extra: str) -> None:
    """Ctrl-C (a real SIGINT to the CLI) while a command runs as root through sudo with a
    password that sudo asks for every time: the command is ended (as root, through sudo
    with the password: ``sudo -n`` cannot, and sudo relays the signal to its own child
    only), nothing of it is left on the host; also under ``_timeout``, whose ``timeout``
    puts the command in a process group of its own."""
    marker = "sleep 66.4321"
    deploy = tmp_path / "deploy.py"
    deploy.write_text(
        "from corral.operations import server\n"
        f"server.shell(name='hold', commands={marker + '; true'!r}, _sudo=True,\n"
        f"             _sudo_password={PASSWORD!r}{extra})\n"
    )
    cli = Cli(inventory, deploy, "-y", cwd=tmp_path)
    deadline = time.monotonic() + 20
    while not any(line.startswith(marker) for line in host_command_lines(fleet, PASSWORD_HOST)):
        if time.monotonic() > deadline or cli.proc.poll() is not None:
            cli.proc.kill()
            pytest.fail(f"the remote command never started\n{cli.wait()}")
        time.sleep(0.05)
    cli.proc.send_signal(signal.SIGINT)
    cli.wait(30)
    assert cli.code == 130, cli
    time.sleep(1.5)
    assert [line for line in host_command_lines(fleet, PASSWORD_HOST) if marker in line] == []
