"""``files.sync`` and ``files.rsync``: a local directory tree mirrored on the host.

The remote side is read with one fact (``files.Tree``: every path with its type, mode,
owner and sha256), so a sync costs one round trip to plan, whatever the size of the tree.
"""

from __future__ import annotations

import os
import posixpath
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any

from corral.facts._util.shell import shell_path
from corral.facts.files import Tree
from corral.model import keys
from corral.model.command import FileUploadCommand, StringCommand
from corral.model.context import host
from corral.model.errors import BadInput, OperationError, OperationValueError
from corral.model.operation import OpGenerator, operation

from . import _util as u
from ._base import as_list

#: paths per mkdir/chmod/chown/rm command
_CHUNK = 200


@dataclass
class LocalTree:
    """What a local directory holds, by path relative to it."""

    root_mode: int
    dirs: dict[str, int] = field(default_factory=dict)  # relative path -> mode
    files: dict[str, tuple[str, int]] = field(default_factory=dict)  # -> (local path, mode)
    links: dict[str, str] = field(default_factory=dict)  # -> link target


def _excluded(rel: str, patterns: list[str], full: str = "") -> bool:
    name = posixpath.basename(rel)
    return any(fnmatch(name, p) or fnmatch(rel, p) or (full and fnmatch(full, p))
               for p in patterns)


def walk_local(src: str, exclude: list[str], exclude_dir: list[str]) -> LocalTree:
    """The local tree at ``src``: files, directories and symbolic links (not followed)."""
    if not os.path.isdir(src):
        if os.path.exists(src):
            raise BadInput(f"local path is not a directory: {src}")
        raise u.missing(src, "local directory")
    tree = LocalTree(root_mode=u.local_mode(src))
    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        base = os.path.relpath(dirpath, src).replace(os.sep, "/")
        base = "" if base == "." else base
        for name in sorted(dirnames):
            rel = posixpath.join(base, name) if base else name
            full = os.path.join(dirpath, name)
            if _excluded(rel, exclude_dir):
                dirnames.remove(name)
            elif os.path.islink(full):
                dirnames.remove(name)
                if not _excluded(rel, exclude, full):
                    tree.links[rel] = os.readlink(full)
            else:
                tree.dirs[rel] = u.local_mode(full)
        for name in filenames:
            rel = posixpath.join(base, name) if base else name
            full = os.path.join(dirpath, name)
            if _excluded(rel, exclude, full):
                continue
            if os.path.islink(full):
                tree.links[rel] = os.readlink(full)
            elif os.path.isfile(full):
                tree.files[rel] = (full, u.local_mode(full))
    return tree


def _chunks(paths: list[str]) -> Iterator[list[str]]:
    for i in range(0, len(paths), _CHUNK):
        yield paths[i : i + _CHUNK]


def _batched(command: list[str], paths: Iterable[str]) -> Iterator[StringCommand]:
    for chunk in _chunks(sorted(paths)):
        yield StringCommand(*command, *(shell_path(p) for p in chunk))


def _owner_bits(user: str | None, group: str | None) -> list[str]:
    if user and group:
        return ["chown", shlex.quote(f"{user}:{group}")]
    if user:
        return ["chown", shlex.quote(user)]
    return ["chgrp", shlex.quote(group or "")]


def _new_dirs(paths: list[str], modes: Mapping[str, int | str], user: str | None,
              group: str | None) -> Iterator[StringCommand]:
    """mkdir, then chmod per mode and chown, for directories that do not exist yet."""
    if not paths:
        return
    yield from _batched(["mkdir", "-p"], paths)
    by_mode: dict[str, list[str]] = {}
    for p in paths:
        by_mode.setdefault(u.mode_text(modes[p]), []).append(p)
    for mode_text, group_paths in sorted(by_mode.items()):
        yield from _batched(["chmod", mode_text], group_paths)
    if user or group:
        yield from _batched(_owner_bits(user, group), paths)


def _kind_error(path: str, want: str, have: str) -> OperationError:
    return OperationError(f"{path} is a {have} on the host, not a {want}: remove it first")


