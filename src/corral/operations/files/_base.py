"""Shared by the ``files`` operations: their decorator, and the steps that edit a file's
content on the host, each under a per-directory lock: an append, a ``sed -i``, and the
rewrite of a file edited locally (block, ini, json, yaml) that refuses to overwrite a
change it did not plan on."""

from __future__ import annotations

import hashlib
import posixpath
import shlex
from collections.abc import Iterable, Mapping
from typing import Any

from corral.facts._util.shell import shell_path
from corral.facts.files import File, FileBytes
from corral.model.command import Diff, MaskString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError
from corral.model.operation import OpGenerator

from . import _sed as sed
from . import _util as u


def read_document(path: str) -> tuple[Mapping[str, Any] | None, bytes | None]:
    """A remote file's details and exact bytes (None, None when it is missing)."""
    info = host.get_fact(File, path=path)
    data = host.get_fact(FileBytes, path=path)
    if info is False:
        raise OperationError(f"{path} exists and is not a file")
    if info is None or data is None:
        return None, None
    return info, data


def shown(data: bytes | None) -> str | None:
    """Bytes as text for a Diff (what is not UTF-8 shown as U+FFFD)."""
    return None if data is None else data.decode("utf-8", "replace")


# -- edits on the host, under a lock -------------------------------------------------------

#: seconds an edit waits for another edit of the same directory before it fails
LOCK_WAIT = 60


def _directory_word(path: str) -> str:
    parent = posixpath.dirname(path) or "."
    return "~" if parent == "~" else shell_path(parent)


def lock(path: str) -> str:
    """sh code taking the edit lock of ``path``: ``flock`` on its directory (an inode an
    edit never replaces, unlike the file's, which ``sed -i`` and an upload swap), held on
    file descriptor 9 until the command's shell ends. Every edit corral makes to a file's
    content takes it, so two runs editing one file take turns. Without ``flock`` (BSD), or
    a directory the login cannot open, the edit runs unlocked: the check of
    :func:`commit` still refuses to overwrite a change it did not plan on, in a much
    smaller window. Only for commands that run in their own shell (``exec`` keeps them
    out of the script's)."""
    d = _directory_word(path)
    waited = shlex.quote(f"corral: waited {LOCK_WAIT} s for the edit lock of "
                         f"{posixpath.dirname(path) or '.'} (another run editing it?)")
    return (f"if [ -r {d} ] && command -v flock >/dev/null 2>&1; then exec 9<{d}; "
            f"flock -w {LOCK_WAIT} 9 || {{ echo {waited} >&2; exit 1; }}; fi")


def append(path: str, word: str, backup: bool | str = False) -> StringCommand:
    """Append a line (``word``: one sh word, the line without its newline) as a line of
    its own, under the edit lock: a file whose last line has no newline gets one first.
    All or nothing: should the write fail (a full file system), the file is cut back to
    its old size, or removed when the append created it, so no partial line is left."""
    q = shell_path(path)
    suffix = u.backup_suffix_checked(backup)
    steps = [
        lock(path),
        # the last byte counted by wc -l, not read into the shell: it drops a NUL
        f"__s=0; __n=; if [ -s {q} ]; then __s=$(wc -c < {q}) || exit 1; "
        f"[ $(tail -c 1 {q} | wc -l) -eq 1 ] || __n=1; fi",
        f"if [ -e {q} ]; then __e=1; else __e=; fi",
    ]
    if suffix:
        steps.append(f'[ -z "$__e" ] || cp -p {q} {q}{suffix} || exit 1')
    # the line goes in a variable first: it is written once, and a secret one is one bit
    # that displays mask
    line = MaskString(f"__l={word}") if isinstance(word, MaskString) else f"__l={word}"
    return StringCommand(
        "; ".join(steps) + ";",
        line,
        """; { if [ -n "$__n" ]; then printf '\\n%s\\n' "$__l"; """
        """else printf '%s\\n' "$__l"; fi; }""",
        f">> {q} || {{ if [ -n \"$__e\" ]; then truncate -s $__s {q} 2>/dev/null "
        f"|| dd if=/dev/null of={q} bs=1 seek=$__s 2>/dev/null; else rm -f {q}; fi; exit 1; }}",
    )


def sed_in_place(path: str, program: sed.SedProgram, backup: bool | str, extended: bool,
                 secret: bool) -> StringCommand:
    """``sed -i`` with ``program`` under the edit lock (sed -i keeps the bytes of every
    line it does not change, and a missing final newline)."""
    command = sed.sed_command(shell_path(path), program, u.backup_suffix_checked(backup), extended,
                              secret)
    return StringCommand(lock(path) + ";", command)


def staging_path(path: str, new: bytes) -> str:
    """Where an edit's new content is uploaded before it replaces ``path``: beside it (a
    rename), under a name that depends only on the path and the content."""
    tag = hashlib.sha256(path.encode("utf-8", "surrogateescape") + b"\0" + new).hexdigest()
    return posixpath.join(posixpath.dirname(path), f".corral-edit-{tag[:16]}")


def commit(path: str, stage: str, old: bytes | None, backup: bool | str) -> StringCommand:
    """Move the uploaded ``stage`` over ``path``, under the edit lock, only if ``path``
    still holds ``old`` (is still missing for None): the new content was computed from
    ``old``, and another edit made since then would be lost. Otherwise the operation
    fails and the file is left as it is."""
    q, t = shell_path(path), shell_path(stage)
    if old is None:
        check = f"[ ! -e {q} ] && [ ! -L {q} ]"
    else:
        digest = hashlib.sha256(old).hexdigest()
        check = (f"__h=$({{ sha256sum || shasum -a 256 || sha256 -q; }} < {q} 2>/dev/null) "
                 f'&& [ "${{__h%% *}}" = {digest} ]')
    move = f"mv -f {t} {q}"
    suffix = u.backup_suffix_checked(backup)
    if suffix and old is not None:
        move = f"cp -p {q} {q}{suffix} && {move}"
    changed = shlex.quote(f"corral: {path} changed on the host since it was read "
                          "(another run editing it?): left as it is")
    return StringCommand(
        f"{lock(path)}; if {check}; then {move} || {{ rm -f {t}; exit 1; }}; "
        f"else rm -f {t}; echo {changed} >&2; exit 1; fi"
    )


def rewrite(
    path: str,
    info: Mapping[str, Any] | None,
    old: bytes | None,
    new: bytes,
    user: str | None = None,
    group: str | None = None,
    mode: u.Mode = None,
    backup: bool | str = False,
    reason: str = "",
) -> OpGenerator:
    """Replace ``path``'s content ``old`` with ``new`` when they differ; otherwise only fix
    owner and mode. The file keeps its owner and mode unless given.

    The new content is uploaded beside the file (atomic, with its owner and mode), then
    moved over it by :func:`commit`, which fails rather than lose an edit made on the host
    since ``old`` was read."""
    if old == new:
        changes: list[StringCommand] = []
        if info is not None:
            changes = u.metadata_commands(path, info, user, group, u.ensure_mode(mode))
        if not changes:
            host.noop(reason or f"{path} is already as wanted")
        yield from changes
        return
    u.backup_suffix_checked(backup)
    stage = staging_path(path, new)
    yield Diff(path, shown(old), shown(new))
    yield u.replacing_upload(new, stage, info, u.ensure_mode(mode), user, group)
    yield commit(path, stage, old, backup)


def as_list(value: str | Iterable[str] | None) -> list[str]:
    """One pattern or several, as a list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)
