"""``corral drift``: a dry run recorded as a drift check, and ``corral history drift``:
per host, drifted or not, since when, which operations would change (fleet hosts over
SSH, a real SQLite store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corral.testing.fleet import Fleet
from corral.testing.pytest_fleet import fleet_fixture

from .test_cli import corral

trio = fleet_fixture(3, scope="module")

DEPLOY = """\
from corral.operations import files
files.put(name='app.conf', src='app.conf', dest='/root/drift-app.conf')
files.line(name='motd line', path='/root/drift-motd', line='managed by corral')
"""


def _drift(site: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    shown = corral("history", "drift", "--json", *args, cwd=site)
    assert shown.returncode in (0, 2), shown
    return shown.returncode, json.loads(shown.stdout)


@pytest.mark.integration
def test_drift_reports_the_host_changed_by_hand(trio: Fleet, tmp_path: Path) -> None:
    names = [h.name for h in trio.hosts]
    (tmp_path / "inventory.py").write_text(f"hosts = {list(trio.inventory())!r}\n")
    (tmp_path / "app.conf").write_text("port = 8080\n")
    (tmp_path / "deploy.py").write_text(DEPLOY)
    converge = corral("inventory.py", "deploy.py", "-y", cwd=tmp_path)
    assert converge.returncode == 0, converge

    clean = corral("drift", "inventory.py", "deploy.py", cwd=tmp_path)
    assert clean.returncode == 0, clean
    code, found = _drift(tmp_path)
    assert code == 0
    assert [(h["host"], h["status"]) for h in found] == [(n, "in sync") for n in sorted(names)]

    # by hand, outside corral (and outside the history): one file on one host
    edited = corral("inventory.py", "exec", "--limit", names[1], "--no-history", "--",
                    "sh", "-c", "echo 'port = 9090' > /root/drift-app.conf", cwd=tmp_path)
    assert edited.returncode == 0, edited

    drifted = corral("drift", "inventory.py", "deploy.py", cwd=tmp_path)
    assert drifted.returncode == 2, drifted
    assert names[1] in drifted.stdout
    code, found = _drift(tmp_path)
    assert code == 2
    by_host = {h["host"]: h for h in found}
    assert {n: by_host[n]["status"] for n in names} == {
        names[0]: "in sync", names[1]: "drifted", names[2]: "in sync"}
    first_check = by_host[names[1]]
    assert [op["name"] for op in first_check["operations"]] == ["app.conf"]  # type: ignore[union-attr]
    assert first_check["operations"][0]["diffs"] == ["/root/drift-app.conf"]  # type: ignore[index]
    assert first_check["since"] == first_check["checked_at"]
    assert by_host[names[0]]["operations"] == []

    # checked again: still drifted, since the first check that saw it
    assert corral("drift", "inventory.py", "deploy.py", cwd=tmp_path).returncode == 2
    code, [again] = _drift(tmp_path, "--host", names[1])
    assert code == 2
    assert again["run"] != first_check["run"]
    assert (again["since"], again["since_run"]) == (first_check["since"], first_check["run"])
    text = corral("history", "drift", cwd=tmp_path)
    assert text.returncode == 2
    assert f"{names[1]}: would change\n  app.conf (/root/drift-app.conf)" in text.stdout
    listed = json.loads(corral("history", "--json", cwd=tmp_path).stdout)
    assert [r["kind"] for r in listed] == ["drift", "drift", "drift", "run"]

    # converged again: no drift
    assert corral("inventory.py", "deploy.py", "-y", cwd=tmp_path).returncode == 0
    code, found = _drift(tmp_path)
    assert code == 2 and {h["host"]: h["applied_after"] for h in found}[names[1]] is True
    assert corral("drift", "inventory.py", "deploy.py", cwd=tmp_path).returncode == 0
    code, found = _drift(tmp_path)
    assert code == 0
    assert {h["status"] for h in found} == {"in sync"}


def test_drift_checks_deploys_only(tmp_path: Path) -> None:
    refused = corral("drift", "@local", "exec", "--", "true", cwd=tmp_path)
    assert refused.returncode == 4, refused
    assert "corral drift checks deploy files" in refused.stderr
    assert corral("history", "drift", cwd=tmp_path).returncode == 1  # no store here
