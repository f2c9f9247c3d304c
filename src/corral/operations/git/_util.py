"""Helpers of the git operations: command prefixes, SSH options, remote host parsing."""

from __future__ import annotations

import posixpath
import re
import shlex

from corral.model.command import QuoteString, StringCommand
from corral.model.errors import OperationValueError

_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>\[[^\]]+\]|[A-Za-z0-9.-]+):(?!//)")
_SSH_URL = re.compile(
    r"^(?:ssh|git\+ssh|ssh\+git)://(?:[^@/\s]+@)?(?P<host>\[[^\]]+\]|[A-Za-z0-9.-]+)"
    r"(?::(?P<port>\d+))?/"
)


def ssh_host(src: str) -> tuple[str, int | None]:
    """The host (and port) of an SSH git URL, for ``ssh-keyscan``."""
    match = _SSH_URL.match(src)
    if match:
        port = match.group("port")
        return match.group("host").strip("[]"), int(port) if port else None
    match = _SCP_LIKE.match(src)
    if match:
        return match.group("host").strip("[]"), None
    raise OperationValueError(f"cannot find an SSH host (to keyscan) in {src!r}")


def known_hosts_name(hostname: str, port: int | None) -> str:
    """How a host appears in known_hosts: ``host`` or ``[host]:port``."""
    return f"[{hostname}]:{port}" if port and port != 22 else hostname


def keyscan(hostname: str, port: int | None) -> StringCommand:
    """Add a host's keys to the current user's known_hosts."""
    port_words = ["-p", str(port)] if port and port != 22 else []
    return StringCommand(
        "mkdir -p ~/.ssh && chmod 700 ~/.ssh && ssh-keyscan", *port_words,
        QuoteString(hostname), ">> ~/.ssh/known_hosts",
    )


def ssh_command(ssh_key: str) -> str:
    """The ssh command line git uses to reach a remote with a deploy key."""
    return f"ssh -i {shlex.quote(ssh_key)} -o IdentitiesOnly=yes"


def git_in(path: str, ssh_key: str | None = None) -> StringCommand:
    """``cd PATH && git`` (with the deploy key's ssh command), to which git's words go."""
    env = ("GIT_SSH_COMMAND=" + shlex.quote(ssh_command(ssh_key))) if ssh_key else None
    return StringCommand("cd", QuoteString(path), "&&", env, "git", "-c",
                         "safe.directory='*'")


def join(*parts: str) -> str:
    return posixpath.join(*parts)
