"""apt.sources_file as (args, facts) -> commands."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from corral.facts.apt import AptSources
from corral.facts.files import Directory, File, Sha256File
from corral.model.errors import OperationValueError
from corral.operations import apt
from corral.testing.optest import fact, plan

DEST = "/etc/apt/sources.list.d/docker.sources"
ARGS = {"filename": "docker", "uris": "https://download.docker.com/linux/debian",
        "suites": ["bookworm"], "components": "stable", "architectures": ["amd64"],
        "signed_by": "/etc/apt/keyrings/docker.gpg"}
TEXT = (b"Types: deb\nURIs: https://download.docker.com/linux/debian\nSuites: bookworm\n"
        b"Components: stable\nArchitectures: amd64\nSigned-By: /etc/apt/keyrings/docker.gpg\n")
DOCKER = {"type": "deb", "url": "https://download.docker.com/linux/debian",
          "distribution": "bookworm", "components": ["stable"],
          "options": {"arch": "amd64", "signed-by": "/etc/apt/keyrings/docker.gpg"}}
INFO = {"user": "root", "group": "root", "mode": 0o644, "size": 1, "atime": None,
        "mtime": None, "ctime": None}


def facts(sources: list[Any], content: bytes | None = None) -> dict[Any, Any]:
    return {
        fact(AptSources): sources,
        fact(File, path=DEST): INFO if content is not None else None,
        fact(Sha256File, path=DEST): hashlib.sha256(content).hexdigest() if content else None,
        fact(Directory, path="/etc/apt/sources.list.d"): dict(INFO, mode=0o755),
    }


def test_configured_anywhere_changes_nothing() -> None:
    result = plan(apt.sources_file, facts=facts([DOCKER]), **ARGS)
    assert result.shell == [] and result.notes


def test_written() -> None:
    result = plan(apt.sources_file, facts=facts([]), **ARGS)
    assert result.shell[-1] == f"upload {DEST}"
    assert result.commands[-1].content() == TEXT


def test_other_options_rewrite() -> None:
    other = {**DOCKER, "options": {"arch": "arm64", "signed-by": "/etc/apt/keyrings/docker.gpg"}}
    result = plan(apt.sources_file, facts=facts([other], content=b"x"), **ARGS)
    assert result.shell[-1] == f"upload {DEST}"


def test_several_types_and_suites_all_needed() -> None:
    args = {"filename": "docker", "types": "deb deb-src", "uris": "http://x/debian",
            "suites": "a b"}
    have = [{"type": t, "url": "http://x/debian", "distribution": s, "components": [],
             "options": {}} for t in ("deb", "deb-src") for s in ("a", "b")]
    assert plan(apt.sources_file, facts=facts(have), **args).shell == []
    assert plan(apt.sources_file, facts=facts(have[:3]), **args).shell[-1] == f"upload {DEST}"


def test_removed() -> None:
    assert plan(apt.sources_file, filename="docker", present=False,
                facts=facts([], content=TEXT)).shell == [f"rm -f {DEST}"]
    assert plan(apt.sources_file, filename="docker", present=False,
                facts=facts([])).shell == []


@pytest.mark.parametrize("args", [
    {"filename": "docker", "suites": "bookworm"},
    {"filename": "docker", "uris": "http://x"},
    {"filename": "a/b", "uris": "http://x", "suites": "s"},
    {"filename": "..", "uris": "http://x", "suites": "s"},
    {"filename": "d", "uris": ["http://x\nEnabled: no"], "suites": "s"},
    {"filename": "d", "uris": "http://x", "suites": "s", "signed_by": "/k\nTrusted: yes"},
    {"filename": "d", "uris": "http://x", "suites": "s", "types": "rpm"},
])
def test_bad_input(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(apt.sources_file, facts=facts([]), **args)
