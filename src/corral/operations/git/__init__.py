"""Manage git repositories: clones kept up to date, bare repositories, worktrees, config."""

from __future__ import annotations

from typing import Any

from corral.facts.files import Directory, File
from corral.facts.git import (
    GitBranch,
    GitConfig,
    GitKnownHost,
    GitLocalCommit,
    GitRemoteBranchCommit,
    GitTag,
)
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations import files
from corral.operations.files._util import chown

from . import _util as g


def _config_changes(key: str, value: str, multi_value: bool = False,
                    repo: str | None = None, system: bool = False, **_: Any) -> list[Key]:
    if repo is not None:
        return [keys.path(repo)]
    return [keys.path("/etc/gitconfig") if system else ("git-config",)]


@operation(changes=_config_changes)
def config(key: str, value: str, multi_value: bool = False, repo: str | None = None,
           system: bool = False) -> OpGenerator:
    """Set a git config key of a repository, of the user, or of the system.

    + key: the key (``user.name``)
    + value: its value
    + multi_value: add the value to the key's others instead of replacing them
    + repo: the repository whose config to change (default: the user's, ``--global``)
    + system: without ``repo``, change the system's config (``--system``)

    Example:
        git.config(
            name="Prune on fetch in the app's clone",
            key="fetch.prune",
            value="true",
            repo="/srv/app",
        )
    """
    if not key or "." not in key or key.startswith("-"):
        raise OperationValueError(f"bad git config key {key!r}")
    current: dict[str, list[str]] = {}
    if repo is None:
        current = host.get_fact(GitConfig, system=system)
        base = StringCommand("git", "config", "--system" if system else "--global")
    else:
        if host.get_fact(Directory, path=g.join(repo, ".git")):
            current = host.get_fact(GitConfig, repo=repo)
        base = StringCommand(g.git_in(repo), "config", "--local")

    values = current.get(key, [])
    if multi_value and value not in values:
        yield StringCommand(base, "--add", QuoteString(key), QuoteString(value))
    elif not multi_value and values != [value]:
        yield StringCommand(base, QuoteString(key), QuoteString(value))
    else:
        host.noop(f"git config {key} is set to {value}")


def _dest_changes(src: str, dest: str, *_: Any, **__: Any) -> list[Key]:
    return [keys.path(dest), ("ssh-known-hosts",)]


@operation(changes=_dest_changes)
def repo(
    src: str,
    dest: str,
    branch: str | None = None,
    pull: bool = True,
    rebase: bool = False,
    user: str | None = None,
    group: str | None = None,
    ssh_keyscan: bool = False,
    update_submodules: bool = False,
    recursive_submodules: bool = False,
    depth: int | None = None,
    ssh_key: str | None = None,
    *,
    fetch_tags: bool = False,
) -> OpGenerator:
    """Clone a git repository, and keep its branch up to date with the remote.

    + src: the remote's URL
    + dest: the directory to clone into
    + branch: the branch (or tag) to check out (default: the remote's)
    + pull: pull the branch when the remote's tip differs from the local one
    + rebase: pull with ``--rebase``
    + user, group: owner of the clone's files (set after each change)
    + ssh_keyscan: add the remote's SSH host key to known_hosts first, if it is not there
    + update_submodules: ``git submodule update --init`` at every run
    + recursive_submodules: update submodules recursively
    + depth: clone only the last DEPTH commits
    + ssh_key: a private key file on the host to reach the remote with (a deploy key); it
      is kept in the clone's config (``core.sshCommand``) for later pulls
    + fetch_tags: fetch the remote's tags too before checking out another branch or tag

    A pull only happens when ``git ls-remote`` shows a tip that differs from the local
    branch's commit, so an up-to-date clone changes nothing. When ``src`` is not the
    existing clone's ``origin`` any more, ``origin`` is pointed at ``src`` and the branch
    pulled from it.

    Example:
        git.repo(
            name="Clone the app with its deploy key",
            src="git@git.example.com:team/app.git",
            dest="/srv/app",
            branch="main",
            ssh_keyscan=True,
            ssh_key="/root/.ssh/app_deploy_key",
        )
    """
    if depth is not None and depth < 1:
        raise OperationValueError(f"depth must be 1 or more, not {depth}")
    known = True
    scan_host: tuple[str, int | None] = ("", None)
    if ssh_keyscan:
        scan_host = g.ssh_host(src)
        known = host.get_fact(GitKnownHost, hostname=g.known_hosts_name(*scan_host))
    is_repo = host.get_fact(Directory, path=g.join(dest, ".git"))

    commands: list[object] = []
    if not is_repo:
        clone: list[object] = ["clone"]
        if ssh_key:
            clone += ["-c", QuoteString("core.sshCommand=" + g.ssh_command(ssh_key))]
        if depth is not None:
            clone += ["--depth", str(depth)]
        if branch:
            clone += ["--branch", QuoteString(branch)]
        # -- : a src starting with - (--upload-pack=...) is a repository, not an option
        commands.append(StringCommand(*clone, "--", QuoteString(src), "."))
    else:
        # a clone of another remote than src: origin follows src (a missing origin is
        # left alone), and what the old remote's tip said no longer tells anything
        origin = host.get_fact(GitConfig, repo=dest).get("remote.origin.url")
        moved = origin is not None and origin != [src]
        if moved:
            commands.append(StringCommand("remote set-url origin", QuoteString(src)))
        current = host.get_fact(GitBranch, repo=dest)
        is_tag = bool(branch) and branch in host.get_fact(GitTag, repo=dest)
        if branch and current != branch:
            commands += ["fetch --tags" if fetch_tags else "fetch",
                         StringCommand("checkout", QuoteString(branch))]
        wanted = branch or current
        if pull and not is_tag:
            up_to_date = False
            if wanted and not commands:
                local = host.get_fact(GitLocalCommit, repo=dest, ref=wanted)
                remote = host.get_fact(GitRemoteBranchCommit, repo=dest, branch=wanted)
                up_to_date = local is not None and local == remote
            if up_to_date:
                host.noop(f"git repository {dest} is up to date")
            else:
                commands.append("pull --rebase" if rebase else "pull")
    if update_submodules:
        commands.append("submodule update --init" + (" --recursive"
                                                     if recursive_submodules else ""))

    yield from files.directory._inner(path=dest)
    if ssh_keyscan and not known:
        yield g.keyscan(*scan_host)
    for words in commands:
        yield StringCommand(g.git_in(dest, ssh_key), words)
    if commands and (user or group):
        yield chown(dest, user, group, recursive=True)


def _path_changes(path: str, *_: Any, **__: Any) -> list[Key]:
    return [keys.path(path)]


@operation(changes=_path_changes)
def bare_repo(path: str, user: str | None = None, group: str | None = None,
              present: bool = True) -> OpGenerator:
    """Create (or remove) a bare git repository.

    + path: the repository's directory
    + user, group: owner of its files
    + present: whether it should exist

    Example:
        git.bare_repo(name="A repository to push to", path="/srv/git/app.git", user="git")
    """
    head = host.get_fact(File, path=g.join(path, "HEAD")) if present else None
    yield from files.directory._inner(path=path, present=present)
    if not present:
        return
    if not head:
        yield StringCommand("git", "init", "--bare", QuoteString(path))
        if user or group:
            yield chown(path, user, group, recursive=True)
    elif (user and head["user"] != user) or (group and head["group"] != group):
        yield chown(path, user, group, recursive=True)
    else:
        host.noop(f"bare repository {path} exists")


from ._worktree import worktree  # noqa: E402

__all__ = ["bare_repo", "config", "repo", "worktree"]
