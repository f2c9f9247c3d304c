"""Operating-system level state: shell commands, scripts, users, groups, and more.

hostname, sysctl, modprobe, mount, locale, timezone and security_limit live in this
package's ``_system``; crontab in ``_cron``; packages, service, reboot and wait in
``_dispatch``; user_authorized_keys in ``_keys``. They are all ``server.X``.

Users and groups are managed with the shadow tools (``useradd``, ``usermod``, ``userdel``,
``groupadd``, ``groupdel``) found on Linux systems.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from typing import Any

from corral.facts.files import Directory, File, FileContents, Link
from corral.facts.server import Groups, Os, UserAccounts, UserDict
from corral.model import keys
from corral.model.command import MaskString, QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.model.secrets import Secret, reveal
from corral.operations.files._util import local_path, missing

from ._cron import crontab
from ._dispatch import packages, reboot, service, wait
from ._keys import ensure_dir, ensure_keys, read_public_keys, user_authorized_keys
from ._more import etc_hosts as etc_hosts
from ._more import kill as kill
from ._more import script_template as script_template
from ._system import (
    hostname,
    locale,
    modprobe,
    mount,
    security_limit,
    sysctl,
    timezone,
)
from ._util import run_and_remove

# Mixed into script upload names: stable for one run (the engine may plan an operation more
# than once), impossible to guess from outside it.
_RUN_SALT = secrets.token_hex(16)

_USER_FILES = ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/gshadow")

__all__ = [
    "crontab", "etc_hosts", "group", "hostname", "kill", "locale", "modprobe", "mount",
    "packages", "reboot", "script", "script_template", "security_limit", "service", "shell",
    "sysctl", "timezone", "user", "user_authorized_keys", "wait",
]


# --- shell and script ----------------------------------------------------------------------


@operation(is_idempotent=False)
def shell(commands: str | list[str]) -> OpGenerator:
    """Run shell commands, one after the other, stopping at the first that fails.

    + commands: a command or a list of commands

    The commands run under the shell set by ``_shell_executable`` (``sh`` by default).
    Facts already read are not refreshed by what they do until the next wave.

    Example:
        server.shell(
            name="Initialise LXD",
            commands=["lxd init --auto"],
        )
    """
    if isinstance(commands, str):
        commands = [commands]
    for command in commands:
        if not command.strip():
            raise OperationValueError("empty shell command")
        yield command


def _script_path(src: str, args: Iterable[str]) -> str:
    digest = hashlib.sha256("\0".join([_RUN_SALT, str(host.name), src, *args]).encode()).hexdigest()
    return f"/tmp/corral-script-{digest[:24]}"


@operation(is_idempotent=False)
def script(src: str | os.PathLike[str], args: list[str] | tuple[str, ...] = ()) -> OpGenerator:
    """Upload a local script, run it on the host, then remove it.

    + src: the local script (``str`` or ``pathlib.Path``; a relative one is looked for in
      the working directory, then in the deploy file's directory); it is run directly, so
      it needs a ``#!`` line
    + args: arguments for the script, each passed as one word

    The script is uploaded to ``/tmp`` under a name that cannot be guessed, readable only
    by its owner, and removed after it ran, whether it succeeded or not. Its exit code is
    the operation's.

    Example:
        server.script(
            name="Run the migration",
            src="files/migrate.sh",
            args=["--database", "app"],
        )
    """
    path = local_path(src)
    if not os.path.isfile(path):
        if not os.path.exists(path):
            raise missing(path, "local script")
        raise OperationValueError(f"script {os.fspath(src)!r} is not a local file")
    words = [str(a) for a in args]
    dest = _script_path(os.fspath(src), words)
    yield from run_and_remove(path, dest, words)


# --- groups --------------------------------------------------------------------------------


def _group_changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return [("groups",), keys.path("/etc/group"), keys.path("/etc/gshadow")]


def _check_id(what: str, value: int | str | None) -> str | None:
    if value is None:
        return None
    text = str(value)
    if not text.isdigit() or not text.isascii():
        raise OperationValueError(f"{what} must be a number, not {value!r}")
    return text


def _shadow_field(text: str) -> bool:
    """Whether the user database can hold ``text`` in a field: the shadow tools refuse a
    colon, a line break or an unprintable character, and chpasswd a line of 1024 bytes."""
    return ":" not in text and text.isprintable() and len(text.encode()) < 900


def _check_name(what: str, name: str) -> None:
    if not name or name.startswith("-") or any(c in name for c in ":,\n\t /"):
        raise OperationValueError(f"bad {what} name {name!r}")


@operation(changes=_group_changes)
def group(
    group: str,
    present: bool = True,
    system: bool = False,
    gid: int | str | None = None,
) -> OpGenerator:
    """Add or remove a group.

    + group: the group's name
    + present: whether the group should exist
    + system: create it as a system group (a gid from the system range)
    + gid: the numeric id for a new group

    An existing group is left as it is: its gid is not changed.

    Example:
        server.group(
            name="Create the docker group",
            group="docker",
            system=True,
        )
    """
    _check_name("group", group)
    gid_text = _check_id("gid", gid)
    exists = group in host.get_fact(Groups)

    if present and not exists:
        if _freebsd():  # pw: no system groups (a gid below 1000 makes one)
            yield _user_tool("groupadd", group, ["-g", QuoteString(gid_text)] if gid_text else [])
        else:
            yield StringCommand("groupadd", "-r" if system else None,
                                *(("--gid", QuoteString(gid_text)) if gid_text else ()),
                                QuoteString(group))
    elif not present and exists:
        yield _user_tool("groupdel", group)
    else:
        host.noop(f"group {group} {'exists' if present else 'does not exist'}")


# --- users ---------------------------------------------------------------------------------


def _user_changes(user: str, *_args: Any, home: str | None = None, **_kwargs: Any) -> list[Key]:
    return [
        ("users",),
        ("groups",),
        *(keys.path(p) for p in _USER_FILES),
        keys.path(home or f"/home/{user}"),
    ]


def _comma_list(names: list[str]) -> StringCommand:
    parts: list[object] = []
    for name in names:
        if parts:
            parts.append(",")
        parts.append(QuoteString(name))
    return StringCommand(*parts, _separator="")


def _set_password(user: str, password: str) -> StringCommand:
    """Set an encrypted password on standard input, so the hash never reaches a program's
    command line (``printf`` is the shell's own): ``chpasswd -e``, or FreeBSD's ``pw
    usermod -H 0``."""
    if _freebsd():
        return StringCommand("printf", "'%s\\n'", _secret_bit(password), "|", "pw",
                             "usermod", "-n", QuoteString(user), "-H", "0")
    return StringCommand("printf", "'%s:%s\\n'", QuoteString(user), _secret_bit(password),
                         "|", "chpasswd", "-e")


def _freebsd() -> bool:
    """Whether the host is FreeBSD, whose accounts are managed with ``pw`` (read only
    when a command is due, so a converged user costs no extra fact)."""
    return bool(host.get_fact(Os) == "FreeBSD")


def _user_tool(action: str, name: str, args: list[object] | None = None) -> StringCommand:
    """``useradd ARGS NAME`` (usermod, userdel, groupadd, groupdel), or FreeBSD's ``pw
    useradd -n NAME ARGS``."""
    if _freebsd():
        return StringCommand("pw", action, "-n", QuoteString(name), *(args or []))
    return StringCommand(action, *(args or []), QuoteString(name))


def _secret_bit(value: str) -> QuoteString:
    """A quoted command bit that is masked in logs."""
    if isinstance(value, Secret):
        return QuoteString(value)
    return QuoteString(MaskString(value))


@operation(changes=_user_changes)
def user(
    user: str,
    present: bool = True,
    home: str | None = None,
    shell: str | None = None,
    group: str | None = None,
    groups: list[str] | None = None,
    append: bool = False,
    public_keys: str | list[str] | None = None,
    delete_keys: bool = False,
    ensure_home: bool = True,
    create_home: bool = False,
    system: bool = False,
    uid: int | None = None,
    comment: str | None = None,
    unique: bool = True,
    password: str | None = None,
) -> OpGenerator:
    """Add, change or remove a user, and the SSH keys allowed to log in as them.

    + user: the user's name
    + present: whether the user should exist
    + home: the home directory (default: the existing one, else ``/home/USER``)
    + shell: the login shell
    + group: the primary group (default for a new user: a group named after the user)
    + groups: supplementary groups
    + append: add the user to ``groups`` without leaving the others
    + public_keys: SSH public keys, inline or as paths of local key files
    + delete_keys: remove keys of ``authorized_keys`` that are not in ``public_keys``
    + ensure_home: make sure the home directory exists and belongs to the user
    + create_home: create a new user's home from the skeleton directory (``useradd -m``)
    + system: create a system account
    + uid: the numeric user id (an existing user's is changed if it differs)
    + comment: the GECOS comment
    + unique: refuse a uid that another user already has
    + password: the encrypted password (as in ``/etc/shadow``)

    Removing a user keeps their home directory. ``authorized_keys`` lives in ``HOME/.ssh``,
    created with mode 700, the file with mode 600, both owned by the user.

    Example:
        server.user(
            name="Create the app user",
            user="app",
            home="/srv/app",
            shell="/bin/bash",
            groups=["docker"],
            public_keys=["ssh-ed25519 AAAAC3Nza... deploy@ci"],
        )
    """
    _check_name("user", user)
    for g in [group, *(groups or [])]:
        if g is not None:
            _check_name("group", g)
    uid_text = _check_id("uid", uid)
    if password is not None and not _shadow_field(reveal(password)):
        # chpasswd reads "user:hash" lines: a colon or newline in the hash would set
        # another field, or another user's password (not shown: it is a secret)
        raise OperationValueError("password must be a hash as in /etc/shadow: printable, "
                                  "without ':'")
    for what, text in (("home", home), ("shell", shell), ("comment", comment)):
        # a field of /etc/passwd: a colon ends it, a line break (also \v, \f, U+2028...)
        # would cut the user's line wherever the user database is read line by line
        if text is not None and not _shadow_field(text):
            raise OperationValueError(f"{what} {text!r} cannot be held in /etc/passwd")
    if home is not None and not home.startswith("/"):
        raise OperationValueError(f"home must be an absolute path, not {home!r}")

    users: dict[str, UserDict] = host.get_fact(UserAccounts)
    existing = users.get(user)
    # the groups matter only to pick a new user's primary group: read them only then, so
    # a group made just before (server.group in the same run) does not stop the wave
    existing_groups: list[str] = (host.get_fact(Groups) if existing is None and group is None
                                  and present else [])

    if not present:
        if existing is not None:
            yield _user_tool("userdel", user)
        else:
            host.noop(f"user {user} does not exist")
        return

    if home is None:
        home = (existing["home"] if existing else None) or f"/home/{user}"
    home = home.rstrip("/") or "/"

    # every fact this operation needs, read before the first command
    home_info = host.get_fact(Directory, path=home) if ensure_home else None
    wanted_keys: list[str] | None = None
    ssh_info: Any = None
    keys_info: Any = None
    current_keys: list[str] | None = None
    ssh_dir = f"{home.rstrip('/')}/.ssh"
    keys_file = f"{ssh_dir}/authorized_keys"
    if public_keys is not None:
        wanted_keys = read_public_keys(public_keys)
        ssh_info = host.get_fact(Directory, path=ssh_dir)
        keys_info = host.get_fact(File, path=keys_file)
        current_keys = host.get_fact(FileContents, path=keys_file)
    home_is_link = ensure_home and home_info is False and bool(host.get_fact(Link, path=home))

    changed = False
    if existing is None:
        primary = group
        if primary is None and user in existing_groups:
            primary = user  # useradd would fail creating a group that exists
        args: list[object] = ["-d", QuoteString(home)]
        if shell:
            args += ["-s", QuoteString(shell)]
        if primary:
            args += ["-g", QuoteString(primary)]
        if groups:
            args += ["-G", _comma_list(groups)]
        freebsd = _freebsd()
        if system and not freebsd:  # pw has no system accounts: a uid below 1000 makes one
            args.append("-r")
        if uid_text:
            args += ["-u" if freebsd else "--uid", QuoteString(uid_text)]
        if comment:
            args += ["-c", QuoteString(comment)]
        if not unique:
            args.append("-o")
        if create_home or not freebsd:  # pw makes no home unless told to
            args.append("-m" if create_home else "-M")
        yield _user_tool("useradd", user, args)
        if password:
            yield _set_password(user, password)
        changed = True
        home_group = primary or user
    else:
        mods: list[object] = []
        if existing.get("home") != home:
            mods += ["-d", QuoteString(home)]
        if shell and existing.get("shell") != shell:
            mods += ["-s", QuoteString(shell)]
        if group and existing.get("group") != group:
            mods += ["-g", QuoteString(group)]
        if groups:
            have = existing.get("groups") or []
            if append:
                if not set(groups) <= set(have):
                    if _freebsd():  # pw usermod -G sets the whole list: keep the others
                        mods += ["-G", _comma_list([*have, *(g for g in groups
                                                               if g not in have)])]
                    else:
                        mods += ["-a", "-G", _comma_list(groups)]
            elif set(have) != set(groups):
                mods += ["-G", _comma_list(groups)]
        if uid_text and str(existing.get("uid")) != uid_text:
            mods += ["-u", QuoteString(uid_text)]
            if not unique:
                mods.append("-o")
        if comment is not None and (existing.get("comment") or "") != comment:
            mods += ["-c", QuoteString(comment)]
        if mods:
            yield _user_tool("usermod", user, mods)
            changed = True
        if password and existing.get("password") != reveal(password):
            yield _set_password(user, password)
            changed = True
        home_group = group or existing.get("group") or user

    if ensure_home:
        if home_info is False:
            if not home_is_link:
                raise OperationError(f"home {home} of user {user} exists and is not a directory")
            # a home that is a symbolic link is left alone
        elif not (existing is None and create_home and home_info is None):
            for cmd in ensure_dir(home, home_info, user, home_group, None):
                yield cmd
                changed = True

    if wanted_keys is not None:
        for cmd in ensure_keys(
            user,
            home_group,
            ssh_dir,
            keys_file,
            wanted_keys,
            delete_keys,
            ssh_info,
            keys_info,
            current_keys,
        ):
            yield cmd
            changed = True

    if not changed:
        host.noop(f"user {user} is up to date")

