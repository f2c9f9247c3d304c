"""The differential harness's own parts: the import rename, reading each tool's change counts,
and describing a host's files. A harness that misread these would compare nothing."""

from __future__ import annotations

import os
from pathlib import Path

from ._harness import _describe, _walk, corral_changes, pyinfra_changes, rename_imports


def test_only_imports_are_renamed() -> None:
    source = ("from pyinfra import host\nimport pyinfra.facts.server as srv\n"
              "    from pyinfra.api.deploy import deploy\nfrom pyinfra_ext import x\n"
              "name = 'pyinfra'  # pyinfra stays in text\n")
    assert rename_imports(source) == (
        "from corral import host\nimport corral.facts.server as srv\n"
        "    from corral.api.deploy import deploy\nfrom pyinfra_ext import x\n"
        "name = 'pyinfra'  # pyinfra stays in text\n")


def test_pyinfra_changes_per_host() -> None:
    # pyinfra pads shorter host names after the bracket
    output = ("--> Starting operation: A \n    [web1] Success\n    [db1]  No changes\n"
              "--> Starting operation: B \n    [web1] Skipped\n    [db1]  Success\n"
              "    [db1]  Error\n")
    assert pyinfra_changes(output) == {"web1": 1, "db1": 1}


def test_corral_changes_per_host() -> None:
    stdout = "\n".join([
        '{"event": "run_started", "hosts": ["a", "b"], "dry": false}',
        '{"event": "operation", "result": {"host": "a", "changed": true}}',
        '{"event": "operation", "result": {"host": "a", "changed": false}}',
        'not json',
        '{"event": "host_done", "result": {"host": "b", "status": "ok"}}',
    ])
    assert corral_changes(stdout) == {"a": 1, "b": 0}


def test_end_state_descriptions(tmp_path: Path) -> None:
    root = tmp_path
    (root / "srv/app").mkdir(parents=True)
    (root / "srv/app/conf").write_text("x = 1\n")
    os.chmod(root / "srv/app/conf", 0o640)
    (root / "srv/app/blob").write_bytes(b"\xff" * 10)
    os.chmod(root / "srv/app/blob", 0o600)
    os.symlink("/etc/passwd", root / "srv/app/link")  # never followed out of the root
    users = {os.getuid(): "me"}
    groups = {os.getgid(): "us"}
    seen = {p: _describe(root / p.lstrip("/"), users, groups) for p in _walk(root, "/srv/app")}
    assert seen["/srv/app/conf"] == "file 0640 me:us 'x = 1\\n'"
    assert seen["/srv/app/link"] == "link me:us -> /etc/passwd"
    assert seen["/srv/app/blob"].startswith("file 0600 me:us 10 bytes sha256 ")
    assert list(seen) == ["/srv/app", "/srv/app/blob", "/srv/app/conf", "/srv/app/link"]
