"""Facts about OpenPGP keys, read with gpg: a key file, a keyring, keyrings in directories.

Every fact gives keys in pyinfra's shape: long key id -> ``validity``, ``length``,
``fingerprint``, ``uid``, ``uid_hash`` and ``subkeys`` (subkey id -> ``validity``,
``length``, ``fingerprint``). A key with several user ids gives the last one gpg lists, as
pyinfra's parser does.

Files are read with ``gpg --show-keys`` in a throw-away home directory, so that reading a
fact never creates ``~/.gnupg``, a trust database or (pyinfra's ``--keyring`` on a missing
file) an empty keyring. An empty keyring reads as ``{}`` (pyinfra: None).
"""

from __future__ import annotations

import shlex
from typing import Any
from urllib.parse import urlparse

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

GpgKeysDict = dict[str, dict[str, Any]]

#: the line GpgKeyrings prints before each keyring file's records
KEYRING_MARKER = "#corral-keyring:"

#: records of ``gpg --with-colons`` the facts skip (doc/DETAILS of GnuPG)
_OTHER_RECORDS = frozenset({"tru", "rvk", "uat", "sig", "rev", "spk", "cfg", "grp", "crt",
                            "crs", "pkd", "fp2", "rvs", "tfs", "uid", "fpr", "pub", "sub",
                            "sec", "ssb"})

#: a throw-away home for gpg (removed after), for the facts reading files
_TEMP_HOME = 'h=$(mktemp -d) || exit 1; trap \'rm -rf "$h"\' EXIT; '


def parse_keys(output: list[str], key_record: str = "pub", subkey_record: str = "sub",
               file_marker: str | None = None, first_uid: bool = False) -> GpgKeysDict:
    """``gpg --with-colons`` records as keys by long id (see the module's docstring).

    With ``file_marker``, a line ``MARKERPATH`` starts the records of the file PATH, which
    each key then names as its ``keyring``; ``first_uid`` keeps a key's first user id
    rather than its last."""
    found: GpgKeysDict = {}
    keyring: str | None = None
    key: dict[str, Any] | None = None
    last: dict[str, Any] | None = None  # the key or subkey the next fpr record belongs to
    for line in output:
        if file_marker is not None and line.startswith(file_marker):
            keyring, key, last = line[len(file_marker):], None, None
            continue
        if not line.strip():
            continue
        fields = line.split(":")
        kind = fields[0]
        if kind in (key_record, subkey_record):
            if len(fields) < 5 or not fields[4] or not fields[2].isdigit():
                raise FactParseError(f"bad gpg key record: {line!r}")
            entry: dict[str, Any] = {"validity": fields[1], "length": int(fields[2])}
            if kind == key_record:
                entry["subkeys"] = {}
                if file_marker is not None:
                    entry["keyring"] = keyring
                found[fields[4]] = key = entry
            elif key is None:
                raise FactParseError(f"subkey before any key: {line!r}")
            else:
                key["subkeys"][fields[4]] = entry
            last = entry
        elif kind == "fpr" and len(fields) > 9 and last is not None:
            last["fingerprint"] = fields[9]
            last = None  # a key's first fpr record is its own
        elif kind == "uid" and len(fields) > 9 and key is not None:
            if not (first_uid and "uid" in key):
                key["uid_hash"] = fields[7]
                key["uid"] = fields[9]
        elif kind not in _OTHER_RECORDS:
            raise FactParseError(f"not a gpg --with-colons record: {line!r}")
    return found


class _GpgFact(FactBase[GpgKeysDict]):
    abstract = True
    requires_command = "gpg"

    @staticmethod
    def default() -> GpgKeysDict:
        return {}


def _keyring_command(listing: str, keyring: str | None) -> str:
    """List the keys of the user's keyring, or of ``keyring`` (a file; a name without a
    slash is in gpg's home directory, as gpg reads it) if it exists."""
    command = f"gpg --batch --with-colons {listing}"
    if not keyring:
        return command
    word = shlex.quote(f"--keyring={keyring}")
    command = f"{command} --no-default-keyring {word}"
    if "/" not in keyring:
        return command
    # gpg creates a missing keyring file: there is nothing to read then
    return f"if [ -e {shlex.quote(keyring)} ]; then {command}; fi"


