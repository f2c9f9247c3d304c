"""Several targets: ``@local`` and ``@chroot/PATH`` roots: --limit, unreachable hosts,
--parallel, and the per-host and per-operation summaries."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.testing import image as test_image

from ._helpers import corral, write

DEPLOY = """\
import os
from corral.operations import files
files.directory(name="directory", path=os.path.dirname({marker!r}))
files.line(name="marker", path={marker!r}, line="marker")
"""


def summary_rows(out: str) -> dict[str, str]:
    """The closing summary's host rows: {host: row text}."""
    rows = {}
    for line in out.splitlines():
        head = line.split(" ", 1)[0]
        if head.startswith("@") and "│" in line:
            rows[head] = line
    return rows


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """An inventory of two groups: ``web`` (@local) and ``db`` (a chroot path with no
    root file system: unreachable)."""
    empty = tmp_path / "empty-root"
    empty.mkdir()
    write(tmp_path / "inventory.py", f'web = ["@local"]\ndb = ["@chroot{empty}"]\n')
    write(tmp_path / "deploy.py", DEPLOY.format(marker=str(tmp_path / "marker")))
    return tmp_path


def test_an_unreachable_host_is_exit_3_and_the_others_still_run(fleet: Path) -> None:
    ran = corral("inventory.py", "deploy.py", "-y", cwd=fleet)
    assert ran.code == 3, ran
    assert (fleet / "marker").read_text() == "marker\n"
    rows = summary_rows(ran.out)
    assert set(rows) == {"@local", f"@chroot{fleet}/empty-root"}
    assert "changed" in rows["@local"]
    assert "unreachable" in rows[f"@chroot{fleet}/empty-root"]
    assert "no /bin/sh" in ran.out
    # the per-operation summary (several hosts): one changed, one not run
    op_row = next(line for line in ran.out.splitlines() if line.startswith("marker ("))
    assert op_row.split("│")[1].strip() == "1"


def test_unreachable_under_dry_is_still_exit_3(fleet: Path) -> None:
    ran = corral("inventory.py", "deploy.py", "--dry", cwd=fleet)
    assert ran.code == 3, ran
    assert not (fleet / "marker").exists()


def test_json_reports_the_unreachable_host(fleet: Path) -> None:
    ran = corral("inventory.py", "deploy.py", "-y", "--json", cwd=fleet)
    assert ran.code == 3, ran
    events = ran.events()
    unreachable = [e for e in events if e["event"] == "host_unreachable"]
    assert [e["host"] for e in unreachable] == [f"@chroot{fleet}/empty-root"]
    statuses = {e["result"]["host"]: e["result"]["status"] for e in events
                if e["event"] == "host_done"}
    assert events[-1]["event"] == "run_done" and events[-1]["result"]["exit_code"] == 3
    assert statuses == {"@local": "changed", f"@chroot{fleet}/empty-root": "unreachable"}


@pytest.mark.parametrize("limit", ["@local", "web", "@loc*", "web,nothing-else-*x"])
def test_limit_to_the_reachable_host(fleet: Path, limit: str) -> None:
    if limit.startswith("web,"):
        # a comma list: every part must match something
        ran = corral("inventory.py", "deploy.py", "-y", "--limit", limit, cwd=fleet)
        assert ran.code == 4 and "nothing-else-*x" in ran.err, ran
        assert not (fleet / "marker").exists()
        return
    ran = corral("inventory.py", "deploy.py", "-y", "--limit", limit, cwd=fleet)
    assert ran.code == 0, ran
    assert set(summary_rows(ran.out)) == {"@local"}
    assert (fleet / "marker").exists()


@pytest.mark.parametrize("limit", [["db"], ["@chroot*"], ["db", "web"], ["db,web"]])
def test_limit_including_the_unreachable_host(fleet: Path, limit: list[str]) -> None:
    args = [a for pattern in limit for a in ("--limit", pattern)]
    ran = corral("inventory.py", "deploy.py", "-y", *args, cwd=fleet)
    assert ran.code == 3, ran
    wanted = {f"@chroot{fleet}/empty-root"} | ({"@local"} if len(limit) > 1 or
                                                 "web" in limit[0] else set())
    assert set(summary_rows(ran.out)) == wanted
    assert (fleet / "marker").exists() == ("@local" in wanted)


def test_limit_matching_nothing_is_exit_4(fleet: Path) -> None:
    ran = corral("inventory.py", "deploy.py", "-y", "--limit", "@ssh*", cwd=fleet)
    assert ran.code == 4, ran
    assert ran.err_lines == ["error: --limit @ssh* matches no host or group"]
    assert not (fleet / "marker").exists()


# -- a real second target: a throw-away Debian root -------------------------------------------


def _image_ready() -> bool:
    return (os.geteuid() == 0 and shutil.which("chroot") is not None
            and (test_image.image_path() / ".corral-image-complete").exists())


@pytest.fixture(scope="module")
def debian_root() -> Iterator[Path]:
    if not _image_ready():
        pytest.skip("needs root and the cached Debian test image "
                    "(python -m corral.testing.image)")
    with test_image.overlay_root(test_image.image_path()) as root:
        yield root


@pytest.mark.parametrize("parallel", ["1", "2"])
def test_two_reachable_targets(tmp_path: Path, debian_root: Path, parallel: str) -> None:
    target = f"@chroot{debian_root}"
    write(tmp_path / "inventory.py", f'web = ["@local", "{target}"]\n')
    write(tmp_path / "deploy.py", DEPLOY.format(marker=str(tmp_path / "marker")))
    ran = corral("inventory.py", "deploy.py", "-y", "--parallel", parallel, cwd=tmp_path)
    assert ran.code == 0, ran
    assert (tmp_path / "marker").read_text() == "marker\n"
    assert (debian_root / str(tmp_path).lstrip("/") / "marker").read_text() == "marker\n"
    rows = summary_rows(ran.out)
    assert set(rows) == {"@local", target}
    assert all("changed" in row for row in rows.values())
    op_row = next(line for line in ran.out.splitlines() if line.startswith("marker ("))
    assert op_row.split("│")[1].strip() == "2"
    again = corral("inventory.py", "deploy.py", "-y", cwd=tmp_path)
    assert again.code == 0 and all(" ok " in r for r in summary_rows(again.out).values())


def test_fact_and_exec_on_two_targets(tmp_path: Path, debian_root: Path) -> None:
    target = f"@chroot{debian_root}"
    hosts = f"@local,{target}"
    ran = corral(hosts, "fact", "files.File", "path=/.corral-image-complete", "--json",
                 cwd=tmp_path)
    assert ran.code == 0, ran
    values = ran.events()[-1]["values"]
    assert values["@local"] is None and values[target]["user"] == "root"
    ran = corral(hosts, "fact", "server.Os", "--limit", "@chroot*", cwd=tmp_path)
    assert ran.code == 0, ran
    assert ran.out.splitlines() == [f'{target}: "Linux"']
    ran = corral(hosts, "exec", "-y", "--", "cat /etc/hostname", cwd=tmp_path)
    assert ran.code == 0, ran
    assert f"{target}: corral-test" in ran.out.splitlines()
    assert any(line.startswith("@local: ") for line in ran.out.splitlines())
