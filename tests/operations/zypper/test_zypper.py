"""zypper.* as (args, facts) -> commands."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from corral.facts.files import Directory, File, Sha256File
from corral.facts.rpm import RpmPackages
from corral.operations import zypper
from corral.testing.optest import fact, plan

FACTS = {fact(RpmPackages): {"vim": {"9.1.0-1.1"}, "curl": {"8.6.0-2.1"}}}
INSTALL = "zypper --non-interactive --gpg-auto-import-keys install -y"
UPDATE = "zypper --non-interactive --gpg-auto-import-keys update -y"


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": "vim"}, []),
    ({"packages": ["vim=9.1.0-1.1"]}, []),
    ({"packages": ["nano"], "present": False}, []),
    ({"packages": ["nano", "vim"]}, [f"{INSTALL} nano"]),
    ({"packages": ["vim=9.2"]}, [f"{INSTALL} vim=9.2"]),
    ({"packages": ["vim"], "latest": True}, [f"{UPDATE} vim"]),
    ({"packages": ["vim", "curl"], "present": False},
     ["zypper --non-interactive remove -y vim curl"]),
    ({"packages": ["nano"], "update": True, "clean": True},
     ["zypper clean --all", UPDATE, f"{INSTALL} nano"]),
    ({"packages": ["nano"], "extra_install_args": "--no-recommends",
      "extra_global_install_args": "--root '/mnt/new root'"},
     ["zypper --root '/mnt/new root' --non-interactive --gpg-auto-import-keys install -y "
      "--no-recommends nano"]),
    ({"packages": ["vim"], "present": False, "extra_uninstall_args": "--clean-deps",
      "extra_global_uninstall_args": "--quiet"},
     ["zypper --quiet --non-interactive remove -y --clean-deps vim"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(zypper.packages, facts=FACTS, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_update_and_key() -> None:
    assert plan(zypper.update).shell == [UPDATE]
    assert plan(zypper.key, src="https://example.org/k.asc").shell == [
        "rpm --import https://example.org/k.asc"]


def repo_facts(path: str, content: bytes | None) -> dict[Any, Any]:
    info = {"user": "root", "group": "root", "mode": 0o644, "size": 1, "atime": None,
            "mtime": None, "ctime": None}
    return {
        fact(File, path=path): info if content is not None else None,
        fact(Sha256File, path=path): hashlib.sha256(content).hexdigest() if content else None,
        fact(Directory, path="/etc/zypp/repos.d"): dict(info, mode=0o755),
    }


REPO_TEXT = (b"[containers]\nname=containers\nbaseurl=https://example.org/c/\nenabled=1\n"
             b"gpgcheck=1\ntype=yast2\n")


def test_repo_written_and_already_there() -> None:
    dest = "/etc/zypp/repos.d/containers.repo"
    args = {"src": "containers", "baseurl": "https://example.org/c/", "type": "yast2"}
    assert plan(zypper.repo, facts=repo_facts(dest, REPO_TEXT), **args).shell == []
    result = plan(zypper.repo, facts=repo_facts(dest, None), **args)
    assert result.shell[-1] == f"upload {dest}"
    assert result.commands[-1].content() == REPO_TEXT


def test_repo_url_downloaded_once() -> None:
    dest = "/etc/zypp/repos.d/v.repo"
    url = "https://example.org/v.repo"
    assert plan(zypper.repo, src=url, facts={fact(File, path=dest): {"size": 1}}).shell == []
    shell = plan(zypper.repo, src=url, facts={fact(File, path=dest): None}).shell
    assert len(shell) == 1 and "curl" in shell[0] and dest in shell[0]
