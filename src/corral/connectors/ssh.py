"""SSH, on asyncssh: one connection per host for the whole run, and on it one persistent
remote shell to which framed scripts are sent, so a wave costs one round trip.

Host data: pyinfra's ``ssh_*`` keys with pyinfra's values and defaults (read and checked
in :mod:`corral.connectors.sshdata`), and ``ssh_proxy_jump``, ``ssh_keepalive_interval``.
``~/.ssh/config`` is honoured (ProxyJump included).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shlex
import socket
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from corral.model.errors import BadInput, ConnectError, ConnectionLost
from corral.model.host import Host
from corral.model.secrets import reveal

from .base import Connector, ShellSession
from .framing import FramedScript
from .libsearch import linker_cache_only
from .shell import as_root
from .sshdata import SSHSettings, ssh_settings

with linker_cache_only(), warnings.catch_warnings():  # no C compiler runs at start-up
    # (see libsearch); asyncssh's import warns about DSA keys with newer cryptography
    # releases: nothing a user can act on, and an error must stay one line
    warnings.filterwarnings("ignore", module=r"asyncssh(\.|$)")
    import asyncssh


def _default_config() -> str:
    return os.path.expanduser("~/.ssh/config")


def _config_sets_ciphers(paths: list[str]) -> bool:
    for path in paths:
        try:
            text = Path(path).read_text(errors="replace")
        except OSError:
            continue
        if any(line.strip().lower().startswith("ciphers") for line in text.splitlines()):
            return True
    return False


class _HostKeyPolicy(asyncssh.SSHClient):
    """Called for a host key that known_hosts does not list: decides by the policy."""

    def __init__(self, policy: str, known_hosts: Path, host: str, port: int) -> None:
        self.policy = policy
        self.known_hosts = known_hosts
        self.host = host
        self.port = port
        self.problem: str | None = None

    def _known_entries(self, host: str, addr: str, port: int) -> int:
        if not self.known_hosts.is_file():
            return 0
        try:
            known = asyncssh.read_known_hosts(str(self.known_hosts))
            keys = known.match(host, addr, port)[0]
        except (OSError, ValueError):
            return 0
        return len(keys)

    def validate_host_public_key(self, host: str, addr: str, port: int,
                                 key: asyncssh.SSHKey) -> bool:
        if self._known_entries(host, addr, port):
            self.problem = (
                f"the host key of {host} has CHANGED (it does not match {self.known_hosts}): "
                "refusing to connect; if the change is expected, remove the old entry"
            )
            return False
        if self.policy == "no":  # an unknown key accepted, and not recorded
            return True
        if self.policy == "accept-new":
            name = host if port == 22 else f"[{host}]:{port}"
            line = f"{name} {key.export_public_key().decode().strip()}\n"
            try:
                self.known_hosts.parent.mkdir(parents=True, exist_ok=True)
                with self.known_hosts.open("ab+") as fh:
                    fh.seek(0, os.SEEK_END)
                    if fh.tell():  # a last line without its newline would swallow ours
                        fh.seek(-1, os.SEEK_END)
                        if fh.read(1) != b"\n":
                            line = "\n" + line
                    fh.write(line.encode())
            except OSError as exc:
                self.problem = (f"the host key of {host} is new, and cannot be recorded in "
                                f"{self.known_hosts}: {exc.strerror or exc}")
                return False
            return True
        asked = (" (corral does not ask, as pyinfra does for 'ask' or None)"
                 if self.policy == "ask" else "")
        self.problem = (
            f"the host key of {host} is unknown (not in {self.known_hosts}){asked}: set "
            "ssh_strict_host_key_checking='accept-new' to trust it on first use"
        )
        return False


class _Final(ConnectError):
    """A failure that trying again cannot mend (the local key file cannot be loaded)."""


#: files parsed once for every host they serve: path -> (what the file was, the parsed file)
_PARSED: dict[tuple[str, str], tuple[tuple[Any, ...], Any]] = {}

T = TypeVar("T")


def _parsed_once(kind: str, path: str, parse: Callable[[], T], *extra: Any) -> T:
    """``parse()`` of the file at ``path``, done once for all hosts and again only when the
    file changes (time stamp, size or inode, and ``extra``, such as a passphrase). A file
    changed in the last second is parsed again each time: its time stamp is too coarse to
    tell two changes in a row apart (accept-new appending for many hosts, say). Raises
    OSError when the file cannot be read."""
    st = os.stat(path)
    signature = (st.st_mtime_ns, st.st_size, st.st_ino, *extra)
    cached = _PARSED.get((kind, path))
    if cached is not None and cached[0] == signature and time.time() - st.st_mtime > 1:
        return cast(T, cached[1])
    value = parse()
    _PARSED[(kind, path)] = (signature, value)
    return value


def _load_key(path: str, passphrase: str | None) -> Sequence[asyncssh.SSHKeyPair]:
    """The private key (and its certificate, ``PATH-cert.pub``, if there is one), with
    errors naming the file: asyncssh's name neither the file nor, for a missing one, a key."""
    try:
        return _parsed_once("key", path, lambda: asyncssh.load_keypairs(path, passphrase),
                            passphrase)
    except OSError as exc:
        raise _Final(f"cannot load the SSH key {path}: {exc.strerror or exc}") from None
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise _Final(f"cannot load the SSH key {path}: {exc}") from None


