"""dnf.* (and the rpm/repo helpers yum shares) as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import Directory, File, Sha256File
from corral.facts.rpm import RpmPackage, RpmPackageProvides, RpmPackages
from corral.model.errors import OperationValueError
from corral.operations import dnf
from corral.operations._util.packages import download_path
from corral.testing.optest import fact, plan

INSTALLED = {"vim-enhanced": {"8.2.2637-20.el9_1"}, "git": {"2.39.3-1.el9"}}


def pkg_facts(*names: str, provides: dict[str, list[list[str]]] | None = None
              ) -> dict[Any, Any]:
    facts: dict[Any, Any] = {fact(RpmPackages): INSTALLED}
    for name in names:
        facts[fact(RpmPackageProvides, package=name)] = (provides or {}).get(name, [])
    return facts


PACKAGE_CASES = [
    pytest.param({"packages": ["git"]}, pkg_facts("git"), [], id="installed"),
    pytest.param({"packages": ["vim"]},
                 pkg_facts("vim", provides={"vim": [["vim-enhanced", "8.2.2637-21.el9"]]}),
                 [], id="provided by an installed package"),
    pytest.param({"packages": ["nano"], "present": False}, pkg_facts("nano"), [], id="absent"),
    pytest.param({"packages": ["git=2.39.3-1.el9"]}, pkg_facts("git"), [], id="pinned"),
    pytest.param({"packages": ["git", "nano"]}, pkg_facts("git", "nano"),
                 ["dnf install -y nano"], id="install"),
    pytest.param({"packages": "nano", "nobest": True, "extra_install_args": "--refresh",
                  "clean": True, "update": True}, pkg_facts("nano"),
                 ["dnf clean all", "dnf update -y", "dnf install -y --nobest --refresh nano"],
                 id="options"),
    pytest.param({"packages": ["git", "nano"], "present": False,
                  "extra_uninstall_args": "--noautoremove"}, pkg_facts("git", "nano"),
                 ["dnf remove -y --noautoremove git"], id="remove"),
    pytest.param({"packages": ["git"], "latest": True}, pkg_facts("git"),
                 ["dnf update -y git"], id="latest"),
    pytest.param({}, {}, [], id="nothing"),
]


@pytest.mark.parametrize(("args", "facts", "expected"), PACKAGE_CASES)
def test_packages(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(dnf.packages, facts=facts, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


RPM = "/srv/corral-demo-1.2.3-4.noarch.rpm"
INFO = {"name": "corral-demo", "version": "1.2.3-4"}


@pytest.mark.parametrize(("present", "current", "expected"), [
    (True, INFO, []),
    (False, None, []),
    (True, None, [f"rpm -i {RPM}"]),
    (True, {"name": "corral-demo", "version": "1.0-1"}, [f"rpm -i {RPM}"]),
    (False, INFO, ["dnf remove -y corral-demo"]),
])
def test_rpm(present: bool, current: Any, expected: list[str]) -> None:
    facts = {fact(RpmPackage, package=RPM): INFO,
             fact(RpmPackage, package="corral-demo"): current}
    result = plan(dnf.rpm, facts=facts, src=RPM, present=present)
    assert result.shell == expected


def test_rpm_from_a_url_not_downloaded_yet() -> None:
    url = "https://example.com/epel-release-latest-9.noarch.rpm"
    path = download_path(url, ".rpm")
    result = plan(dnf.rpm, facts={fact(RpmPackage, package=path): None}, src=url)
    assert "curl -fsSL" in result.shell[0]
    assert result.shell[1].endswith(f"|| rpm -i {path}")


def repo_facts(path: str, content: bytes | None) -> dict[Any, Any]:
    import hashlib

    info = {"user": "root", "group": "root", "mode": 0o644, "size": 1, "atime": None,
            "mtime": None, "ctime": None}
    return {
        fact(File, path=path): info if content is not None else None,
        fact(Sha256File, path=path): hashlib.sha256(content).hexdigest() if content else None,
        fact(Directory, path="/etc/yum.repos.d"): dict(info, mode=0o755),
    }


REPO_TEXT = (b"[docker]\nname=docker\nbaseurl=https://download.docker.com/x\nenabled=1\n"
             b"gpgcheck=1\ngpgkey=https://download.docker.com/gpg\n")
REPO_ARGS = {"src": "docker", "baseurl": "https://download.docker.com/x",
             "gpgkey": "https://download.docker.com/gpg"}


def test_repo_written() -> None:
    path = "/etc/yum.repos.d/docker.repo"
    assert plan(dnf.repo, facts=repo_facts(path, REPO_TEXT), **REPO_ARGS).shell == []
    result = plan(dnf.repo, facts=repo_facts(path, None), **REPO_ARGS)
    assert result.shell == ["[ -d /etc/yum.repos.d ] || { mkdir -p /etc/yum.repos.d ; }",
                            f"upload {path}"]
    assert result.commands[1].content() == REPO_TEXT


def test_repo_url_and_removal() -> None:
    path = "/etc/yum.repos.d/docker-ce.repo"
    url = "https://download.docker.com/linux/centos/docker-ce.repo"
    exists = {"user": "root", "group": "root", "mode": 0o644, "size": 1, "atime": None,
              "mtime": None, "ctime": None}
    assert plan(dnf.repo, facts={fact(File, path=path): exists}, src=url).shell == []
    assert "curl" in plan(dnf.repo, facts={fact(File, path=path): None}, src=url).shell[0]
    assert plan(dnf.repo, facts={fact(File, path=path): exists}, src=url,
                present=False).shell == [f"rm -f {path}"]
    assert plan(dnf.repo, facts={fact(File, path=path): None}, src=url,
                present=False).shell == []


def test_repo_needs_baseurl() -> None:
    with pytest.raises(OperationValueError):
        plan(dnf.repo, src="docker")


def test_always_running() -> None:
    assert plan(dnf.update).shell == ["dnf update -y"]
    assert plan(dnf.key, src="https://x/gpg").shell == ["rpm --import https://x/gpg"]
    assert dnf.update._spec.is_idempotent is False


@pytest.mark.parametrize("gpgkey", ["keys/docker.gpg", "docker.gpg https://x/k", "~/k.gpg"])
def test_repo_refuses_a_gpgkey_that_is_no_url_nor_absolute_path(gpgkey: str) -> None:
    with pytest.raises(OperationValueError, match="gpgkey"):
        plan(dnf.repo, facts=repo_facts("/etc/yum.repos.d/docker.repo", None),
             **{**REPO_ARGS, "gpgkey": gpgkey})


def test_repo_takes_several_gpgkeys_urls_or_absolute_paths() -> None:
    gpgkey = "https://x/a.gpg file:///etc/pki/b /etc/pki/c"
    result = plan(dnf.repo, facts=repo_facts("/etc/yum.repos.d/docker.repo", None),
                  **{**REPO_ARGS, "gpgkey": gpgkey})
    assert f"gpgkey={gpgkey}\n".encode() in result.commands[1].content()
