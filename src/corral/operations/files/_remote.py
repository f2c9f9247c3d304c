"""``files.copy``, ``files.move``, ``files.flags`` and ``files.unarchive``: work on files
that are already on the host (or an archive uploaded to it)."""

from __future__ import annotations

import hashlib
import posixpath
import shlex
from typing import Any

from corral.facts._util.shell import shell_path
from corral.facts.files import (
    Directory,
    File,
    FileContents,
    Flags,
    Link,
    Sha256File,
    Tree,
)
from corral.model import keys
from corral.model.command import FileUploadCommand, StringCommand
from corral.model.context import host
from corral.model.errors import BadInput, OperationError, OperationValueError
from corral.model.operation import OpGenerator, operation

from . import _util as u


def _target(src: str, dest: str) -> str:
    return posixpath.join(dest, posixpath.basename(src.rstrip("/")))


def _two_paths(src: str, dest: str, *_: Any, **__: Any) -> list[keys.Key]:
    return [keys.path(src), keys.path(_target(src, dest))]


def _tree_shape(tree: Any) -> Any:
    """What copying preserves of a Tree: types, content and link targets."""
    if not isinstance(tree, dict):
        return tree
    return {rel: (e["type"], e["sha256"], e["link_target"]) for rel, e in tree.items()}


@operation(changes=lambda src, dest, *_, **__: [keys.path(_target(src, dest))])
def copy(src: str, dest: str, overwrite: bool = False) -> OpGenerator:
    """Copy a file, directory or link on the host into a directory on the host.

    + src: remote file, directory or link
    + dest: remote directory that gets ``src`` under its name
    + overwrite: replace what is already at ``dest/<name>`` when it differs from ``src``

    Nothing is done when ``dest/<name>`` already has the same content (files: SHA-256;
    directories: every path's type, SHA-256 and link target; links: the target).

    Example:
        files.copy(name="Keep the stock config", src="/etc/nginx/nginx.conf", dest="/root/orig")
    """
    target = _target(src, dest)
    src_file = host.get_fact(File, path=src)
    src_dir = host.get_fact(Directory, path=src)
    src_link = host.get_fact(Link, path=src)
    dest_dir = host.get_fact(Directory, path=dest)
    there = host.get_fact(File, path=target)
    if src_dir:
        same = there is not None and (
            _tree_shape(host.get_fact(Tree, path=src))
            == _tree_shape(host.get_fact(Tree, path=target)))
    elif src_link:
        target_link = host.get_fact(Link, path=target)
        same = bool(target_link) and target_link["link_target"] == src_link["link_target"]
    else:
        src_sum = host.get_fact(Sha256File, path=src)
        same = bool(there) and src_sum is not None and (
            host.get_fact(Sha256File, path=target) == src_sum)

    if src_file is None:
        raise OperationError(f"src {src} does not exist")
    if not (src_file or src_dir or src_link):
        raise OperationError(f"src {src} is not a file, directory or link")
    if not dest_dir:
        raise OperationError(f"dest {dest} is not an existing directory")
    if same:
        host.noop(f"{target} is already a copy of {src}")
        return
    if there is not None:
        if not overwrite:
            raise OperationError(f"{target} already exists and differs from {src} "
                                 "(overwrite=True replaces it)")
        yield StringCommand("rm", "-rf", shell_path(target))
    yield StringCommand("cp", "-R", shell_path(src), shell_path(target))


@operation(changes=_two_paths)
def move(src: str, dest: str, overwrite: bool = False) -> OpGenerator:
    """Move a file, directory or link on the host into a directory on the host.

    + src: remote path to move
    + dest: remote directory that gets ``src`` under its name
    + overwrite: replace what is already at ``dest/<name>``

    Nothing is done when ``src`` is gone and ``dest/<name>`` exists: it was moved already.

    Example:
        files.move(name="Retire the old config", src="/etc/app.conf", dest="/etc/app/old")
    """
    target = _target(src, dest)
    src_info = host.get_fact(File, path=src)
    dest_dir = host.get_fact(Directory, path=dest)
    there = host.get_fact(File, path=target)
    if src_info is None:
        if there is not None:
            host.noop(f"{src} is already moved to {target}")
            return
        raise OperationError(f"src {src} does not exist")
    if not dest_dir:
        raise OperationError(f"dest {dest} is not an existing directory")
    if there is not None:
        if not overwrite:
            raise OperationError(f"{target} already exists (overwrite=True replaces it)")
        yield StringCommand("rm", "-rf", shell_path(target))
    yield StringCommand("mv", shell_path(src), shell_path(target))


def _clear(flag: str) -> str:
    """The chflags word clearing a flag: ``uchg`` -> ``nouchg``, ``nodump`` -> ``dump``."""
    return flag[2:] if flag.startswith("no") else "no" + flag


