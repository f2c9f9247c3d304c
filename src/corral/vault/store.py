"""A vault file opened with a key: read, change, write back atomically.

Where the key comes from (never from a command-line argument): ``CORRAL_VAULT_IDENTITY``
(the path of an identity file), ``CORRAL_VAULT_PASSPHRASE``, or a prompt when standard
input is a terminal. The file is ``secrets.vault`` in the current directory unless
:func:`configure` (``--vault``) or ``CORRAL_VAULT_FILE`` names another.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from corral.model.errors import BadInput

from . import crypto
from .fileformat import (
    KEY_NAME,
    MAX_FILE_SIZE,
    FormatError,
    PassphraseWrap,
    RecipientWrap,
    VaultFile,
    parse,
)

DEFAULT_FILE = "secrets.vault"
ENV_FILE = "CORRAL_VAULT_FILE"
ENV_PASSPHRASE = "CORRAL_VAULT_PASSPHRASE"
ENV_NEW_PASSPHRASE = "CORRAL_VAULT_NEW_PASSPHRASE"
ENV_IDENTITY = "CORRAL_VAULT_IDENTITY"

_configured: list[str] = []


class VaultError(BadInput):
    """Bad input about a vault: one line, exit 4."""


def configure(path: str | os.PathLike[str] | None) -> None:
    """Use this vault file (the ``--vault`` option) rather than the default."""
    _configured[:] = [os.fspath(path)] if path is not None else []


def default_path() -> Path:
    if _configured:
        return Path(_configured[0])
    return Path(os.environ.get(ENV_FILE) or DEFAULT_FILE)


def can_prompt() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def prompt_secret(question: str) -> str:
    """A hidden answer typed on the terminal."""
    return getpass.getpass(question)


@dataclass
class Keys:
    """What may open a vault: an identity, a passphrase, or a way to ask for one."""

    identity: X25519PrivateKey | None = None
    identity_path: str | None = None
    passphrase: str | None = None
    ask: Callable[[str], str] | None = None

    @classmethod
    def from_environment(cls, interactive: bool | None = None) -> Keys:
        keys = cls(passphrase=os.environ.get(ENV_PASSPHRASE) or None)
        identity = os.environ.get(ENV_IDENTITY)
        if identity:
            keys.identity = load_identity(identity)
            keys.identity_path = identity
        if interactive if interactive is not None else can_prompt():
            keys.ask = prompt_secret
        return keys


def load_identity(path: str) -> X25519PrivateKey:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VaultError(f"cannot read identity {path}: {getattr(exc, 'strerror', exc)}") \
            from None
    try:
        return crypto.parse_private(text)
    except ValueError as exc:
        raise VaultError(f"{path}: not a corral vault identity ({exc})") from None


def load_public(spec: str) -> bytes:
    """A recipient: a public key file, or the ``corral-x25519-pub:...`` text itself."""
    if spec.startswith(crypto.PUBLIC_PREFIX):
        text = spec
    else:
        try:
            text = Path(spec).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise VaultError(f"cannot read public key {spec}: "
                             f"{getattr(exc, 'strerror', exc)}") from None
    try:
        return crypto.parse_public(text)
    except ValueError as exc:
        raise VaultError(f"{spec}: not a corral vault public key ({exc})") from None


def check_name(name: str) -> str:
    if not KEY_NAME.fullmatch(name):
        raise VaultError(f"invalid key name {name[:60]!r} (letters, digits, _ . -; not "
                         "starting with a digit, . or -)")
    return name


def write_atomic(path: Path, text: str) -> None:
    """``text`` replaces ``path`` whole or not at all: a mode-600 temporary file in the same
    directory, synced, renamed over it."""
    directory = path.parent
    tmp = directory / f".{path.name}.{os.urandom(6).hex()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise VaultError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    try:
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def read_file(path: Path) -> VaultFile:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_SIZE + 1)
    except FileNotFoundError:
        raise VaultError(f"no vault file {path} (create one with: corral vault init)") \
            from None
    except OSError as exc:
        raise VaultError(f"cannot read vault {path}: {exc.strerror}") from None
    if len(raw) > MAX_FILE_SIZE:
        raise VaultError(f"{path}: not a vault file (larger than 16 MiB)")
    try:
        return parse(raw.decode("ascii"))
    except UnicodeDecodeError:
        raise VaultError(f"{path}: malformed vault file: not ASCII text") from None
    except FormatError as exc:
        where = f"{path}:{exc.line}" if exc.line else str(path)
        raise VaultError(f"{where}: malformed vault file: {exc}") from None


class Vault:
    """An open vault: its values in clear, and what is needed to write it back."""

    def __init__(self, path: Path, data_key: bytes, file: VaultFile,
                 values: dict[str, str], passphrase: str | None = None) -> None:
        self.path = path
        self.values = values
        self.passphrase = passphrase  # known when it was opened (or created) with one
        self._data_key = data_key
        self._file = file
        #: name -> (clear value, stored ciphertext) as in the file: reused when unchanged
        self._stored = {n: (values[n], c) for n, c in file.entries.items() if n in values}

    # -- creating and opening --------------------------------------------------------
    @classmethod
    def create(cls, path: Path, passphrase: str | None, recipients: Iterable[bytes],
               log_n: int = crypto.DEFAULT_LOG_N) -> Vault:
        vault = cls(path, b"", VaultFile(), {})
        vault.rekey(passphrase, list(recipients), log_n)
        return vault

    @classmethod
    def open(cls, path: Path | None = None, keys: Keys | None = None) -> Vault:
        path = path or default_path()
        keys = keys or Keys.from_environment()
        vf = read_file(path)
        data_key, passphrase = _unlock(path, vf, keys)
        try:
            crypto.verify_mac(data_key, vf.authenticated(), vf.mac)
        except crypto.CryptoFailure:
            raise VaultError(f"{path}: integrity check failed: the file was changed outside "
                             "corral vault (a line altered, removed, added or moved)") from None
        values: dict[str, str] = {}
        for name, stored in vf.entries.items():
            try:
                values[name] = crypto.decrypt_value(data_key, name, stored)
            except crypto.CryptoFailure:
                raise VaultError(f"{path}: the value of {name} fails authentication "
                                 "(tampered with, or moved from another key)") from None
        return cls(path, data_key, vf, values, passphrase)

    # -- reading ---------------------------------------------------------------------
    def __getitem__(self, name: str) -> str:
        try:
            return self.values[name]
        except KeyError:
            raise VaultError(f"no key {name!r} in {self.path}") from None

    @property
    def recipients(self) -> list[str]:
        return [r.public_text for r in self._file.recipients]

    @property
    def has_passphrase(self) -> bool:
        return self._file.passphrase is not None

    @property
    def work_factor(self) -> int:
        p = self._file.passphrase
        return p.log_n if p else crypto.DEFAULT_LOG_N

    # -- changing (in memory; save() writes) -----------------------------------------
    def set(self, name: str, value: str) -> None:
        self.values[check_name(name)] = value

    def remove(self, name: str) -> None:
        if name not in self.values:
            raise VaultError(f"no key {name!r} in {self.path}")
        del self.values[name]

    def add_recipient(self, public: bytes) -> bool:
        """Wrap the data key for one more recipient; False if it already is one."""
        if any(r.public == public for r in self._file.recipients):
            return False
        self._file.recipients.append(_wrap_for(self._data_key, public))
        return True

    def rekey(self, passphrase: str | None, recipients: list[bytes],
              log_n: int | None = None) -> None:
        """A new data key, wrapped for exactly this passphrase (or none) and recipients;
        every value encrypted again."""
        if not passphrase and not recipients:
            raise VaultError("a vault needs a passphrase or at least one recipient")
        if len(set(recipients)) != len(recipients):
            raise VaultError("the same recipient twice")
        log_n = log_n or self.work_factor
        if not crypto.MIN_LOG_N <= log_n <= crypto.MAX_LOG_N:
            raise VaultError(f"work factor {log_n} outside {crypto.MIN_LOG_N}.."
                             f"{crypto.MAX_LOG_N}")
        self._data_key = crypto.new_data_key()
        wrap = None
        if passphrase:
            wrap = PassphraseWrap(log_n, *crypto.wrap_passphrase(self._data_key, passphrase,
                                                                 log_n))
        self._file = VaultFile(wrap, [_wrap_for(self._data_key, r) for r in recipients])
        self._stored = {}
        self.passphrase = passphrase

    def render(self) -> str:
        """The file's text: unchanged values keep their ciphertext (small diffs)."""
        entries: dict[str, str] = {}
        for name in sorted(self.values):
            value = self.values[name]
            known = self._stored.get(name)
            if known is not None and known[0] == value:
                entries[name] = known[1]
            else:
                entries[name] = crypto.encrypt_value(self._data_key, name, value)
        self._stored = {n: (self.values[n], c) for n, c in entries.items()}
        self._file.entries = entries
        self._file.mac = crypto.mac(self._data_key, self._file.authenticated())
        return self._file.render()

    def save(self) -> None:
        write_atomic(self.path, self.render())


