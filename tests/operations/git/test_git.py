"""git.repo, git.config, git.bare_repo and git.worktree as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import Directory, File
from corral.facts.git import (
    GitBranch,
    GitConfig,
    GitKnownHost,
    GitLocalCommit,
    GitRemoteBranchCommit,
    GitTag,
    GitTrackingBranch,
)
from corral.model.errors import OperationError, OperationValueError
from corral.operations import git
from corral.testing.optest import fact, plan

D = {"user": "root", "group": "root", "mode": 755}
A, B = "a" * 40, "b" * 40
G = "cd /srv/app && git -c safe.directory='*'"


def repo_facts(exists: bool, branch: str = "main", local: str = A, remote: str | None = A,
               tags: list[str] | None = None,
               origin: str | None = "file:///srv/remote.git") -> dict[Any, Any]:
    table: dict[Any, Any] = {
        fact(Directory, path="/srv/app/.git"): D if exists else None,
        fact(Directory, path="/srv/app"): D if exists else None,
    }
    if exists:
        table.update({
            fact(GitBranch, repo="/srv/app"): branch,
            fact(GitTag, repo="/srv/app"): tags or [],
            fact(GitLocalCommit, repo="/srv/app", ref=branch): local,
            fact(GitRemoteBranchCommit, repo="/srv/app", branch=branch): remote,
            fact(GitConfig, repo="/srv/app"): {} if origin is None else {
                "remote.origin.url": [origin]},
        })
    return table


SRC = "file:///srv/remote.git"
REPO_CASES = [
    ({}, repo_facts(True), []),
    ({}, repo_facts(False), ["mkdir -p /srv/app", f"{G} clone -- {SRC} ."]),
    ({"branch": "dev", "depth": 1}, repo_facts(False),
     ["mkdir -p /srv/app", f"{G} clone --depth 1 --branch dev -- {SRC} ."]),
    ({}, repo_facts(True, remote=B), [f"{G} pull"]),
    ({"rebase": True}, repo_facts(True, remote=B), [f"{G} pull --rebase"]),
    ({}, repo_facts(True, remote=None), [f"{G} pull"]),
    ({"pull": False}, repo_facts(True, remote=B), []),
    ({"branch": "dev"}, repo_facts(True), [f"{G} fetch", f"{G} checkout dev", f"{G} pull"]),
    ({"branch": "v1"}, repo_facts(True, branch="v1", tags=["v1"]), []),
    ({"branch": "v2", "fetch_tags": True}, repo_facts(True, tags=["v2"]),
     [f"{G} fetch --tags", f"{G} checkout v2"]),
    # src moved: origin follows it and the branch is pulled from it, tips equal or not
    ({}, repo_facts(True, origin="file:///srv/old.git"),
     [f"{G} remote set-url origin {SRC}", f"{G} pull"]),
    ({}, repo_facts(True, origin=None), []),  # no origin: left alone
    ({"user": "app", "group": "app"}, repo_facts(True, remote=B),
     [f"{G} pull", "chown -R app:app /srv/app"]),
    ({"user": "app"}, repo_facts(True), []),
    ({"update_submodules": True, "recursive_submodules": True}, repo_facts(True),
     [f"{G} submodule update --init --recursive"]),
    ({"ssh_key": "/root/.ssh/deploy"}, repo_facts(False), [
        "mkdir -p /srv/app",
        "cd /srv/app && GIT_SSH_COMMAND='ssh -i /root/.ssh/deploy -o IdentitiesOnly=yes' git "
        "-c safe.directory='*' clone -c 'core.sshCommand=ssh -i /root/.ssh/deploy -o "
        f"IdentitiesOnly=yes' -- {SRC} .",
    ]),
]


@pytest.mark.parametrize(("args", "table", "expected"), REPO_CASES)
def test_repo(args: dict[str, Any], table: dict[Any, Any], expected: list[str]) -> None:
    result = plan(git.repo, src=SRC, dest="/srv/app", facts=table, **args)
    assert result.shell == expected


def test_repo_keyscan() -> None:
    src = "ssh://git@127.0.2.3:2222/srv/r.git"
    table = {**repo_facts(True, origin=src), fact(GitKnownHost, hostname="[127.0.2.3]:2222"): False}
    result = plan(git.repo, src=src, dest="/srv/app", ssh_keyscan=True, facts=table)
    assert result.shell == [
        "mkdir -p ~/.ssh && chmod 700 ~/.ssh && ssh-keyscan -p 2222 127.0.2.3 "
        ">> ~/.ssh/known_hosts"]
    table[fact(GitKnownHost, hostname="[127.0.2.3]:2222")] = True
    assert plan(git.repo, src=src, dest="/srv/app", ssh_keyscan=True, facts=table).shell == []
    table2 = {**repo_facts(True), fact(GitKnownHost, hostname="git.example.com"): False}
    result = plan(git.repo, src="git@git.example.com:team/app.git", dest="/srv/app",
                  ssh_keyscan=True, facts=table2)
    assert "ssh-keyscan git.example.com" in result.shell[0]
    with pytest.raises(OperationValueError):
        plan(git.repo, src="/local/path", dest="/srv/app", ssh_keyscan=True)


CONFIG_CASES = [
    ({}, {"user.name": ["Ann"]}, []),
    ({}, {}, ["git config --global user.name Ann"]),
    ({}, {"user.name": ["Bob"]}, ["git config --global user.name Ann"]),
    ({"multi_value": True}, {"user.name": ["Bob"]}, ["git config --global --add user.name Ann"]),
    ({"multi_value": True}, {"user.name": ["Bob", "Ann"]}, []),
]


@pytest.mark.parametrize(("args", "current", "expected"), CONFIG_CASES)
def test_config(args: dict[str, Any], current: dict[str, list[str]],
                expected: list[str]) -> None:
    table = {fact(GitConfig, system=False): current}
    assert plan(git.config, key="user.name", value="Ann", facts=table, **args).shell == expected


def test_config_repo_and_system() -> None:
    table: dict[Any, Any] = {fact(Directory, path="/srv/app/.git"): D,
                             fact(GitConfig, repo="/srv/app"): {"fetch.prune": ["false"]}}
    result = plan(git.config, key="fetch.prune", value="true", repo="/srv/app", facts=table)
    assert result.shell == [f"{G} config --local fetch.prune true"]
    table[fact(GitConfig, repo="/srv/app")] = {"fetch.prune": ["true"]}
    assert plan(git.config, key="fetch.prune", value="true", repo="/srv/app",
                facts=table).shell == []
    sys_table: dict[Any, Any] = {fact(GitConfig, system=True): {}}
    assert plan(git.config, key="log.date", value="iso", system=True, facts=sys_table).shell == [
        "git config --system log.date iso"]
    with pytest.raises(OperationValueError):
        plan(git.config, key="nodot", value="x")


def test_bare_repo() -> None:
    head = {"user": "git", "group": "git", "mode": 644}
    table: dict[Any, Any] = {fact(File, path="/srv/r.git/HEAD"): None,
                             fact(Directory, path="/srv/r.git"): None}
    assert plan(git.bare_repo, path="/srv/r.git", user="git", facts=table).shell == [
        "mkdir -p /srv/r.git", "git init --bare /srv/r.git", "chown -R git /srv/r.git"]
    table = {fact(File, path="/srv/r.git/HEAD"): head, fact(Directory, path="/srv/r.git"): D}
    assert plan(git.bare_repo, path="/srv/r.git", user="git", facts=table).shell == []
    assert plan(git.bare_repo, path="/srv/r.git", user="other", facts=table).shell == [
        "chown -R other /srv/r.git"]


W = "cd /srv/wt && git -c safe.directory='*'"


def test_worktree() -> None:
    new: dict[Any, Any] = {fact(Directory, path="/srv/wt"): None,
                           fact(Directory, path="/srv/app/.git"): D}
    assert plan(git.worktree, worktree="/srv/wt", repo="/srv/app", new_branch="hotfix",
                commitish="v1", facts=new).shell == [
        f"{G} worktree add -b hotfix -- /srv/wt v1"]
    no_repo = {**new, fact(Directory, path="/srv/app/.git"): None}
    with pytest.raises(OperationError):
        plan(git.worktree, worktree="/srv/wt", repo="/srv/app", facts=no_repo)
    there: dict[Any, Any] = {
        fact(Directory, path="/srv/wt"): D,
        fact(GitTrackingBranch, repo="/srv/wt"): "origin/main",
        fact(GitLocalCommit, repo="/srv/wt"): A,
        fact(GitRemoteBranchCommit, repo="/srv/wt", remote="origin", branch="main"): A,
    }
    assert plan(git.worktree, worktree="/srv/wt", repo="/srv/app", facts=there).shell == []
    there[fact(GitRemoteBranchCommit, repo="/srv/wt", remote="origin", branch="main")] = B
    assert plan(git.worktree, worktree="/srv/wt", facts=there).shell == [f"{W} pull"]
    assert plan(git.worktree, worktree="/srv/wt", present=False, force=True,
                facts=there).shell == [f"{W} worktree remove . --force"]
    assert plan(git.worktree, worktree="/srv/wt", present=False,
                facts={fact(Directory, path="/srv/wt"): None}).shell == []