class GpgKeys(_GpgFact):
    """The public keys of the user's keyring, or of the keyring file ``keyring``
    (``gpg --list-keys --with-colons``); {} for a missing keyring file."""

    def command(self, keyring: str | None = None) -> str:
        return _keyring_command("--list-keys", keyring)

    def process(self, output: list[str]) -> GpgKeysDict:
        return parse_keys(output)

    def reads(self, keyring: str | None = None) -> frozenset[Key]:
        if keyring and keyring.startswith("/"):
            return frozenset({keys.path(keyring)})
        return frozenset()


class GpgSecretKeys(_GpgFact):
    """The secret keys of the user's keyring, or of the keyring file ``keyring``
    (``gpg --list-secret-keys --with-colons``: ``sec``/``ssb`` records)."""

    def command(self, keyring: str | None = None) -> str:
        return _keyring_command("--list-secret-keys", keyring)

    def process(self, output: list[str]) -> GpgKeysDict:
        return parse_keys(output, "sec", "ssb")

    def reads(self, keyring: str | None = None) -> frozenset[Key]:
        if keyring and keyring.startswith("/"):
            return frozenset({keys.path(keyring)})
        return frozenset()


class GpgKey(_GpgFact):
    """The keys in a key file on the host, or at a URL (fetched with wget or curl): armored
    or binary. {} for a missing file."""

    def command(self, src: str) -> str:
        show = 'gpg --homedir "$h" --batch --with-colons --show-keys'
        if urlparse(src).scheme in ("http", "https", "ftp"):
            url = shlex.quote(src)
            return (f"{_TEMP_HOME}(wget -q -O - -- {url} || curl -sSLf -- {url}) | {show}")
        return f"{_TEMP_HOME}{show} -- {shlex.quote(src)}"

    def is_absent(self, exit_code: int, stderr: str) -> bool:
        return exit_code == 2 and "No such file or directory" in stderr

    def process(self, output: list[str]) -> GpgKeysDict:
        return parse_keys(output)

    def reads(self, src: str) -> frozenset[Key]:
        return frozenset({keys.path(src)}) if src.startswith("/") else frozenset()


def _listed(directory: str) -> str:
    """A directory as find's first argument: never read as an option or expression."""
    return f"./{directory}" if directory.startswith(("-", "!", "(")) else directory


class GpgKeyrings(FactBase[dict[str, dict[str, Any]]]):
    """The keyring files under ``directories`` (recursively: ``*.gpg`` and ``*.kbx`` read
    as keyrings, ``*.asc`` as armored key files): path -> ``format`` (the extension) and
    ``keys``. A file gpg finds no record in is left out; a missing directory has none."""

    requires_command = "gpg"

    @staticmethod
    def default() -> dict[str, dict[str, Any]]:
        return {}

    def command(self, directories: str | list[str]) -> str:
        dirs = [directories] if isinstance(directories, str) else list(directories)
        words = " ".join(shlex.quote(_listed(d)) for d in dirs)
        # one sh per file: $1 the file, $2 gpg's home; a name is never parsed by a shell
        per_file = shlex.quote(
            f'printf "%s\\n" "{KEYRING_MARKER}$1"; case $1 in '
            '*.asc) gpg --homedir "$2" --batch --with-colons --show-keys -- "$1";; '
            '*) gpg --homedir "$2" --batch --with-colons --no-default-keyring '
            '--keyring="$1" --list-keys;; esac 2>/dev/null; exit 0')
        return (
            f"{_TEMP_HOME}for d in {words}; do [ -d \"$d\" ] || continue; "
            "find \"$d\" -type f \\( -name '*.gpg' -o -name '*.kbx' -o -name '*.asc' \\) "
            f'-exec sh -c {per_file} sh {{}} "$h" \\; ; done'
        )

    def process(self, output: list[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        records: dict[str, list[str]] = {}
        current: list[str] | None = None
        for line in output:
            if line.startswith(KEYRING_MARKER):
                current = records.setdefault(line[len(KEYRING_MARKER):], [])
            elif current is not None:
                current.append(line)
        for path, lines in records.items():
            if any(line.strip() for line in lines):
                found[path] = {"format": path.rsplit(".", 1)[-1].lower(),
                               "keys": parse_keys(lines)}
        return found

    def reads(self, directories: str | list[str]) -> frozenset[Key]:
        dirs = [directories] if isinstance(directories, str) else directories
        return frozenset(keys.path(d) for d in dirs if d.startswith("/"))
