"""Manage OpenPGP keys and keyring files with gpg."""

from __future__ import annotations

import posixpath
from typing import Any

from corral.facts._util.shell import shell_path as qpath
from corral.facts.files import File
from corral.facts.gpg import GpgKey, GpgKeyrings, GpgKeysDict
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.operation import OpGenerator, operation

from ._util.packages import as_list, download, download_path, is_url
from .apt._repo import clean_keyid, fetch_keys, key_matches
from .files._util import chmod, ensure_mode, mode_differs

#: gpg run with a throw-away home directory (removed after, keeping gpg's exit code): a
#: keyring file is edited without touching the user's ~/.gnupg
_IN_TEMP_HOME = ('h=$(mktemp -d) && { gpg --homedir "$h" --batch --yes', '; r=$?; rm -rf "$h"; '
                 '[ $r -eq 0 ]; }')


def _path(path: str, what: str, listed: bool = False) -> str:
    """A path checked and normalised; ``listed``: one GpgKeyrings lists (by name, one per
    line: a line break in it cannot be read back)."""
    if not path or "\0" in path or (listed and "\n" in path):
        raise OperationValueError(f"bad {what} {path!r}")
    path = posixpath.normpath(path)
    # a relative path starting with a dash: the same file, never read as an option
    return f"./{path}" if path.startswith("-") else path


def _keyring_word(path: str) -> QuoteString:
    """``--keyring=PATH``: gpg takes a name without a slash as a file in its home."""
    return QuoteString("--keyring=" + (path if "/" in path else f"./{path}"))


def _fingerprints(keys: GpgKeysDict) -> set[str]:
    return {info.get("fingerprint", key_id) for key_id, info in keys.items()}


def _install_file(src: str, dest: str, dearmor: bool, mode: int | str) -> StringCommand:
    """Put the keys of ``src`` at ``dest``: de-armored when armored (and ``dearmor``),
    else copied; written next to ``dest`` first, so a failure leaves ``dest`` as it was."""
    s, part = qpath(src), QuoteString(dest + ".part")
    copy = StringCommand("cp --", s, part)
    if dearmor:
        copy = StringCommand(
            "if grep -q 'BEGIN PGP PUBLIC KEY BLOCK' --", s, "; then gpg --batch --yes "
            "--dearmor -o", part, "--", s, "; else", copy, "; fi")
    return StringCommand("{", copy, "&& chmod", str(mode), part, "&& mv -f", part,
                         QuoteString(dest), "; } || { rm -f", part, "; false; }")


def _remove_keys(ids: list[str], keyrings: dict[str, dict[str, Any]]) -> OpGenerator:
    """Remove the keys ``ids`` names from each keyring file holding one: the file goes when
    no other key is left in it; an armored file holding other keys is refused (it cannot
    be edited in place)."""
    removed = False
    for path, ring in sorted(keyrings.items()):
        keys: GpgKeysDict = ring.get("keys", {})
        matching = sorted(info.get("fingerprint", key_id) for key_id, info in keys.items()
                          if any(key_matches(w, key_id, info) for w in ids))
        if not matching:
            continue
        removed = True
        if len(matching) == len(keys):
            yield StringCommand("rm -f", qpath(path))
        elif ring.get("format") == "asc":
            raise OperationError(
                f"cannot remove only some keys from the armored key file {path}: it holds "
                "other keys; remove the whole file (dest, present=False, no keyid)")
        else:
            # gpg keeps the keyring as it was in PATH~: not wanted next to a keyring
            yield StringCommand(_IN_TEMP_HOME[0], "--no-default-keyring", _keyring_word(path),
                                "--delete-keys", *(QuoteString(f) for f in matching),
                                _IN_TEMP_HOME[1], "&& rm -f", qpath(path + "~"))
    if not removed:
        host.noop(f"no keyring holds {', '.join(ids)}")


def _has_keys(dest: str, ids: list[str]) -> bool:
    ring = host.get_fact(GpgKeyrings, directories=[posixpath.dirname(dest) or "."]).get(dest)
    keys: GpgKeysDict = ring["keys"] if ring else {}
    return all(any(key_matches(w, key_id, info) for key_id, info in keys.items())
               for w in ids)


