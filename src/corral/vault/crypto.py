"""The vault's cryptography: compositions of primitives from ``cryptography``, nothing
home-made (docs/vault.md, "File format").

* a random 32-byte *data key* per vault file;
* HKDF-SHA256 derives from it a value key and a MAC key;
* each value: ChaCha20-Poly1305, random 96-bit nonce, the key name as associated data;
* the whole file (every line but the MAC line): HMAC-SHA256 with the MAC key;
* the data key wrapped for a passphrase: scrypt (N = 2**log_n, r=8, p=1) gives a key
  that seals it with ChaCha20-Poly1305 (random nonce; the scrypt parameters and salt as
  associated data);
* the data key wrapped for an X25519 recipient: an ephemeral key pair, the shared secret
  through HKDF-SHA256 (salt: ephemeral and recipient public keys) seals it with
  ChaCha20-Poly1305 (the key is used once, so the nonce is zero), as age does.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

KEY_SIZE = 32
NONCE_SIZE = 12
SALT_SIZE = 16
TAG_SIZE = 16
#: scrypt work factors (log2 of N) accepted: below is too weak, above needs gigabytes
MIN_LOG_N = 14
MAX_LOG_N = 20
DEFAULT_LOG_N = 17

_CONTEXT = b"corral-vault v1 "
PUBLIC_PREFIX = "corral-x25519-pub:"
PRIVATE_PREFIX = "corral-x25519-key:"


class CryptoFailure(Exception):
    """Authentication failed: wrong key, or the data was changed."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, size: int | None = None, minimum: int = 0) -> bytes:
    """Strict base64; ``ValueError`` if malformed or of the wrong length."""
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError(f"not base64: {text[:20]!r}") from None
    if b64(data) != text:  # one text per byte string: the MAC covers the text
        raise ValueError("non-canonical base64")
    if size is not None and len(data) != size:
        raise ValueError(f"expected {size} bytes, got {len(data)}")
    if len(data) < minimum:
        raise ValueError(f"expected at least {minimum} bytes, got {len(data)}")
    return data


def new_data_key() -> bytes:
    return os.urandom(KEY_SIZE)


def _hkdf(secret: bytes, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt,
                info=_CONTEXT + info).derive(secret)


# -- values ------------------------------------------------------------------------------
def _value_ad(name: str) -> bytes:
    return _CONTEXT + b"value\0" + name.encode("utf-8")


def encrypt_value(data_key: bytes, name: str, value: str) -> str:
    nonce = os.urandom(NONCE_SIZE)
    sealed = ChaCha20Poly1305(_hkdf(data_key, b"values")).encrypt(
        nonce, value.encode("utf-8"), _value_ad(name))
    return b64(nonce + sealed)


def decrypt_value(data_key: bytes, name: str, stored: str) -> str:
    raw = unb64(stored, minimum=NONCE_SIZE + TAG_SIZE)
    try:
        plain = ChaCha20Poly1305(_hkdf(data_key, b"values")).decrypt(
            raw[:NONCE_SIZE], raw[NONCE_SIZE:], _value_ad(name))
        return plain.decode("utf-8")
    except (InvalidTag, UnicodeDecodeError):
        raise CryptoFailure(name) from None


# -- the whole file ----------------------------------------------------------------------
def mac(data_key: bytes, authenticated: bytes) -> str:
    h = hmac.HMAC(_hkdf(data_key, b"mac"), hashes.SHA256())
    h.update(_CONTEXT + b"mac\n" + authenticated)
    return b64(h.finalize())


def verify_mac(data_key: bytes, authenticated: bytes, stored: str) -> None:
    try:
        expected = unb64(stored, size=32)
    except ValueError:
        raise CryptoFailure("mac") from None
    h = hmac.HMAC(_hkdf(data_key, b"mac"), hashes.SHA256())
    h.update(_CONTEXT + b"mac\n" + authenticated)
    try:
        h.verify(expected)
    except InvalidSignature:
        raise CryptoFailure("mac") from None


