"""Global arguments that would reach a shell as more than a value: refused when the
operation (or fact) is called, so the start gate stops the run before any host changes:
exit 4, one line naming the deploy's file and line, the host and the operation; the canary
command inside never runs, and the marker operation before it neither."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._helpers import corral
from .test_bad_input import LINE, bad, deploy

CANARY = "canary"


def _cases(canary: Path) -> dict[str, tuple[str, list[str]]]:
    c = str(canary)
    return {
        "env name": (f"server.shell(commands='true', _env={{'A; touch {c}; B': '1'}})\n",
                     ["server.shell", "_env", "shell variable names"]),
        "shell": (f"server.shell(commands='true', _shell_executable=\"sh -c 'touch {c}' #\")\n",
                  ["server.shell", "_shell_executable"]),
        "shell builtin": ("server.shell(commands='true', _shell_executable='eval')\n",
                          ["server.shell", "_shell_executable", "'eval'"]),
        "sudo user": (f"server.shell(commands='true', _sudo=True, _sudo_user='x$(touch {c})')\n",
                      ["server.shell", "_sudo_user"]),
        "su user": (f"server.shell(commands='true', _su_user='x;touch {c}')\n",
                    ["server.shell", "_su_user"]),
        "chdir": ("server.shell(commands='true', _chdir='-')\n", ["server.shell", "_chdir"]),
        "timeout": ("server.shell(commands='true', _timeout=float('nan'))\n",
                    ["server.shell", "_timeout"]),
        "exit codes": ("server.shell(commands='true', _success_exit_codes=[256])\n",
                       ["server.shell", "_success_exit_codes"]),
        "password": ("server.shell(commands='true', _sudo=True, _sudo_password='a\\nb')\n",
                     ["server.shell", "_sudo_password", "one line"]),
        "config env": (f"from corral import config\nconfig.ENV = {{'X=$(touch {c})': '1'}}\n"
                       "server.shell(commands='true')\n",
                       ["server.shell", "config.ENV"]),
        "config shell": (f"from corral import config\nconfig.SHELL = 'sh;touch {c}'\n"
                         "server.shell(commands='true')\n",
                         ["server.shell", "config.SHELL"]),
        "deploy": ("from corral.api import deploy as d\n"
                   f"install = d('install')(lambda: server.shell(commands='true'))\n"
                   f"install(_env={{'$(touch {c})': '1'}})\n",
                   ["install", "_env"]),
        "fact": ("from corral.facts.server import Os\n"
                 f"host.get_fact(Os, _sudo=True, _sudo_user='a b;touch {c}')\n",
                 ["fact", "_sudo_user"]),
        "fact shell": ("from corral.facts.server import Os\n"
                       f"class Mine(Os):\n    shell_executable = 'sh;touch {c}'\n"
                       "host.get_fact(Mine)\n",
                       ["shell_executable"]),
    }


@pytest.mark.parametrize("case", list(_cases(Path(CANARY))))
def test_a_hostile_global_argument_is_bad_input_before_any_change(tmp_path: Path,
                                                                 case: str) -> None:
    canary = tmp_path / CANARY
    body, parts = _cases(canary)[case]
    deploy(tmp_path, body)
    ran = corral("@local", "deploy.py", "-y", cwd=tmp_path)
    line = bad(ran, "deploy.py:", "host @local", *parts)
    if case not in ("fact shell",):  # the fact class is checked where it is read
        assert f"deploy.py:{LINE + body.count(chr(10)) - 1}" in line, line
    assert not canary.exists()
    assert not (tmp_path / "marker").exists()