@operation()
def key(
    src: str | None = None,
    dest: str | None = None,
    keyserver: str | None = None,
    keyid: str | list[str] | None = None,
    dearmor: bool = True,
    mode: str = "0644",
    present: bool = True,
    working_dirs: list[str] | None = None,
) -> OpGenerator:
    """Install or remove OpenPGP keys as keyring files.

    + src: a key file on the host or an http(s) URL (armored ``.asc`` or binary ``.gpg``)
    + dest: the keyring file (needed to install; to remove, the file to remove or to
      remove ``keyid`` from)
    + keyserver: a keyserver to fetch ``keyid`` from (``hkps://keyserver.ubuntu.com``)
    + keyid: a key id (8 or 16 hex digits) or fingerprint, or a list of them: to fetch,
      to look for in ``dest``, or to remove
    + dearmor: convert an armored key to the binary format (apt's ``signed-by=`` wants it)
    + mode: the keyring file's permissions
    + present: whether the keys should be there
    + working_dirs: directories whose keyring files (``*.gpg``, ``*.kbx``, ``*.asc``)
      ``keyid`` is removed from, when removing without ``dest``

    Installed: with ``keyid``, when ``dest`` holds every key it names; from a key file,
    when ``dest`` holds the same keys as the file (a changed file is installed again);
    from a URL, when ``dest`` exists. Removing ``keyid`` deletes the keys from each
    keyring holding them, and the file when no other key is left in it.

    Example:
        gpg.key(
            name="Install Docker's key",
            src="https://download.docker.com/linux/debian/gpg",
            dest="/etc/apt/keyrings/docker.gpg",
        )
    """
    want_mode = ensure_mode(mode)
    if want_mode is None:
        raise OperationValueError("mode is needed")
    ids = [clean_keyid(k) for k in as_list(keyid)]
    if not present:
        if dest is None and not (ids and working_dirs):
            raise OperationValueError("to remove, give dest, or keyid and working_dirs")
        if dest is not None and not ids:
            path = _path(dest, "dest")
            if host.get_fact(File, path=path) is None:
                host.noop(f"{path} does not exist")
            else:
                yield StringCommand("rm -f", qpath(path))
            return
        if dest is not None:
            path = _path(dest, "dest", listed=True)
            found = host.get_fact(GpgKeyrings, directories=[posixpath.dirname(path) or "."])
            yield from _remove_keys(ids, {p: r for p, r in found.items() if p == path})
            return
        dirs = [_path(d, "working_dirs entry", listed=True) for d in working_dirs or []]
        yield from _remove_keys(ids, host.get_fact(GpgKeyrings, directories=dirs))
        return

    if not src and not keyserver:
        raise OperationValueError("give src or keyserver (with keyid) to install a key")
    if keyserver and not ids:
        raise OperationValueError("keyid is needed with keyserver")
    if dest is None:
        raise OperationValueError("dest is needed to install a key")
    path = _path(dest, "dest", listed=bool(ids))
    if src is not None:
        src = src if is_url(src) else _path(src, "src")

    info = host.get_fact(File, path=path)
    if info is False:
        raise OperationError(f"{path} exists and is not a file")
    if info:
        if ids:
            there = _has_keys(path, ids)
        elif src and not is_url(src):
            wanted = host.get_fact(GpgKey, src=src)
            there = bool(wanted) and _fingerprints(wanted) == _fingerprints(
                host.get_fact(GpgKey, src=path))
        else:  # a URL: the file is taken as the key, as pyinfra does (no download to compare)
            there = True
        if there:
            if mode_differs(info["mode"], want_mode):
                yield chmod(path, want_mode)
            else:
                host.noop(f"{path} holds the key(s)")
            return

    yield StringCommand("mkdir -p --", QuoteString(posixpath.dirname(path) or "."))
    if src and is_url(src):
        downloaded = download_path(src)
        yield download(src, downloaded)
        yield _install_file(downloaded, path, dearmor, want_mode)
        yield StringCommand("rm -f", QuoteString(downloaded))
    elif src:
        yield _install_file(src, path, dearmor, want_mode)
    if keyserver:
        yield fetch_keys(keyserver, ids, path)
        yield chmod(path, want_mode)


@operation()
def dearmor(src: str, dest: str, mode: str = "0644") -> OpGenerator:
    """Convert an armored key file to gpg's binary format.

    + src: the armored key file on the host
    + dest: the binary key file to write
    + mode: its permissions

    Done when ``dest`` holds the same keys as ``src`` (then only its mode is set).

    Example:
        gpg.dearmor(src="/tmp/key.asc", dest="/etc/apt/keyrings/key.gpg")
    """
    want_mode = ensure_mode(mode)
    if want_mode is None:
        raise OperationValueError("mode is needed")
    source, path = _path(src, "src"), _path(dest, "dest")
    info = host.get_fact(File, path=path)
    if info is False:
        raise OperationError(f"{path} exists and is not a file")
    if info:
        wanted = host.get_fact(GpgKey, src=source)
        if wanted and _fingerprints(wanted) == _fingerprints(host.get_fact(GpgKey, src=path)):
            if mode_differs(info["mode"], want_mode):
                yield chmod(path, want_mode)
            else:
                host.noop(f"{path} holds the keys of {source}")
            return
    part = QuoteString(path + ".part")
    yield StringCommand("mkdir -p --", QuoteString(posixpath.dirname(path) or "."))
    yield StringCommand("{ gpg --batch --yes --dearmor -o", part, "--", qpath(source),
                        "&& chmod", str(want_mode), part, "&& mv -f", part, QuoteString(path),
                        "; } || { rm -f", part, "; false; }")