# -- passphrase wrap ---------------------------------------------------------------------
def _passphrase_kek(passphrase: str, log_n: int, salt: bytes) -> bytes:
    return Scrypt(salt=salt, length=KEY_SIZE, n=2 ** log_n, r=8, p=1).derive(
        passphrase.encode("utf-8"))


def _passphrase_ad(log_n: int, salt: bytes) -> bytes:
    return _CONTEXT + f"passphrase scrypt {log_n} ".encode() + salt


def wrap_passphrase(data_key: bytes, passphrase: str, log_n: int) -> tuple[bytes, bytes]:
    """(salt, nonce + sealed data key)."""
    salt = os.urandom(SALT_SIZE)
    nonce = os.urandom(NONCE_SIZE)
    sealed = ChaCha20Poly1305(_passphrase_kek(passphrase, log_n, salt)).encrypt(
        nonce, data_key, _passphrase_ad(log_n, salt))
    return salt, nonce + sealed


def unwrap_passphrase(passphrase: str, log_n: int, salt: bytes, wrapped: bytes) -> bytes:
    try:
        return ChaCha20Poly1305(_passphrase_kek(passphrase, log_n, salt)).decrypt(
            wrapped[:NONCE_SIZE], wrapped[NONCE_SIZE:], _passphrase_ad(log_n, salt))
    except InvalidTag:
        raise CryptoFailure("passphrase") from None


# -- X25519 recipients -------------------------------------------------------------------
def public_bytes(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def private_bytes(key: X25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                             serialization.NoEncryption())


def _recipient_kek(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    if shared == bytes(len(shared)):
        raise CryptoFailure("x25519")  # a low-order point: no secret agreed
    return _hkdf(shared, b"x25519", salt=ephemeral + recipient)


_ZERO_NONCE = bytes(NONCE_SIZE)


def wrap_recipient(data_key: bytes, recipient: bytes) -> tuple[bytes, bytes]:
    """(ephemeral public key, sealed data key) for the recipient's raw public key."""
    ephemeral = X25519PrivateKey.generate()
    eph_pub = public_bytes(ephemeral.public_key())
    try:
        shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    except ValueError:
        raise CryptoFailure("x25519") from None
    kek = _recipient_kek(shared, eph_pub, recipient)
    return eph_pub, ChaCha20Poly1305(kek).encrypt(_ZERO_NONCE, data_key, _CONTEXT + b"x25519")


def unwrap_recipient(identity: X25519PrivateKey, ephemeral: bytes, wrapped: bytes) -> bytes:
    recipient = public_bytes(identity.public_key())
    try:
        shared = identity.exchange(X25519PublicKey.from_public_bytes(ephemeral))
        kek = _recipient_kek(shared, ephemeral, recipient)
        return ChaCha20Poly1305(kek).decrypt(_ZERO_NONCE, wrapped, _CONTEXT + b"x25519")
    except (ValueError, InvalidTag):
        raise CryptoFailure("x25519") from None


def generate_identity() -> tuple[str, str]:
    """A new identity: (private key text, public key text)."""
    key = X25519PrivateKey.generate()
    return (PRIVATE_PREFIX + b64(private_bytes(key)),
            PUBLIC_PREFIX + b64(public_bytes(key.public_key())))


def parse_private(text: str) -> X25519PrivateKey:
    """An identity file's text: its ``corral-x25519-key:`` line (``#`` lines are comments)."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(PRIVATE_PREFIX):
            raw = unb64(line[len(PRIVATE_PREFIX):], size=KEY_SIZE)
            return X25519PrivateKey.from_private_bytes(raw)
    raise ValueError(f"no {PRIVATE_PREFIX} line")


def parse_public(text: str) -> bytes:
    """A public key file's text (or the key itself): the raw 32-byte key."""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith(PUBLIC_PREFIX):
            return unb64((line[len(PUBLIC_PREFIX):].split() or [""])[0], size=KEY_SIZE)
    raise ValueError(f"no {PUBLIC_PREFIX} line")
