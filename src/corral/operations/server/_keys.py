"""SSH authorized_keys handling shared by server.user and server.user_authorized_keys."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from corral.facts.files import Directory, File, FileContents
from corral.facts.server import UserAccounts
from corral.model import keys
from corral.model.command import Diff, FileUploadCommand, QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation


def read_public_keys(public_keys: str | list[str]) -> list[str]:
    """Keys given inline or as local key files, one key a line.

    Lines end at newlines only, as sshd reads authorized_keys (str.splitlines would also
    end them at a carriage return, a form feed or U+2028 inside a key's comment)."""
    given = [public_keys] if isinstance(public_keys, str) else list(public_keys)
    out: list[str] = []
    for item in given:
        text = str(item)
        if "\n" not in text and len(text) < 4096 and os.path.isfile(text):
            with open(text, encoding="utf-8") as f:
                lines = f.read().split("\n")
        else:
            lines = text.split("\n")
        out.extend(line.strip() for line in lines if line.strip())
    return list(dict.fromkeys(out))


def ensure_dir(
    path: str, info: Any, user: str, group: str, mode: int | None
) -> list[StringCommand]:
    """Commands making ``path`` a directory owned by user:group (with ``mode`` if given)."""
    owner = StringCommand(QuoteString(user), ":", QuoteString(group), _separator="")
    cmds: list[StringCommand] = []
    if info is None:
        cmds.append(StringCommand("mkdir", "-p", QuoteString(path)))
    if mode is not None and (info is None or info["mode"] != mode):
        cmds.append(StringCommand("chmod", str(mode), QuoteString(path)))
    if info is None or info["user"] != user or info["group"] != group:
        cmds.append(StringCommand("chown", owner, QuoteString(path)))
    return cmds




def ensure_keys(
    user: str,
    group: str,
    ssh_dir: str,
    keys_file: str,
    wanted: list[str],
    delete_keys: bool,
    ssh_info: Any,
    keys_info: Any,
    current: list[str] | None,
) -> Iterable[Any]:
    if ssh_info is False:
        raise OperationError(f"{ssh_dir} exists and is not a directory")
    if keys_info is False:
        raise OperationError(f"{keys_file} exists and is not a regular file")
    yield from ensure_dir(ssh_dir, ssh_info, user, group, 700)

    have = [line.strip() for line in current or []]
    if delete_keys:
        new = wanted if have != wanted else None
    else:
        missing = [k for k in wanted if k not in have]
        new = [*(current or []), *missing] if missing else None
    if current is None or new is not None:
        lines = wanted if new is None else new
        old_text = None if current is None else "".join(f"{line}\n" for line in current)
        new_text = "".join(f"{line}\n" for line in lines)
        yield Diff(keys_file, old_text, new_text)
        yield FileUploadCommand(new_text.encode(), keys_file, mode="600", user=user, group=group)
        return
    if keys_info is not None:
        if keys_info["mode"] != 600:
            yield StringCommand("chmod", "600", QuoteString(keys_file))
        if keys_info["user"] != user or keys_info["group"] != group:
            owner = StringCommand(QuoteString(user), ":", QuoteString(group), _separator="")
            yield StringCommand("chown", owner, QuoteString(keys_file))


def _keys_changes(*_args: Any, authorized_key_directory: str | None = None,
                  **_kwargs: Any) -> list[Key]:
    # without the directory, the home it is in is only known from the host
    return [keys.path(authorized_key_directory or "/")]


@operation(changes=_keys_changes)
def user_authorized_keys(
    user: str,
    public_keys: str | list[str],
    group: str | None = None,
    delete_keys: bool = False,
    authorized_key_directory: str | None = None,
    authorized_key_filename: str | None = None,
) -> OpGenerator:
    """Manage the SSH keys allowed to log in as an existing user.

    + user: the user whose keys these are
    + public_keys: SSH public keys, inline or as paths of local key files
    + group: the group owning the key directory and file (default: the user's primary group)
    + delete_keys: remove keys of the file that are not in ``public_keys``
    + authorized_key_directory: where the key file is (default: ``HOME/.ssh``)
    + authorized_key_filename: the key file's name (default: ``authorized_keys``)

    The directory gets mode 700 and the file mode 600, both owned by the user. Without
    ``delete_keys`` missing keys are appended and the others kept.

    Example:
        server.user_authorized_keys(
            name="Let the deploy key in",
            user="app",
            public_keys=["ssh-ed25519 AAAAC3Nza... deploy@ci"],
            delete_keys=True,
        )
    """
    filename = authorized_key_filename or "authorized_keys"
    if "/" in filename or filename in (".", ".."):
        raise OperationValueError(f"bad authorized_key_filename {filename!r}")
    if authorized_key_directory is not None and not authorized_key_directory.startswith("/"):
        raise OperationValueError("authorized_key_directory must be an absolute path")
    wanted = read_public_keys(public_keys)

    if group is None or authorized_key_directory is None:
        entry = host.get_fact(UserAccounts).get(user)
        if entry is None:
            raise OperationError(f"user {user} does not exist")
        group = group or entry["group"] or user
        if authorized_key_directory is None:
            if not entry["home"]:
                raise OperationError(f"user {user} has no home directory")
            authorized_key_directory = f"{entry['home'].rstrip('/')}/.ssh"
    directory = authorized_key_directory.rstrip("/") or "/"
    path = f"{directory.rstrip('/')}/{filename}"
    dir_info = host.get_fact(Directory, path=directory)
    file_info = host.get_fact(File, path=path)
    current = host.get_fact(FileContents, path=path)

    changed = False
    for command in ensure_keys(user, group, directory, path, wanted, delete_keys,
                               dir_info, file_info, current):
        yield command
        changed = True
    if not changed:
        host.noop(f"the keys of {user} are in {path}")
