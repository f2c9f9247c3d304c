"""Run commands and copy files from the host to other hosts over SSH (``ssh``, ``scp``,
``ssh-keyscan`` run ON the host: corral -> host <-> another host).

Every host name, user and port is checked (a host name is letters, digits and ``._:%-``,
never starting with ``-``; a port is 1 to 65535), and every one of them and every path
reaches the program as one quoted word, after ``--`` (no option is read from it). A local
path for scp is made explicit (``./`` before a relative one), so that a ``:`` in it is
never read as ``host:path``. The remote path is read by scp as scp reads it (OpenSSH 9's
SFTP mode: a download's remote path is a glob pattern).
"""

from __future__ import annotations

import re
import shlex

from corral.facts.files import Directory, File, FindInFile
from corral.facts.server import Home
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.operation import OpGenerator, operation

#: a host name, an IPv4 or IPv6 address (a zone after %), or an alias of ssh_config
_HOSTNAME = re.compile(r"[A-Za-z0-9_.:%][A-Za-z0-9_.:%-]*\Z")
#: a user name ssh can take before "@" (POSIX portable names; a trailing $ as Samba's)
_USER = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?\Z")


def _hostname(hostname: str) -> str:
    if not isinstance(hostname, str) or not _HOSTNAME.match(hostname):
        raise OperationValueError(
            f"bad hostname {hostname!r}: a host name or address (letters, digits, ._:%-, "
            "not starting with -)")
    return hostname


def _port(port: int | str) -> int:
    text = str(port)
    if isinstance(port, bool) or not text.isascii() or not text.isdigit() or \
            not 0 < int(text) < 65536:
        raise OperationValueError(f"bad port {port!r}: a number from 1 to 65535")
    return int(text)


def _target(hostname: str, user: str | None) -> str:
    """``hostname`` or ``user@hostname``, both checked."""
    name = _hostname(hostname)
    if user is None or user == "":
        return name
    if not isinstance(user, str) or not _USER.match(user):
        raise OperationValueError(f"bad user {user!r}")
    return f"{user}@{name}"


def _remote(target: str, path: str) -> QuoteString:
    """``target:path`` for scp (an IPv6 address in brackets)."""
    if not path or "\0" in path:
        raise OperationValueError(f"bad remote path {path!r}")
    user, _, name = target.rpartition("@")
    if ":" in name:
        name = f"[{name}]"
    return QuoteString(f"{user}@{name}:{path}" if user else f"{name}:{path}")


def _local(path: str) -> QuoteString:
    """A local path scp never reads as ``host:path`` nor as an option."""
    if not path or "\0" in path:
        raise OperationValueError(f"bad local path {path!r}")
    return QuoteString(path if path.startswith("/") else f"./{path}")


def _known_hosts_entry(hostname: str, port: int) -> str:
    """How ssh-keyscan names the host in known_hosts (``[host]:port`` off port 22)."""
    return hostname if port == 22 else f"[{hostname}]:{port}"


@operation()
def keyscan(hostname: str, force: bool = False, port: int = 22) -> OpGenerator:
    """Add a host's keys to the user's ``~/.ssh/known_hosts`` (with ``ssh-keyscan``).

    + hostname: the host whose keys should be known
    + force: if the host is already known, remove its keys and scan again
    + port: the port its sshd listens on

    A host is known when known_hosts has a line for it by name (hashed names are not
    read). The keys are trusted as they are scanned: scan only over a network you trust.

    Example:
        ssh.keyscan(name="Know git.example.com", hostname="git.example.com")
    """
    name, number = _hostname(hostname), _port(port)
    home = host.get_fact(Home)
    if not home:
        raise OperationError("the user's home directory is not known")
    ssh_dir = f"{home.rstrip('/')}/.ssh"
    known_hosts = f"{ssh_dir}/known_hosts"
    info = host.get_fact(Directory, path=ssh_dir)
    if info is False:
        raise OperationError(f"{ssh_dir} exists and is not a directory")
    if info is None:
        yield StringCommand("mkdir -p -m 700 --", QuoteString(ssh_dir))
    elif info.get("mode") != 700:
        yield StringCommand("chmod 700 --", QuoteString(ssh_dir))

    entry = _known_hosts_entry(name, number)
    # the name as the first field, or in a comma-separated list of names (the checked
    # name's only character special to grep -E is the dot)
    pattern = "(^|,)" + entry.replace(".", r"\.").replace("[", r"\[").replace("]", r"\]") \
        + "[ ,]"
    found = host.get_fact(FindInFile, path=known_hosts, pattern=pattern, extended_regex=True)
    scan = StringCommand("ssh-keyscan -p", str(number), "--", QuoteString(name), ">>",
                         QuoteString(known_hosts))
    if not found:
        yield scan
    elif force:
        yield StringCommand("ssh-keygen -R", QuoteString(entry), "-f", QuoteString(known_hosts))
        yield scan
    else:
        host.noop(f"{entry} is already in {known_hosts}")


