"""git.* on a real fleet host: a bare repository on the host, cloned over file:// and
over SSH (the host's own sshd, reached with a deploy key after ssh_keyscan), pulled when
the remote moves, config, a worktree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral.operations import git
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

SETUP = """
set -e
git config --global user.name Tester && git config --global user.email t@example.com
rm -rf /srv/g && mkdir -p /srv/g
git init -q -b main /srv/g/seed && cd /srv/g/seed
echo one > f && git add f && git commit -q -m one && git tag v1
echo two > f && git commit -q -am two
git init -q --bare -b main /srv/g/origin.git
git remote add origin /srv/g/origin.git && git push -q origin main v1
"""


@pytest.fixture(scope="module")
def repo_host(host_fleet: Fleet) -> Iterator[Fleet]:
    sh(host_fleet, SETUP)
    yield host_fleet
    sh(host_fleet, "rm -rf /srv/g /root/deploy_key*", check=False)


def head(fleet: Fleet, path: str) -> str:
    return sh(fleet, f"git -c safe.directory='*' -C {path} rev-parse HEAD").strip()


def push_commit(fleet: Fleet, text: str) -> str:
    sh(fleet, f"cd /srv/g/seed && echo {text} > f && git commit -q -am {text} && "
              "git push -q origin main")
    return head(fleet, "/srv/g/seed")


def test_bare_repo_clone_and_pull(repo_host: Fleet) -> None:
    converge(repo_host, lambda: git.bare_repo(path="/srv/g/empty.git", user="nobody"))
    assert sh(repo_host, "stat -c %U /srv/g/empty.git/HEAD").strip() == "nobody"

    def deploy() -> None:
        git.repo(src="file:///srv/g/origin.git", dest="/srv/g/clone", user="nobody",
                 group="nogroup")

    converge(repo_host, deploy)
    assert head(repo_host, "/srv/g/clone") == head(repo_host, "/srv/g/seed")
    assert sh(repo_host, "stat -c %U:%G /srv/g/clone/f").strip() == "nobody:nogroup"

    tip = push_commit(repo_host, "three")
    result = converge(repo_host, deploy)  # the remote moved: pulled once, then unchanged
    assert result.changed == 1
    assert head(repo_host, "/srv/g/clone") == tip
    assert sh(repo_host, "stat -c %U /srv/g/clone/f").strip() == "nobody"


def test_branch_tag_and_config(repo_host: Fleet) -> None:
    def deploy() -> None:
        git.repo(src="file:///srv/g/origin.git", dest="/srv/g/tagged", branch="v1")
        git.config(key="fetch.prune", value="true", repo="/srv/g/tagged")
        git.config(key="remote.origin.push", value="refs/heads/a", multi_value=True,
                   repo="/srv/g/tagged")
        git.config(key="remote.origin.push", value="refs/heads/b", multi_value=True,
                   repo="/srv/g/tagged")
        git.config(key="corral.test", value="it's global")

    converge(repo_host, deploy)
    assert sh(repo_host, "cat /srv/g/tagged/f").strip() == "one"
    assert sh(repo_host, "git -C /srv/g/tagged config fetch.prune").strip() == "true"
    assert sh(repo_host, "git -C /srv/g/tagged config --get-all remote.origin.push"
              ).split() == ["refs/heads/a", "refs/heads/b"]
    assert sh(repo_host, "git config --global corral.test").strip() == "it's global"


def test_worktree(repo_host: Fleet) -> None:
    def deploy() -> None:
        git.worktree(repo="/srv/g/seed", worktree="/srv/g/wt", new_branch="hotfix",
                     commitish="v1")

    converge(repo_host, deploy)
    assert sh(repo_host, "git -C /srv/g/wt branch --show-current").strip() == "hotfix"
    converge(repo_host, lambda: git.worktree(worktree="/srv/g/wt", present=False))
    assert sh(repo_host, "test -e /srv/g/wt; echo $?").strip() == "1"


def test_clone_over_ssh_with_deploy_key(repo_host: Fleet) -> None:
    address = repo_host.hosts[0].address
    sh(repo_host, "rm -f /root/deploy_key* && ssh-keygen -q -t ed25519 -N '' "
                  "-f /root/deploy_key && cat /root/deploy_key.pub >> /root/.ssh/authorized_keys"
                  " && ssh-keygen -R " + address + " >/dev/null 2>&1; true")
    src = f"ssh://root@{address}/srv/g/origin.git"

    def deploy() -> None:
        git.repo(src=src, dest="/srv/g/ssh-clone", ssh_keyscan=True,
                 ssh_key="/root/deploy_key")

    converge(repo_host, deploy)
    assert head(repo_host, "/srv/g/ssh-clone") == head(repo_host, "/srv/g/seed")
    assert sh(repo_host, f"ssh-keygen -F {address} >/dev/null; echo $?").strip() == "0"
    assert "deploy_key" in sh(repo_host, "git -C /srv/g/ssh-clone config core.sshCommand")
    tip = push_commit(repo_host, "four")
    result = run(repo_host, deploy)
    assert not result.failed and result.changed == 1
    assert head(repo_host, "/srv/g/ssh-clone") == tip


def test_a_changed_src_moves_origin_and_pulls_from_it(repo_host: Fleet) -> None:
    """An existing clone whose ``src`` changed follows the new remote (as pyinfra does),
    then converges; ``fetch_tags`` fetches the new remote's tags before a checkout."""
    sh(repo_host, "rm -rf /srv/g/moved.git && git clone -q --bare /srv/g/origin.git "
                  "/srv/g/moved.git && cd /srv/g/seed && git push -q /srv/g/moved.git main")
    converge(repo_host, lambda: git.repo(src="file:///srv/g/origin.git", dest="/srv/g/mv"))
    sh(repo_host, "cd /srv/g/seed && echo moved > f && git commit -q -am moved && "
                  "git tag v9 && git push -q /srv/g/moved.git main v9")
    tip = head(repo_host, "/srv/g/seed")

    def deploy() -> None:
        git.repo(src="file:///srv/g/moved.git", dest="/srv/g/mv")

    assert converge(repo_host, deploy).changed == 1
    assert head(repo_host, "/srv/g/mv") == tip
    url = sh(repo_host, "git -c safe.directory='*' -C /srv/g/mv remote get-url origin")
    assert url.strip() == "file:///srv/g/moved.git"
    converge(repo_host, lambda: git.repo(src="file:///srv/g/moved.git", dest="/srv/g/mv",
                                         branch="v9", fetch_tags=True))
    assert head(repo_host, "/srv/g/mv") == tip
