"""Deploy code calling operations is type-checked by mypy: ``@operation`` keeps an
operation's signature (``ParamSpec``) and adds the global arguments, so an argument of the
wrong type, a misspelt argument or an unknown global argument is a mypy error where the
deploy calls the operation, and a correct deploy checks clean (real mypy, strict)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

GOOD = '''\
from corral import host
from corral.api import HiddenValue
from corral.operations import apt, files, server

files.put(src="app.conf", dest="/etc/app.conf")
files.put("app.conf", "/etc/app.conf")
files.put(src="app.conf", dest="/etc/app.conf", mode="644", name="Put the config",
          _sudo=True, _sudo_user="root", _env={"LANG": "C"}, _if=lambda: True,
          _success_exit_codes=[0], _timeout=30, _retries=2, _retry_delay=1.5)
files.directory(path="/srv/app", present=True, _no_fail_on_link=True)
files.download(src="https://example.com/a.tgz", dest="/tmp/a.tgz", _sudo=True)
server.hostname(hostname="web1", _sudo=True)
result = server.shell(commands=["true"], _ignore_errors=True)
server.shell(commands="echo changed", _if=result)
apt.update(cache_time=3600, _sudo=True, _serial=True, _run_once=False)
server.shell(commands=["true"], _sudo=True, _sudo_password=HiddenValue("pw"))
if result.changed and host.name:
    print(result.stdout)
'''

# each bad call on a line of its own: (line text, what mypy's message must name)
BAD = [
    ('files.put(src=1, dest="/etc/app.conf")', '"int"'),
    ('files.put(srcc="app.conf", dest="/etc/app.conf")', '"srcc"'),
    ('files.put(src="app.conf", dest="/etc/app.conf", _sudoo=True)', '"_sudoo"'),
    ('files.put(src="app.conf", dest="/etc/app.conf", _sudo="yes")', "No overload variant"),
    ('server.shell(command=["true"])', '"command"'),
    ('files.download(src="https://example.com/a", dest=7)', '"int"'),
    ('server.hostname(host_name="web1")', '"host_name"'),
    ('apt.update(cache_time="1h")', '"str"'),
]


def _mypy(tmp_path: Path, files: dict[str, str]) -> list[str]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-color-output",
         "--config-file", "/dev/null", "--cache-dir", str(tmp_path / ".cache"), *files],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 2: mypy itself failed
    return [line for line in proc.stdout.splitlines() if ": error:" in line]


@pytest.fixture(scope="module")
def errors(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    bad = "from corral.operations import apt, files, server\n\n" + "".join(
        f"{line}\n" for line, _ in BAD)
    return _mypy(tmp_path_factory.mktemp("typing"), {"good.py": GOOD, "bad.py": bad})


def test_a_correct_deploy_type_checks_clean(errors: list[str]) -> None:
    assert [e for e in errors if e.startswith("good.py")] == []


@pytest.mark.parametrize(("index", "named"), [(i, n) for i, (_, n) in enumerate(BAD)],
                         ids=[line for line, _ in BAD])
def test_a_bad_call_is_a_mypy_error_on_its_line(errors: list[str], index: int,
                                                named: str) -> None:
    line = index + 3
    on_line = [e for e in errors if re.match(rf"bad\.py:{line}: error:", e)]
    assert on_line, f"no mypy error for {BAD[index][0]!r}: {errors}"
    assert any(named in e for e in on_line), on_line


def test_only_the_bad_lines_have_errors(errors: list[str]) -> None:
    lines = {int(e.split(":")[1]) for e in errors if e.startswith("bad.py")}
    assert lines == set(range(3, 3 + len(BAD)))
