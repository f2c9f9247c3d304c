"""git.worktree, in a module of its own to keep git.py short."""

from __future__ import annotations

from typing import Any

from corral.facts.files import Directory
from corral.facts.git import GitLocalCommit, GitRemoteBranchCommit, GitTrackingBranch
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations.files._util import chown

from . import _util as g


def _changes(worktree: str, repo: str | None = None, *_: Any, **__: Any) -> list[Key]:
    return [keys.path(worktree), *([keys.path(repo)] if repo else [])]


@operation(changes=_changes, name="git.worktree")
def worktree(
    worktree: str,
    repo: str | None = None,
    detached: bool = False,
    new_branch: str | None = None,
    commitish: str | None = None,
    pull: bool = True,
    rebase: bool = False,
    from_remote_branch: tuple[str, str] | list[str] | None = None,
    present: bool = True,
    assume_repo_exists: bool = False,
    force: bool = False,
    user: str | None = None,
    group: str | None = None,
) -> OpGenerator:
    """Add, update or remove a git worktree.

    + worktree: the worktree's directory
    + repo: the main repository (needed to add a worktree)
    + detached: check out a detached HEAD
    + new_branch: create this branch for the worktree
    + commitish: the commit, branch or tag to start from
    + pull: pull an existing worktree that tracks a remote branch (or ``from_remote_branch``)
      when the remote's tip differs
    + rebase: pull with ``--rebase``
    + from_remote_branch: ``(remote, branch)`` to pull from
    + present: whether the worktree should exist
    + assume_repo_exists: do not check that ``repo`` is a repository
    + force: ``--force`` when adding or removing
    + user, group: owner of a new worktree's files

    Example:
        git.worktree(
            name="A worktree for the hotfix branch",
            repo="/srv/app",
            worktree="/srv/app-hotfix",
            new_branch="hotfix",
            commitish="v1.2",
        )
    """
    if from_remote_branch is not None and len(from_remote_branch) != 2:
        raise OperationValueError("from_remote_branch is a (remote, branch) pair")
    if from_remote_branch is not None and any(
            not str(word) or str(word).startswith("-") for word in from_remote_branch):
        # git pull hands the remote to git fetch as an option even after --: a remote
        # --upload-pack=CMD runs CMD
        raise OperationValueError(f"bad from_remote_branch {tuple(from_remote_branch)!r}")
    exists = host.get_fact(Directory, path=worktree)
    if not exists and present:
        if repo is None:
            raise OperationValueError("repo is needed to add a worktree")
        if not assume_repo_exists and not host.get_fact(Directory, path=g.join(repo, ".git")):
            raise OperationError(f"{repo} is not a git repository")
        words: list[object] = ["worktree", "add"]
        if new_branch:
            words += ["-b", QuoteString(new_branch)]
        elif detached:
            words.append("--detach")
        if force:
            words.append("--force")
        # -- : neither the path nor the commit is read as an option
        words += ["--", QuoteString(worktree)]
        if commitish:
            words.append(QuoteString(commitish))
        yield StringCommand(g.git_in(repo), *words)
        if user or group:
            yield chown(worktree, user, group, recursive=True)
        return
    if exists and not present:
        yield StringCommand(g.git_in(worktree), "worktree", "remove", ".",
                            "--force" if force else None)
        return
    if not exists:
        host.noop(f"worktree {worktree} does not exist")
        return
    if not pull:
        host.noop("pull is disabled")
        return
    tracking = host.get_fact(GitTrackingBranch, repo=worktree)
    if from_remote_branch:
        remote, branch = str(from_remote_branch[0]), str(from_remote_branch[1])
    elif tracking and "/" in tracking:
        remote, branch = tracking.split("/", 1)
    else:
        host.noop(f"worktree {worktree} tracks no remote branch")
        return
    local = host.get_fact(GitLocalCommit, repo=worktree)
    tip = host.get_fact(GitRemoteBranchCommit, repo=worktree, remote=remote, branch=branch)
    if local is not None and local == tip:
        host.noop(f"worktree {worktree} is up to date")
        return
    yield StringCommand(
        g.git_in(worktree), "pull", "--rebase" if rebase else None,
        *(("--", QuoteString(remote), QuoteString(branch)) if from_remote_branch else ()),
    )
