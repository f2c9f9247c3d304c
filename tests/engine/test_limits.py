"""The soft limit on open files is raised to what a run's hosts at once need (never above
the hard limit, never lowered), in processes started with a low soft limit."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from corral.engine.limits import PER_HOST, RESERVE, wanted

REPO = Path(__file__).resolve().parents[2]


def in_process(code: str, soft: int, hard: int) -> subprocess.CompletedProcess[str]:
    """``code`` run by a Python started with the open-files limit (soft, hard)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=REPO,
                          preexec_fn=limit, capture_output=True, text=True, timeout=300)


def test_wanted_grows_with_the_hosts_at_once() -> None:
    assert wanted(0) == RESERVE
    assert wanted(1000) == 1000 * PER_HOST + RESERVE


@pytest.mark.parametrize("soft, hard, hosts, expected", [
    (64, 4096, 100, 100 * PER_HOST + RESERVE),   # raised to what is wanted
    (64, 300, 100, 300),                          # only as far as the hard limit
    (4096, 8192, 100, 4096),                      # enough already: never lowered
])
def test_raise_open_files(soft: int, hard: int, hosts: int, expected: int) -> None:
    done = in_process(f"""
        import json, resource
        from corral.engine.limits import raise_open_files
        before, after = raise_open_files({hosts})
        print(json.dumps([before, after, resource.getrlimit(resource.RLIMIT_NOFILE)]))
    """, soft, hard)
    assert done.returncode == 0, done.stderr
    before, after, (now_soft, now_hard) = json.loads(done.stdout)
    assert (before, after, now_soft, now_hard) == (soft, expected, expected, hard)
    assert ("warning" in done.stderr) == (expected < wanted(hosts))


def test_a_run_of_more_hosts_at_once_than_the_soft_limit_allows() -> None:
    """60 local hosts at once (each a shell with three pipes) in a process allowed 64 open
    files: every host runs."""
    done = in_process("""
        import json
        import tests.engine.conftest  # the testlocal connector
        from corral import api
        from corral.operations import server

        def deploy():
            server.shell(name="hello", commands=["echo hello"])

        hosts = ",".join(f"@testlocal/n{i}" for i in range(60))
        result = api.run(hosts, deploy, parallel=60)
        print(json.dumps([h.status.value for h in result.hosts]))
    """, 64, 4096)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.splitlines()[-1]) == ["changed"] * 60