def sync_commands(
    local: LocalTree,
    dest: str,
    remote: Mapping[str, Any] | None,
    user: str | None,
    group: str | None,
    mode: u.Mode,
    dir_mode: u.Mode,
    delete: bool,
    exclude: list[str],
    exclude_dir: list[str],
) -> OpGenerator:
    """What makes the host's tree at ``dest`` match ``local``."""
    have: Mapping[str, Any] = remote or {}

    def full(rel: str) -> str:
        return posixpath.join(dest, rel) if rel else dest

    def entry(rel: str) -> Any:
        return have.get(rel)

    # directories, parents first
    dir_modes: dict[str, int | str] = {"": dir_mode or mode or local.root_mode}
    for rel, local_mode in local.dirs.items():
        dir_modes[rel] = dir_mode or mode or local_mode
    missing: list[str] = []
    updates: list[StringCommand] = []
    for rel in sorted(dir_modes):
        info = entry(rel)
        if info is None or (rel == "" and remote is None):
            missing.append(rel)
        elif info["type"] != "directory":
            raise _kind_error(full(rel), "directory", info["type"])
        else:
            updates += u.metadata_commands(full(rel), info, user, group, dir_modes[rel])
    yield from _new_dirs([full(r) for r in missing],
                         {full(r): dir_modes[r] for r in missing}, user, group)
    yield from updates

    for rel, target in sorted(local.links.items()):
        info = entry(rel)
        path = full(rel)
        if info is not None and info["type"] == "directory":
            raise _kind_error(path, "link", "directory")
        if info is None or info["type"] != "link" or info["link_target"] != target:
            # a target is kept as given (relative ones stay relative): -- keeps one that
            # starts with - from being read as an option
            yield StringCommand("ln", "-sfn", "--", shlex.quote(target), shell_path(path))
            if user or group:
                yield u.chown(path, user, group, dereference=False)
        elif u.owner_differs(info, user, group):
            yield u.chown(path, user, group, dereference=False)

    for rel, (local_path, local_mode) in sorted(local.files.items()):
        info = entry(rel)
        path = full(rel)
        want_mode = mode or local_mode
        if info is not None and info["type"] == "directory":
            raise _kind_error(path, "file", "directory")
        if info is None or info["type"] != "file" or info["sha256"] != u.local_sha256(local_path):
            yield FileUploadCommand(local_path, path, mode=u.mode_text(want_mode), user=user,
                                    group=group)
        else:
            yield from u.metadata_commands(path, info, user, group, want_mode)

    if delete and remote:
        wanted = set(local.files) | set(local.links)
        extra = []
        for rel, info in have.items():
            if not rel or info["type"] == "directory" or rel in wanted:
                continue
            parents = _parents(rel)
            if _excluded(rel, exclude) or any(_excluded(p, exclude_dir) for p in parents):
                continue
            extra.append(full(rel))
        yield from _batched(["rm", "-f"], extra)


def _parents(rel: str) -> list[str]:
    parts = rel.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


@operation(changes=lambda src, dest, *_, **__: [keys.path(dest)])
def sync(
    src: str | os.PathLike[str],
    dest: str,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | None = None,
    dir_mode: int | str | None = None,
    delete: bool = False,
    exclude: str | list[str] | tuple[str, ...] | None = None,
    exclude_dir: str | list[str] | tuple[str, ...] | None = None,
    add_deploy_dir: bool = True,
) -> OpGenerator:
    """Mirror a local directory on the host: changed files uploaded, directories created.

    + src: local directory (``str`` or ``pathlib.Path``; a relative one is looked for in
      the working directory, then in the deploy file's directory, unless
      ``add_deploy_dir=False``)
    + dest: remote directory
    + user, group: owner of everything synced
    + mode: permissions of the files (default: each local file's), and of the directories
      when ``dir_mode`` is not given
    + dir_mode: permissions of the directories (default: each local directory's)
    + delete: remove remote files and links that are not in ``src`` (extra directories
      are kept, as in pyinfra)
    + exclude: ``fnmatch`` patterns of files not to sync, matched against the name and the
      path relative to ``src`` (``"*.pyc"``); excluded remote files are never deleted
    + exclude_dir: patterns of directories not to sync (name or relative path:
      ``"__pycache__"``); nothing under them is deleted either

    Files are compared by SHA-256; local symbolic links become remote links with the same
    target. The remote tree is read in one round trip.

    Example:
        files.sync(name="Upload the site", src="site/", dest="/srv/www", user="www-data",
                   delete=True, exclude=["*.pyc"], exclude_dir=[".git"])
    """
    excludes, exclude_dirs = as_list(exclude), as_list(exclude_dir)
    local = walk_local(u.local_path(src, add_deploy_dir), excludes, exclude_dirs)
    remote = host.get_fact(Tree, path=dest)
    if remote is False:
        raise OperationError(f"{dest} exists and is not a directory")
    commands = list(sync_commands(local, dest, remote, user, group, u.ensure_mode(mode),
                                  u.ensure_mode(dir_mode), delete, excludes, exclude_dirs))
    if not commands:
        host.noop(f"{dest} is already in sync with {src}")
    yield from commands


