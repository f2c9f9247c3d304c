"""git.* facts on output captured in the fleet image (data/capture_svc_net.py)."""

from __future__ import annotations

import base64
import re

import pytest

from corral.facts import git
from corral.model import keys
from corral.model.errors import FactParseError

from .._capture_load import fuzz, lines_of, load

SHA = re.compile(r"^[0-9a-f]{40}$")


def test_branch_and_tags() -> None:
    assert load("git_branch") == "feature"
    assert load("git_branch_detached") == "main"  # "heads/main" from describe --all
    assert load("git_branch_missing") is None
    assert load("git_tag") == ["v1"]
    assert git.GitBranch().reads(repo="/srv/x") == frozenset({keys.path("/srv/x")})
    with pytest.raises(FactParseError):
        git.GitBranch().process(["fatal: not a git repository", "x"])


def test_config() -> None:
    local = load("git_config_repo")
    assert local["remote.origin.url"] == ["/srv/remote.git"]
    assert local["core.sshcommand"] == ["ssh -i /root/key -o IdentitiesOnly=yes"]
    assert local["core.bare"] == ["false"]
    glob = load("git_config_global")
    assert glob["user.name"] == ["Fixture Person"]
    assert glob["safe.directory"] == ["/srv/x"]
    assert load("git_config_system") == {}
    def listing(data: bytes) -> list[str]:  # as git config -l -z | base64 prints it
        return base64.encodebytes(data).decode().splitlines()

    assert git.GitConfig().process(listing(b"a.b\n1\0a.b\n2\0c.d\0")) == {
        "a.b": ["1", "2"], "c.d": [""]}
    # a value holding line breaks comes back whole
    assert git.GitConfig().process(listing(b"a.b\nx\ny\rz\0")) == {"a.b": ["x\ny\rz"]}
    assert git.GitConfig().process([]) == {}
    with pytest.raises(FactParseError):
        git.GitConfig().process(listing(b"no key here\0"))
    with pytest.raises(FactParseError):
        git.GitConfig().process(["a.b=1"])


def test_tracking_and_commits() -> None:
    assert load("git_tracking") == "origin/main"
    assert load("git_tracking_none") is None
    local = load("git_localcommit")
    assert SHA.match(local)
    assert load("git_localcommit_unknown") is None
    assert load("git_remotecommit") == local  # the clone is at the remote's tip
    assert load("git_remotecommit_head") == local
    assert load("git_remotecommit_none") is None
    with pytest.raises(FactParseError):
        git.GitRemoteBranchCommit().process(["fatal: could not read from remote"])


def test_known_host() -> None:
    assert load("git_knownhost_no") is False
    assert git.GitKnownHost().process(["yes"]) is True


def test_fuzz() -> None:
    real = lines_of("git_")
    for cls in (git.GitBranch, git.GitTag, git.GitConfig, git.GitTrackingBranch,
                git.GitLocalCommit, git.GitRemoteBranchCommit, git.GitKnownHost):
        fuzz(cls, real)