@operation(is_idempotent=False)
def command(hostname: str, command: str, user: str | None = None, port: int = 22) -> OpGenerator:
    """Run a command on another host over SSH, from this host.

    + hostname: the host to connect to
    + command: the command (shell text the other host's shell runs)
    + user: the user to log in as
    + port: the port to connect to

    Example:
        ssh.command(
            name="Leave a mark on two",
            hostname="two.example.com",
            command="echo 'one was here' > /tmp/one.txt",
            user="vagrant",
        )
    """
    target, number = _target(hostname, user), _port(port)
    if not isinstance(command, str) or not command.strip():
        raise OperationValueError("command is empty")
    yield StringCommand("ssh -p", str(number), "--", QuoteString(target), QuoteString(command))


@operation(is_idempotent=False)
def upload(
    hostname: str,
    filename: str,
    remote_filename: str | None = None,
    port: int = 22,
    user: str | None = None,
    use_remote_sudo: bool = False,
    ssh_keyscan: bool = False,
) -> OpGenerator:
    """Copy a file of this host to another host with ``scp``.

    + hostname: the host to copy to
    + filename: the file on this host
    + remote_filename: where to put it there (default: ``filename``)
    + port: the port to connect to
    + user: the user to log in as
    + use_remote_sudo: copy to a temporary file there, then move it in place with sudo
    + ssh_keyscan: add the host's keys to known_hosts first (``ssh.keyscan``, on ``port``)

    Example:
        ssh.upload(hostname="two.example.com", filename="/etc/motd",
                   remote_filename="/tmp/motd-of-one")
    """
    target, number = _target(hostname, user), _port(port)
    local = _local(filename)
    remote_path = remote_filename or filename
    if ssh_keyscan:
        yield from keyscan._inner(hostname=hostname, port=number)
    if not use_remote_sudo:
        yield StringCommand("scp -P", str(number), "--", local, _remote(target, remote_path))
        return
    _remote(target, remote_path)  # checked before anything runs
    temp = host.get_temp_filename(f"ssh.upload {target} {remote_path}",
                                  temp_directory="/tmp")
    yield StringCommand("scp -P", str(number), "--", local, _remote(target, temp))
    # sudo needs no password there; the paths are quoted for the other host's shell
    yield from command._inner(hostname=hostname, user=user, port=number,
                              command=f"sudo mv -- {shlex.quote(temp)} "
                                      f"{shlex.quote(remote_path)}")


@operation()
def download(
    hostname: str,
    filename: str,
    local_filename: str | None = None,
    force: bool = False,
    port: int = 22,
    user: str | None = None,
    ssh_keyscan: bool = False,
) -> OpGenerator:
    """Copy a file of another host to this host with ``scp``.

    + hostname: the host to copy from
    + filename: the file there
    + local_filename: where to put it on this host (default: ``filename``)
    + force: copy it even if the local file exists
    + port: the port to connect to
    + user: the user to log in as
    + ssh_keyscan: add the host's keys to known_hosts first (``ssh.keyscan``, on ``port``)

    Done when the local file exists (unless ``force``): its content is not compared.

    Example:
        ssh.download(hostname="two.example.com", filename="/etc/hostname",
                     local_filename="/tmp/two-hostname")
    """
    target, number = _target(hostname, user), _port(port)
    local_path = local_filename or filename
    local = _local(local_path)
    source = _remote(target, filename)
    info = host.get_fact(File, path=local_path)
    if info is False:
        raise OperationError(f"{local_path} exists and is not a file")
    if info and not force:
        host.noop(f"{local_path} is already downloaded")
        return
    if ssh_keyscan:
        yield from keyscan._inner(hostname=hostname, port=number)
    yield StringCommand("scp -P", str(number), "--", source, local)