def _known_hosts(path: Path) -> Any:
    """``known_hosts`` for asyncssh, parsed once (``_parsed_once``): given its path,
    asyncssh parses the whole file for each connection, which made a run cost O(hosts²)
    (a 1,000-line file takes about 7 ms)."""
    if not path.is_file():
        return b""
    try:
        return _parsed_once("known_hosts", str(path),
                            lambda: asyncssh.read_known_hosts(str(path)))
    except (OSError, ValueError):
        return str(path)  # asyncssh reports the problem as it did


async def _agent_keys() -> tuple[Any, Any]:
    """The ssh-agent (to close once connected) and its keys (``ssh_look_for_keys`` False:
    the agent's keys, not the default key files); no keys (None: no public key
    authentication) without an agent."""
    if not os.environ.get("SSH_AUTH_SOCK"):
        return None, None
    try:
        agent = await asyncssh.connect_agent()
    except (OSError, asyncssh.Error):
        return None, None
    if agent is None:
        return None, None
    try:
        keys = list(await agent.get_keys())
    except (OSError, asyncssh.Error):
        keys = []
    return agent, keys or None


def stop_script(leader: int, passwords: Sequence[str] = ()) -> str:
    """A script for ``sh`` that ends what the remote shell ``leader`` started: its process
    group and its session (sshd makes the shell a session leader; ``timeout``, for
    ``_timeout``, puts its command in a group of its own), TERM, and KILL a second later,
    from the login user, then as root through sudo: without a password (cached
    credentials, NOPASSWD), else with each of the host's sudo passwords in turn (sudo,
    relaying the signal to its own child only, would leave root's grandchildren running).
    Sent on standard input: the passwords are never on a command line. The shells'
    ``kill`` takes the group as ``-N`` (dash's rejects ``--``)."""
    def signal(name: str) -> str:
        return f"kill -{name} -{leader} 2>/dev/null; pkill -{name} -s {leader} 2>/dev/null"

    def by_root(name: str) -> str:
        words = f"sh -c {shlex.quote(signal(name) + '; true')}"
        return " || ".join([as_root(words), *(as_root(words, pw) for pw in passwords)])

    return "\n".join([
        signal("TERM"),
        f"{{ {by_root('TERM')}\n}} </dev/null >/dev/null 2>&1",
        "sleep 1",
        signal("KILL"),
        f"{{ {by_root('KILL')}\n}} </dev/null >/dev/null 2>&1",
        "true",
    ]) + "\n"