def _wrap_for(data_key: bytes, public: bytes) -> RecipientWrap:
    try:
        return RecipientWrap(public, *crypto.wrap_recipient(data_key, public))
    except crypto.CryptoFailure:
        raise VaultError("unusable public key (a low-order point)") from None


def _unlock(path: Path, vf: VaultFile, keys: Keys) -> tuple[bytes, str | None]:
    """The data key, and the passphrase if that is what opened it."""
    if keys.identity is not None:
        mine = crypto.public_bytes(keys.identity.public_key())
        for r in vf.recipients:
            if r.public == mine:
                try:
                    return crypto.unwrap_recipient(keys.identity, r.ephemeral, r.wrapped), None
                except crypto.CryptoFailure:
                    raise VaultError(f"{path}: the key wrapped for identity "
                                     f"{keys.identity_path} fails authentication (tampered "
                                     "with)") from None
        if vf.passphrase is None or (keys.passphrase is None and keys.ask is None):
            raise VaultError(f"{path}: identity {keys.identity_path} is not a recipient of "
                             "this vault")
    if vf.passphrase is None:
        raise VaultError(f"{path}: this vault opens with an identity only (set "
                         f"{ENV_IDENTITY})")
    passphrase = keys.passphrase
    if passphrase is None and keys.ask is not None:
        passphrase = keys.ask(f"Passphrase for {path}: ")
    if not passphrase:
        raise VaultError(f"{path}: no key: set {ENV_PASSPHRASE} or {ENV_IDENTITY}, or run "
                         "on a terminal to be asked")
    p = vf.passphrase
    try:
        return crypto.unwrap_passphrase(passphrase, p.log_n, p.salt, p.wrapped), passphrase
    except crypto.CryptoFailure:
        raise VaultError(f"{path}: wrong passphrase (or its entry in the file was tampered "
                         "with)") from None