#: rsync options with nothing to do here: files.sync already copies content, modes, links
_IGNORED_SHORT = set("arlptgoDxvzhqcPiHS")
_IGNORED_LONG = {
    "--archive", "--recursive", "--links", "--perms", "--times", "--group", "--owner",
    "--devices", "--specials", "--one-file-system", "--verbose", "--compress", "--quiet",
    "--checksum", "--human-readable", "--progress", "--partial", "--itemize-changes",
    "--stats", "--hard-links", "--sparse",
}


def rsync_options(flags: list[str]) -> tuple[bool, list[str]]:
    """``(delete, exclude patterns)`` from rsync flags; BadInput on one not understood."""
    delete = False
    exclude: list[str] = []
    try:
        words = [w for flag in flags for w in shlex.split(flag)]
    except ValueError as exc:  # an unclosed quote
        raise OperationValueError(f"cannot read the rsync flags {flags!r}: {exc}") from None
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--delete"):
            delete = True
        elif word.startswith("--exclude="):
            exclude.append(word.split("=", 1)[1])
        elif word == "--exclude" and i + 1 < len(words):
            i += 1
            exclude.append(words[i])
        elif word in _IGNORED_LONG:
            pass
        elif word.startswith("-") and not word.startswith("--") and set(word[1:]) <= _IGNORED_SHORT:
            pass
        else:
            raise OperationValueError(
                f"files.rsync cannot honour the rsync flag {word!r}: it mirrors the tree with "
                "files.sync (--delete and --exclude are understood)")
        i += 1
    return delete, exclude


@operation(changes=lambda src, dest, *_, **__: [keys.path(dest)])
def rsync(src: str | os.PathLike[str], dest: str,
          flags: list[str] | None = None) -> OpGenerator:
    """Mirror a local directory on the host like ``rsync`` would (done with ``files.sync``).

    + src: local directory; with a trailing ``/`` its content goes into ``dest``, without
      it the directory itself goes into ``dest``
    + dest: remote directory
    + flags: rsync flags (default ``["-ax", "--delete"]``); ``--delete*`` and
      ``--exclude`` are honoured, flags about what ``files.sync`` does anyway (``-a``,
      ``-x``, ``-z``, ``-v``...) are accepted, others are an error

    pyinfra runs the rsync program on the controller; corral has no controller-side command,
    so the tree is uploaded over the host's connection instead (see the notes).

    Example:
        files.rsync(name="Mirror the site", src="site/", dest="/srv/www",
                    flags=["-az", "--delete", "--exclude=*.tmp"])
    """
    delete, exclude = rsync_options(["-ax", "--delete"] if flags is None else flags)
    local_src = u.local_path(src)
    if not os.fspath(src).endswith("/"):
        dest = posixpath.join(dest, os.path.basename(os.path.normpath(local_src)))
    local = walk_local(local_src, exclude, exclude)
    remote = host.get_fact(Tree, path=dest)
    if remote is False:
        raise OperationError(f"{dest} exists and is not a directory")
    commands = list(sync_commands(local, dest, remote, None, None, None, None, delete,
                                  exclude, exclude))
    if not commands:
        host.noop(f"{dest} is already in sync with {src}")
    yield from commands