class SSHConnector(Connector):
    name = "ssh"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._early: socket.socket | None = None
        self._conn: Any = None
        self._proc: Any = None
        self._pid: int | None = None
        self._busy = False
        self._session: ShellSession | None = None

    def _settings(self) -> SSHSettings:
        try:
            return ssh_settings(self.host.data)
        except BadInput as exc:
            raise exc.with_context(host=self.host.name) from None

    def _options(self, settings: SSHSettings) -> dict[str, Any]:
        opts: dict[str, Any] = {}
        if settings.port:
            opts["port"] = settings.port
        if settings.user:
            opts["username"] = settings.user
        if settings.key:
            # as pyinfra: a key given is the key used (no agent, no default keys)
            opts["client_keys"] = [settings.key]
            opts["agent_path"] = None
        else:
            if not settings.allow_agent:
                opts["agent_path"] = None
            if not settings.look_for_keys:
                # no default key files: the agent's keys only (connect() lists them)
                opts["client_keys"] = None
        if settings.key_password is not None:
            opts["passphrase"] = reveal(settings.key_password)
        if settings.password is not None:
            opts["password"] = reveal(settings.password)
        if settings.forward_agent:
            opts["agent_forwarding"] = True
        if settings.config_file:
            opts["config"] = [settings.config_file]
        if settings.proxy_jump:
            opts["tunnel"] = settings.proxy_jump
        opts["keepalive_interval"] = settings.keepalive_interval
        opts["keepalive_count_max"] = 4
        if not _config_sets_ciphers(opts.get("config", [_default_config()])):
            # AES-GCM before asyncssh's default first choice, chacha20-poly1305, which it
            # sets up again for every packet: less CPU on the controller (and on hosts
            # with AES instructions); a Ciphers line in the SSH config is left to decide
            opts["encryption_algs"] = "^aes128-gcm@openssh.com,aes256-gcm@openssh.com"
        return opts

    async def connect(self) -> None:
        settings = self._settings()
        attempt = 0
        while True:
            try:
                await self._connect_once(settings)
                return
            except _Final:
                raise
            except ConnectError as exc:
                if attempt >= settings.retries or "host key" in str(exc):
                    raise
            attempt += 1
            # backoff from the least delay up to the most, with jitter, within them
            delay = settings.retry_min_delay * 2 ** (attempt - 1) * random.uniform(0.8, 1.2)
            await asyncio.sleep(min(settings.retry_max_delay,
                                    max(settings.retry_min_delay, delay)))

    def adopt(self, sock: socket.socket) -> None:
        self._early = sock

    async def _early_socket(self) -> socket.socket | None:
        """The socket opened when the run started, once its TCP connection is up; None
        (closed) if it failed: the connection is then made as usual, with the usual error."""
        sock, self._early = self._early, None
        if sock is None:
            return None
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        fd = sock.fileno()

        def writable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_writer(fd, writable)
        try:
            await ready
        finally:
            loop.remove_writer(fd)
            if not ready.done():  # timed out or cancelled while connecting
                sock.close()
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            return sock
        sock.close()
        return None

    def _address(self) -> str:
        """The host SSH connects to (a connector built on this one may take it from data)."""
        return self.host.target

    async def _remote_shell(self, conn: Any) -> str:
        """The command of the persistent remote shell: it prints its process id first (see
        ``_stop_remote``). A connector built on this one may first run commands on ``conn``
        and start its shell elsewhere (in a container)."""
        return "echo CORRAL_PID=$$; exec sh"

    #: where ``_stop_remote``'s script runs (the shell the remote shell's process id means)
    _stop_shell = "exec sh"

    async def _connect_once(self, settings: SSHSettings) -> None:
        known_hosts = Path(settings.known_hosts_file)
        target = self._address()
        options = self._options(settings)
        port = options.get("port", 22)
        client = _HostKeyPolicy(settings.policy, known_hosts, target, port)
        known: Any = _known_hosts(known_hosts)
        agent = None
        if "client_keys" in options and options["client_keys"] is None \
                and "agent_path" not in options:
            agent, options["client_keys"] = await _agent_keys()
        where = f"{options.get('username', '') + '@' if options.get('username') else ''}" \
                f"{target}:{port}"
        key_path = settings.key
        if key_path is not None:
            options["client_keys"] = _load_key(key_path, options.get("passphrase"))
        early = await self._early_socket()
        if early is not None:
            options["sock"] = early
        try:
            conn = await asyncssh.connect(
                target, known_hosts=known, client_factory=lambda: client, **options
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            raise ConnectError(client.problem or f"host key not verified: {exc.reason}") from None
        except asyncssh.PermissionDenied:
            keys = ("the agent's keys" if agent is not None else "no keys") \
                if "client_keys" in options and not options["client_keys"] \
                else "default keys and agent"
            how = f"key {key_path}" if key_path is not None else (
                "password" if "password" in options else keys)
            raise ConnectError(f"authentication failed for {where} (tried {how})") from None
        except asyncssh.KeyImportError as exc:
            raise ConnectError(f"cannot load the SSH key: {exc}") from None
        except asyncssh.DisconnectError as exc:
            raise ConnectError(f"{where}: disconnected: {exc.reason}") from None
        except TimeoutError:
            raise ConnectError(f"{where}: timed out") from None
        except socket.gaierror as exc:  # its errno is not an errno: EAI_NONAME is -2
            raise ConnectError(f"{where}: cannot resolve {target}: {exc.strerror}") from None
        except UnicodeError:  # raised by the IDNA codec for an empty or too long label
            raise ConnectError(f"{where}: {target!r} is not a valid host name") from None
        except OSError as exc:
            reason = os.strerror(exc.errno) if exc.errno else str(exc)
            raise ConnectError(f"{where}: {reason}") from None
        finally:
            if agent is not None:  # its keys have signed what they had to
                agent.close()
        try:
            # the shell prints its process id first: an interrupted run ends the commands
            # still running on the host through it (they share its process group)
            proc = await conn.create_process(await self._remote_shell(conn), encoding=None)
        except (asyncssh.Error, OSError) as exc:
            conn.close()
            raise ConnectError(f"{where}: cannot start a remote shell: {exc}") from None
        except BaseException:
            conn.close()
            raise
        try:
            first = await asyncio.wait_for(proc.stdout.readline(), 30)
            self._pid = int(first.decode().strip().split("=", 1)[1])
        except (TimeoutError, ValueError, IndexError, asyncssh.Error, OSError):
            conn.close()
            raise ConnectError(f"{where}: the remote shell did not start") from None
        self._conn, self._proc = conn, proc
        self._session = ShellSession(proc.stdin, proc.stdout, proc.stderr, proc.stdin.drain)

    async def _send(self, script: FramedScript, timeout: float | None) -> tuple[bytes, bytes]:
        if self._session is None:
            raise ConnectionLost("not connected")
        self._busy = True
        try:
            out, err = await self._session.send(script, timeout)
        except (asyncssh.Error, OSError, BrokenPipeError) as exc:
            self._busy = False
            raise ConnectionLost(f"the connection broke: {exc}") from None
        self._busy = False
        return out, err

    async def _stop_remote(self, conn: Any) -> None:
        """End what an interrupted or timed-out script still runs on the host: the remote
        shell's process group, through a second channel (with sudo for root's commands)."""
        if not self._pid:
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.run(self._stop_shell, input=stop_script(
                self._pid, sorted(self.sudo_passwords))), 5)

    async def close(self) -> None:
        conn, proc = self._conn, self._proc
        self._conn = self._proc = self._session = None
        if conn is None:
            return
        if self._busy:
            self._busy = False
            await self._stop_remote(conn)
        with contextlib.suppress(Exception):
            if proc is not None:
                proc.stdin.write_eof()
        conn.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(conn.wait_closed(), 5)