@operation(changes=lambda path, *_, **__: [keys.path(path)])
def flags(path: str, flags: str | list[str] | None = None, present: bool = True) -> OpGenerator:
    """Set or clear BSD file flags with ``chflags`` (FreeBSD, OpenBSD, NetBSD, macOS).

    + path: remote path
    + flags: a flag or a list of them (``uchg``, ``schg``, ``hidden``, ``nodump``...)
    + present: set the flags (True) or clear them (False)

    Linux has no ``chflags``: the Flags fact is then ``[]`` and setting flags fails.

    Example:
        files.flags(name="Lock the config", path="/etc/app.conf", flags=["uchg"])
    """
    wanted = [flags] if isinstance(flags, str) else list(flags or [])
    for flag in wanted:
        if not flag.isalnum():
            raise OperationValueError(f"not a file flag: {flag!r}")
    if not wanted:
        host.noop(f"no flags asked for {path}")
        return
    current = set(host.get_fact(Flags, path=path))
    todo = sorted(set(wanted) - current) if present else sorted(set(wanted) & current)
    if not todo:
        host.noop(f"{path} already has {','.join(wanted)} {'set' if present else 'cleared'}")
        return
    words = todo if present else [_clear(f) for f in todo]
    yield StringCommand("chflags", shlex.quote(",".join(words)), shell_path(path))


_TAR = {".tar": "-x", ".tar.gz": "-xz", ".tgz": "-xz", ".tar.bz2": "-xj", ".tbz2": "-xj",
        ".tbz": "-xj", ".tar.xz": "-xJ", ".txz": "-xJ", ".tar.zst": "-x --zstd"}


def archive_kind(src: str) -> tuple[str, str]:
    """``("tar", flags)`` or ``("zip", "")`` from the archive's name; the extension kept."""
    lower = src.lower()
    for ext in sorted(_TAR, key=len, reverse=True):
        if lower.endswith(ext):
            return _TAR[ext], ext
    if lower.endswith(".zip"):
        return "zip", ".zip"
    raise OperationValueError(
        f"cannot tell the archive format of {src}: use one of "
        f"{', '.join([*_TAR, '.zip'])}")


def _local_sum(path: str) -> str:
    try:
        return u.local_sha256(path)
    except FileNotFoundError:
        raise u.missing(path, "local archive") from None
    except OSError as exc:
        raise BadInput(f"cannot read local archive {path}: {exc.strerror}") from None


def marker_path(dest: str, src: str) -> str:
    """The file in ``dest`` recording which archive was extracted there last."""
    tag = hashlib.sha256(posixpath.basename(src).encode()).hexdigest()[:12]
    return posixpath.join(dest, f".corral-unarchive-{tag}")


def _unarchive_changes(src: str, dest: str, *_: Any, **__: Any) -> list[keys.Key]:
    return [keys.path(dest)]


@operation(changes=_unarchive_changes)
def unarchive(
    src: str,
    dest: str,
    remote_src: bool = False,
    creates: str | None = None,
    extra_opts: list[str] | None = None,
    user: str | None = None,
    group: str | None = None,
) -> OpGenerator:
    """Extract a tar (plain, gz, bz2, xz, zst) or zip archive into a directory on the host.

    + src: the archive: a local path (relative to the deploy directory), uploaded first, or
      a path on the host with ``remote_src=True``
    + dest: remote directory to extract into (created when missing)
    + remote_src: ``src`` is already on the host
    + creates: a path the archive creates; when it exists nothing is done
    + extra_opts: more arguments for ``tar``/``unzip``
    + user, group: owner of ``dest`` and everything in it

    Without ``creates``, a small file in ``dest`` (``.corral-unarchive-<id>``) records the
    SHA-256 of the archive extracted there: the same archive is not extracted again, a
    changed one is.

    Example:
        files.unarchive(name="Unpack the release", src="dist/app-1.2.tar.gz",
                        dest="/opt/app", user="app")
    """
    tool, ext = archive_kind(src)
    digest = None if remote_src else _local_sum(u.local_path(src))
    local = None if remote_src else u.local_path(src)

    if creates:
        if host.get_fact(File, path=creates) is not None:
            host.noop(f"{creates} exists: the archive is extracted already")
            return
    dest_info = host.get_fact(Directory, path=dest)
    marker = marker_path(dest, src)
    recorded = None if creates else host.get_fact(FileContents, path=marker)
    if remote_src:
        digest = host.get_fact(Sha256File, path=src)
        if digest is None:
            raise OperationError(f"remote archive {src} does not exist")
    if dest_info is False:
        raise OperationError(f"{dest} exists and is not a directory")
    if recorded and recorded[0].strip() == digest:
        host.noop(f"{src} is already extracted in {dest}")
        return

    if dest_info is None:
        yield StringCommand("mkdir", "-p", shell_path(dest))
    archive = src
    if local is not None:
        assert digest is not None
        archive = f"/tmp/.corral-unarchive-{digest[:16]}{ext}"
        yield FileUploadCommand(local, archive, mode="600")
    extras = [shlex.quote(o) for o in extra_opts or []]
    if tool == "zip":
        yield StringCommand("unzip", "-o", "-q", *extras, shell_path(archive), "-d",
                            shell_path(dest))
    else:
        # extracted from inside dest, not with -C: GNU tar reads backslash escapes in -C's
        # argument (a\1 names a\001); a relative archive is found from where the shell was
        here = not archive.startswith(("/", "~/"))
        yield StringCommand("(", "__p=$PWD;" if here else None, "cd", shell_path(dest), "&&",
                            "tar", tool, *extras, "-f",
                            ('"$__p"/' + shell_path(archive)) if here else shell_path(archive), ")")
    if local is not None:
        yield StringCommand("rm", "-f", shell_path(archive))
    if not creates:
        yield StringCommand("printf", "'%s\\n'", shlex.quote(digest or ""), ">", shell_path(marker))
    if user or group:
        yield u.chown(dest, user, group, recursive=True)

