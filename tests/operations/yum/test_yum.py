"""yum.* as (args, facts) -> commands (yum shares dnf's helpers, see test_dnf.py)."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import File
from corral.facts.rpm import RpmPackage, RpmPackageProvides, RpmPackages
from corral.operations import yum
from corral.testing.optest import fact, plan

FACTS: dict[Any, Any] = {fact(RpmPackages): {"git": {"2.39.3-1.el9"}},
                         fact(RpmPackageProvides, package="git"): [],
                         fact(RpmPackageProvides, package="nano"): []}


@pytest.mark.parametrize(("args", "expected"), [
    ({"packages": ["git"]}, []),
    ({"packages": ["nano"], "present": False}, []),
    ({"packages": ["git", "nano"]}, ["yum install -y nano"]),
    ({"packages": ["git"], "present": False}, ["yum remove -y git"]),
    ({"packages": ["nano"], "update": True}, ["yum update -y", "yum install -y nano"]),
])
def test_packages(args: dict[str, Any], expected: list[str]) -> None:
    assert plan(yum.packages, facts=FACTS, **args).shell == expected


def test_rpm_and_repo() -> None:
    info = {"name": "x", "version": "1-1"}
    facts = {fact(RpmPackage, package="/srv/x.rpm"): info, fact(RpmPackage, package="x"): info}
    assert plan(yum.rpm, facts=facts, src="/srv/x.rpm").shell == []
    assert plan(yum.rpm, facts=facts, src="/srv/x.rpm", present=False).shell == [
        "yum remove -y x"]
    assert plan(yum.repo, facts={fact(File, path="/etc/yum.repos.d/x.repo"): None},
                src="x", present=False).shell == []
    assert plan(yum.update).shell == ["yum update -y"]
