"""dnf.DnfRepositories and yum.YumRepositories on repository files written in the test
image (data/capture_packages.py): the command only reads files."""

from __future__ import annotations

import pytest

from corral.facts import dnf, yum
from corral.model.errors import FactParseError

from .._pkg_data import captured


def test_dnf_repositories() -> None:
    repos = captured("dnf_repositories", dnf.DnfRepositories)
    assert [r["repoid"] for r in repos] == ["main", "corral", "docker-ce-stable",
                                            "docker-ce-test"]
    main, corral, stable, test = repos
    assert main == {"repoid": "main", "name": "main", "filename": "/etc/dnf/dnf.conf",
                    "gpgcheck": "1", "installonly_limit": "3"}
    assert corral["gpgkey"] == "file:///a file:///b"  # a continued value
    assert stable["name"] == "Docker CE Stable - $basearch"
    assert stable["filename"] == "/etc/yum.repos.d/docker-ce.repo"
    assert test["baseurl"].startswith("https://download.docker.com")  # spaces around =
    assert test["enabled"] == "0"


def test_yum_repositories() -> None:
    repos = captured("yum_repositories", yum.YumRepositories)
    assert repos[0] == {"repoid": "main", "name": "main", "filename": "/etc/yum.conf",
                        "cachedir": "/var/cache/yum"}
    assert {r["repoid"] for r in repos[1:]} == {"corral", "docker-ce-stable", "docker-ce-test"}


@pytest.mark.parametrize("lines", [["[broken"], ["[x]", "no equals sign"], ["[]"]])
def test_garbage(lines: list[str]) -> None:
    with pytest.raises(FactParseError):
        dnf.DnfRepositories().process(lines)
