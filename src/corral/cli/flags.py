"""pyinfra's command-line flags, turned into the run's config and the top layer of host data.

Every value that reaches a shell (a user to sudo or su to, a shell, retry counts) is checked
as the same global argument is checked in deploy code: a bad one is one line and exit 4,
before anything loads.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corral.api import BadInput, Config, Secret, global_problem

from .values import parse_cli_value, split_assignment

WHERE = "command line"


@dataclass
class Flags:
    """pyinfra's flags as given (None: not given)."""

    data: tuple[str, ...] = ()
    group_data: tuple[str, ...] = ()
    config_file: str | None = None
    chdir: str | None = None
    sudo: bool = False
    sudo_user: str | None = None
    same_sudo_password: bool = False
    use_sudo_password: bool = False
    use_sudo_login: bool = False
    su_user: str | None = None
    dzdo: bool = False
    dzdo_user: str | None = None
    shell_executable: str | None = None
    retry: int | None = None
    retry_delay: int | None = None
    ssh_user: str | None = None
    ssh_port: int | None = None
    ssh_key: str | None = None
    ssh_key_password: str | None = None
    ssh_password: str | None = None
    ssh_password_prompt: bool = False
    warnings: list[str] = field(default_factory=list)


def _checked(flag: str, key: str, value: Any) -> Any:
    problem = global_problem(key, value)
    if problem is not None:
        raise BadInput(f"{flag} {problem}", file=WHERE)
    return value


def change_directory(flags: Flags) -> None:
    """``--chdir``: before everything else, as in pyinfra (paths given on the command line,
    ``config.py``, ``group_data`` and relative keys are then found there)."""
    if flags.chdir is None:
        return
    if not Path(flags.chdir).is_dir():
        raise BadInput(f"--chdir {flags.chdir}: no such directory", file=WHERE)
    os.chdir(flags.chdir)


def check(flags: Flags) -> None:
    """The flags' values, checked before anything loads or runs (after ``--chdir``)."""
    if flags.dzdo or flags.dzdo_user:
        raise BadInput("--dzdo is not supported: corral runs commands as another user with "
                       "--sudo/--sudo-user or --su-user", file=WHERE)
    if flags.sudo_user is not None:
        _checked("--sudo-user", "_sudo_user", flags.sudo_user)
        if not flags.sudo:
            flags.warnings.append("--sudo-user has no effect without --sudo (as in pyinfra); "
                                  "operations given _sudo=True run as root")
    if flags.su_user is not None:
        _checked("--su-user", "_su_user", flags.su_user)
    if flags.shell_executable is not None:
        if flags.shell_executable in ("None", "null"):
            raise BadInput("--shell-executable None: corral runs every command through a "
                           "shell (give one such as sh or bash)", file=WHERE)
        _checked("--shell-executable", "_shell_executable", flags.shell_executable)
    if flags.retry is not None:
        _checked("--retry", "_retries", flags.retry)
    if flags.retry_delay is not None:
        _checked("--retry-delay", "_retry_delay", flags.retry_delay)
    if flags.ssh_user is not None:
        _check_line("--ssh-user", flags.ssh_user)
    for flag, secret in (("--ssh-password", flags.ssh_password),
                         ("--ssh-key-password", flags.ssh_key_password)):
        if secret is not None:
            _check_line(flag, secret, show=False)
    if flags.ssh_key is not None:
        key = os.path.expanduser(flags.ssh_key)
        if not Path(key).is_file():
            raise BadInput(f"--ssh-key {flags.ssh_key}: no such file", file=WHERE)


def _check_line(flag: str, value: str, show: bool = True) -> None:
    if not value or any(c in value for c in "\0\r\n"):
        what = repr(value) if show else "the value"
        raise BadInput(f"{flag}: {what} must be one line of text, not empty", file=WHERE)


def configure(config: Config, flags: Flags, fail_percent: int | None,
              ask: Callable[[str], str]) -> None:
    """Apply the flags to the run's config, after ``config.py`` (flags win), as pyinfra
    does. ``ask`` reads a password (``--same-sudo-password``)."""
    if flags.sudo:
        config.SUDO = True
        if flags.sudo_user:
            config.SUDO_USER = flags.sudo_user
    if flags.use_sudo_login:
        config.USE_SUDO_LOGIN = True
    if flags.su_user:
        config.SU_USER = flags.su_user
    if flags.same_sudo_password or flags.use_sudo_password:
        password = ask("sudo password: ")
        _checked("--same-sudo-password", "_sudo_password", password)
        config.SUDO_PASSWORD = Secret(password)
    if flags.shell_executable:
        config.SHELL = flags.shell_executable
    if fail_percent is not None:
        config.FAIL_PERCENT = fail_percent
    if flags.retry is not None:
        config.RETRIES = flags.retry
    if flags.retry_delay is not None:
        config.RETRY_DELAY = float(flags.retry_delay)


def override_data(flags: Flags, ask: Callable[[str], str]) -> dict[str, Any]:
    """The top layer of every host's data: ``--data key=value`` (values read as pyinfra
    reads them: booleans, numbers, JSON, else text), then the SSH flags over those keys.
    Passwords are held as secrets (masked wherever output would show them)."""
    data: dict[str, Any] = {}
    for item in flags.data:
        key, raw = split_assignment(item, "--data")
        data[key] = parse_cli_value(raw)
    password = flags.ssh_password
    if flags.ssh_password_prompt:
        password = ask("SSH password: ")
        _check_line("--ssh-password-prompt", password, show=False)
    given: dict[str, Any] = {
        "ssh_user": flags.ssh_user,
        "ssh_key": flags.ssh_key,
        "ssh_key_password": Secret(flags.ssh_key_password) if flags.ssh_key_password else None,
        "ssh_port": flags.ssh_port,
        "ssh_password": Secret(password) if password else None,
    }
    data.update({k: v for k, v in given.items() if v})
    return data


def ask_password(prompt: str) -> str:
    """A password typed on the terminal (echo off); with no terminal, bad input: a run
    never waits on input nobody can give."""
    import getpass

    if not (sys.stdin.isatty() or _has_tty()):
        raise BadInput(f"no terminal to ask for the password on ({prompt.rstrip(': ')})",
                       file=WHERE)
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise BadInput(f"no password given ({prompt.rstrip(': ')})", file=WHERE) from None


def _has_tty() -> bool:
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True
