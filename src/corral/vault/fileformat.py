"""The vault file's text form (docs/vault.md, "File format"): parsed strictly, written
canonically. Nothing here holds a key; :mod:`corral.vault.store` does the cryptography.

    # corral-vault v1: encrypted with `corral vault` (docs/vault.md); do not edit by hand
    $passphrase: scrypt LOG_N SALT WRAPPED
    $recipient: x25519 PUBLIC EPHEMERAL WRAPPED
    $mac: MAC
    KEY: NONCE_AND_CIPHERTEXT

Every line but the ``$mac`` line is authenticated byte for byte, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import crypto

BANNER = ("# corral-vault v1: encrypted with `corral vault` (docs/vault.md); "
          "do not edit by hand")
_BANNER_PREFIX = "# corral-vault "
KEY_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,127}")
MAX_FILE_SIZE = 16 * 1024 * 1024


class FormatError(ValueError):
    """The text is not a vault file; ``line`` is 1-based, 0 for the whole file."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class PassphraseWrap:
    log_n: int
    salt: bytes
    wrapped: bytes

    def line(self) -> str:
        return (f"$passphrase: scrypt {self.log_n} {crypto.b64(self.salt)} "
                f"{crypto.b64(self.wrapped)}")


@dataclass(frozen=True)
class RecipientWrap:
    public: bytes
    ephemeral: bytes
    wrapped: bytes

    def line(self) -> str:
        return (f"$recipient: x25519 {crypto.b64(self.public)} {crypto.b64(self.ephemeral)} "
                f"{crypto.b64(self.wrapped)}")

    @property
    def public_text(self) -> str:
        return crypto.PUBLIC_PREFIX + crypto.b64(self.public)


@dataclass
class VaultFile:
    passphrase: PassphraseWrap | None = None
    recipients: list[RecipientWrap] = field(default_factory=list)
    #: key name -> stored (encrypted) value, in file order
    entries: dict[str, str] = field(default_factory=dict)
    mac: str = ""

    def authenticated(self) -> bytes:
        """The bytes the MAC covers: every line but the MAC line, each ending in a newline."""
        lines = [BANNER]
        if self.passphrase:
            lines.append(self.passphrase.line())
        lines += [r.line() for r in self.recipients]
        lines += [f"{name}: {value}" for name, value in self.entries.items()]
        return "".join(line + "\n" for line in lines).encode("ascii")

    def render(self) -> str:
        lines = [BANNER]
        if self.passphrase:
            lines.append(self.passphrase.line())
        lines += [r.line() for r in self.recipients]
        lines.append(f"$mac: {self.mac}")
        lines += [f"{name}: {value}" for name, value in self.entries.items()]
        return "".join(line + "\n" for line in lines)


def _fields(rest: str, count: int, n: int) -> list[str]:
    words = rest.split(" ")
    if len(words) != count or not all(words):
        raise FormatError(f"expected {count} fields separated by single spaces", n)
    return words


def _b64(text: str, n: int, what: str, size: int | None = None, minimum: int = 0) -> bytes:
    try:
        return crypto.unb64(text, size=size, minimum=minimum)
    except ValueError as exc:
        raise FormatError(f"{what}: {exc}", n) from None


def parse(text: str) -> VaultFile:
    """The file's structure; :class:`FormatError` if it is not exactly a vault file.
    Canonical: :meth:`VaultFile.authenticated` gives back exactly the lines read."""
    text = text.replace("\r\n", "\n")
    if not text.startswith(_BANNER_PREFIX):
        raise FormatError("not a corral vault file (no '# corral-vault' first line)", 1)
    if not text.endswith("\n"):
        raise FormatError("truncated: no newline at the end")
    lines = text[:-1].split("\n")
    if lines[0] != BANNER:
        if not lines[0].startswith(_BANNER_PREFIX + "v1:"):
            version = lines[0][len(_BANNER_PREFIX):].split(":")[0][:20]
            raise FormatError(f"unsupported vault format {version!r} (this corral reads v1)", 1)
        raise FormatError("the first line was changed", 1)
    vf = VaultFile()
    seen_mac = False
    for n, line in enumerate(lines[1:], start=2):
        tag, sep, rest = line.partition(": ")
        if not sep:
            raise FormatError("expected 'NAME: VALUE'", n)
        if tag.startswith("$") and vf.entries:
            raise FormatError(f"{tag} after the first key", n)
        if tag == "$passphrase":
            if vf.passphrase or vf.recipients or seen_mac:
                raise FormatError("$passphrase must come once, first", n)
            kind, log_n, salt, wrapped = _fields(rest, 4, n)
            if kind != "scrypt" or not log_n.isdigit():
                raise FormatError("expected '$passphrase: scrypt LOG_N SALT WRAPPED'", n)
            if not crypto.MIN_LOG_N <= int(log_n) <= crypto.MAX_LOG_N:
                raise FormatError(f"scrypt work factor {log_n} outside "
                                  f"{crypto.MIN_LOG_N}..{crypto.MAX_LOG_N}", n)
            vf.passphrase = PassphraseWrap(
                int(log_n), _b64(salt, n, "salt", size=crypto.SALT_SIZE),
                _b64(wrapped, n, "wrapped key", size=crypto.NONCE_SIZE + crypto.KEY_SIZE
                     + crypto.TAG_SIZE))
        elif tag == "$recipient":
            if seen_mac:
                raise FormatError("$recipient after $mac", n)
            kind, public, ephemeral, wrapped = _fields(rest, 4, n)
            if kind != "x25519":
                raise FormatError(f"unknown recipient type {kind!r}", n)
            wrap = RecipientWrap(
                _b64(public, n, "public key", size=crypto.KEY_SIZE),
                _b64(ephemeral, n, "ephemeral key", size=crypto.KEY_SIZE),
                _b64(wrapped, n, "wrapped key", size=crypto.KEY_SIZE + crypto.TAG_SIZE))
            if any(r.public == wrap.public for r in vf.recipients):
                raise FormatError("the same recipient twice", n)
            vf.recipients.append(wrap)
        elif tag == "$mac":
            if seen_mac:
                raise FormatError("$mac twice", n)
            seen_mac = True
            vf.mac = _fields(rest, 1, n)[0]
        elif tag.startswith("$"):
            raise FormatError(f"unknown header {tag}", n)
        else:
            if not seen_mac:
                raise FormatError("a key before $mac", n)
            if not KEY_NAME.fullmatch(tag):
                raise FormatError(f"invalid key name {tag[:40]!r}", n)
            if tag in vf.entries:
                raise FormatError(f"key {tag} twice", n)
            value = _fields(rest, 1, n)[0]
            _b64(value, n, f"value of {tag}", minimum=crypto.NONCE_SIZE + crypto.TAG_SIZE)
            vf.entries[tag] = value
    if not seen_mac:
        raise FormatError("no $mac line")
    if not vf.passphrase and not vf.recipients:
        raise FormatError("no $passphrase and no $recipient: nobody can open it")
    return vf
