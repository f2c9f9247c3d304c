"""server.kill, server.etc_hosts and server.script_template.

Published as ``server.X`` (re-exported by :mod:`corral.operations.server`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import posixpath
import re
import secrets
from typing import IO, Any

from corral.facts.server import EtcHosts
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations.files import _util as u
from corral.operations.files._base import read_document, rewrite

from ._util import run_and_remove

# --- kill ----------------------------------------------------------------------------------

#: the signal names every shell's kill knows (dash's list, Debian's /bin/sh)
SIGNALS = frozenset(
    "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM CHLD CONT STOP "
    "TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS RTMIN RTMAX".split())
_REALTIME_RE = re.compile(r"RTMIN\+(?:[1-9]|1[0-5])|RTMAX-(?:[1-9]|1[0-4])")


def signal_word(signal: str) -> str:
    """The signal as kill takes it after the dash: a known name, upper case, without
    ``SIG`` (dash's kill refuses ``-SIGTERM``), or a number up to 64."""
    if not isinstance(signal, str) or not signal.isascii():
        raise OperationValueError(f"bad signal {signal!r}")
    if signal.isdigit() and int(signal) <= 64:
        return str(int(signal))
    name = signal.upper()
    name = name[3:] if name.startswith("SIG") else name
    if name in SIGNALS or _REALTIME_RE.fullmatch(name):
        return name
    raise OperationValueError(f"bad signal {signal!r} (a name such as TERM, or a number)")


@operation(name="server.kill", is_idempotent=False, changes=lambda *_a, **_k: [])
def kill(pid: int, signal: str = "TERM") -> OpGenerator:
    """Send a signal to a process (``kill -SIGNAL PID``).

    + pid: the process id (a positive number: kill's process groups and ``-1``, every
      process, are refused)
    + signal: the signal's name (``TERM``, ``HUP``, ``SIGKILL``...) or number; a name is
      sent upper case without ``SIG``, which every shell's ``kill`` takes

    The operation fails when no such process exists, as ``kill`` does.

    Example:
        server.kill(
            name="Kill process 1234",
            pid=1234,
            signal="KILL",
        )
    """
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        raise OperationValueError(f"pid must be a positive number, not {pid!r}")
    yield StringCommand("kill", QuoteString(f"-{signal_word(signal)}"), QuoteString(str(pid)))


# --- /etc/hosts ----------------------------------------------------------------------------


def _hosts_word(what: str, word: str) -> str:
    """A word of a hosts line: what the file's format cannot hold is refused, so the line
    written reads back as the one asked for."""
    if (not isinstance(word, str) or not word or "#" in word or not word.isprintable()
            or any(c.isspace() for c in word)):
        raise OperationValueError(f"bad {what} {word!r} for a hosts file")
    return word


def _check_ip(ip: str) -> str:
    _hosts_word("address", ip)
    try:
        ipaddress.ip_address(ip)
    except ValueError:
        raise OperationValueError(f"{ip!r} is not an IP address") from None
    return ip


def hosts_edit(old: bytes, ip: str, names: list[str], present: bool) -> bytes:
    """``old`` (a hosts file) with the line of ``ip`` set to ``names`` (present), or with
    ``names`` dropped from it (not present; every name when ``names`` is empty). The
    other lines keep their bytes; an edited line loses its comment. Where ``ip`` has
    several lines, the first is edited and the others dropped: the file then says once
    what the names of ``ip`` are."""
    lines = old.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    out: list[bytes] = []
    found = False
    for line in lines:
        # split as the EtcHosts fact splits (str.split: every Unicode space), so that the
        # line edited is the line the fact read the names from
        words = line.decode("utf-8", "surrogateescape").split("#", 1)[0].split()
        if not words or words[0] != ip:
            out.append(line)
            continue
        first, found = not found, True
        if present:
            if first:
                out.append(" ".join([ip, *names]).encode())
        elif names:
            kept = [w for w in words[1:] if w not in names]
            if kept:
                out.append(" ".join([ip, *kept]).encode("utf-8", "surrogateescape"))
    if present and not found:
        out.append(" ".join([ip, *names]).encode())
    return b"\n".join(out) + b"\n" if out else b""


def _hosts_changes(*_args: Any, path: str = "/etc/hosts", **_kwargs: Any) -> list[Key]:
    return [keys.path(path)]


@operation(name="server.etc_hosts", changes=_hosts_changes)
def etc_hosts(
    ip: str,
    hostnames: str | list[str] | None = None,
    present: bool = True,
    path: str = "/etc/hosts",
) -> OpGenerator:
    """Add, change or remove the line of an IP address in ``/etc/hosts``.

    + ip: the IP address whose line this is
    + hostnames: a host name, several separated by spaces, or a list of them
    + present: whether the line should be there
    + path: the hosts file

    With ``present=True`` the address's line is made exactly ``IP NAME...`` (added when
    missing). With ``present=False`` and no ``hostnames`` every line of the address is
    removed; with ``hostnames`` only those names are taken off its line, and the line
    goes when none is left. The other lines are kept byte for byte; the line edited
    loses its comment. The file is replaced only if no one changed it since it was read.

    Example:
        server.etc_hosts(
            name="Name the database host",
            ip="192.168.1.10",
            hostnames=["db.internal", "db"],
        )
    """
    _check_ip(ip)
    if not isinstance(path, str) or not path.startswith("/"):
        raise OperationValueError(f"path must be absolute, not {path!r}")
    if isinstance(hostnames, str):
        names = hostnames.split()
    elif hostnames is None:
        names = []
    else:
        names = list(hostnames)
    for name in names:
        _hosts_word("host name", name)
    names = list(dict.fromkeys(names))  # the fact reads a name given twice once
    if present and not names:
        raise OperationValueError("hostnames must be given when present=True")

    current = host.get_fact(EtcHosts, path=path).get(ip)
    if present and current == names:
        host.noop(f"{ip} -> {' '.join(names)} is in {path}")
        return
    if not present and current is None:
        host.noop(f"{ip} is not in {path}")
        return
    if not present and names and not set(names) & set(current or ()):
        host.noop(f"{ip} in {path} has none of {' '.join(names)}")
        return

    info, old = read_document(path)
    new = hosts_edit(old or b"", ip, names, present)
    yield from rewrite(path, info, old, new, reason=f"{path} is already as wanted")


# --- script_template -----------------------------------------------------------------------

# Mixed into upload names: stable for one run (the engine may plan an operation more than
# once), impossible to guess from outside it.
_RUN_SALT = secrets.token_hex(16)


@operation(name="server.script_template", is_idempotent=False)
def script_template(
    src: str | os.PathLike[str] | IO[Any],
    args: list[str] | tuple[str, ...] = (),
    **data: Any,
) -> OpGenerator:
    """Render a local Jinja2 template of a script, upload it, run it, then remove it.

    + src: the template (a local path, looked for as ``files.template`` looks, or a
      file-like object); the rendered script is run directly, so it needs a ``#!`` line
    + args: arguments for the script, each passed as one word
    + any other keyword argument: a template variable

    As ``server.script``: the script is uploaded to ``/tmp`` under a name that cannot
    be guessed, readable only by its owner, and removed after it ran, whether it
    succeeded or not; its exit code is the operation's. Templates see ``host`` and
    ``inventory`` as ``files.template``'s do.

    Example:
        server.script_template(
            name="Greet",
            src="templates/hello.sh.j2",
            greeting="hello",
        )
    """
    name, text, _secret = u.render_local(src, data, None)
    content = text.encode()
    words = [str(a) for a in args]
    digest = hashlib.sha256(
        "\0".join([_RUN_SALT, str(host.name), name, *words]).encode() + b"\0" + content
    ).hexdigest()
    dest = posixpath.join("/tmp", f"corral-script-{digest[:24]}")
    yield from run_and_remove(content, dest, words)
