"""server.crontab as (args, crontab) -> commands."""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from corral.facts.crontab import Crontab, CrontabFile, parse_crontab
from corral.model.errors import OperationValueError
from corral.operations import server
from corral.testing.optest import fact, plan

TAB = [
    "MAILTO=ops@example.com",
    "# pyinfra-name=backup",
    "0 2 * * * /usr/local/bin/backup",
    "*/15 * * * * echo tick",
    "# trailing comment",
]


def run(lines: list[str], user: str | None = None, **args: Any) -> tuple[list[str], str]:
    """The commands, and the crontab they install (``-`` when removed)."""
    facts = {fact(Crontab, user=user): parse_crontab(lines)}
    result = plan(server.crontab, user=user, facts=facts, **args)
    new = result.diffs[0].new if result.diffs else None
    return result.shell, "-" if new is None else new


def installed(lines: list[str]) -> str:
    words = " ".join(shlex.quote(line) for line in lines)
    return f"printf '%s\\n' {words} | crontab -"


@pytest.mark.parametrize("args", [
    pytest.param({"command": "echo tick", "minute": "*/15"}, id="same entry"),
    pytest.param({"command": "/usr/local/bin/backup", "cron_name": "backup", "hour": 2,
                  "minute": 0}, id="same named entry"),
    pytest.param({"command": "echo gone", "present": False}, id="already absent"),
])
def test_already_correct(args: dict[str, Any]) -> None:
    assert run(TAB, **args) == ([], "-")


def test_add_an_entry() -> None:
    commands, new = run(TAB, command="rm -rf /tmp/cache/*", special_time="@daily")
    assert new.splitlines() == [*TAB, "@daily rm -rf /tmp/cache/*"]
    assert commands == [installed([*TAB, "@daily rm -rf /tmp/cache/*"])]


def test_add_a_named_entry_for_a_user() -> None:
    commands, new = run([], user="app", command="sync.sh", cron_name="sync",
                        minute=[0, 30], day_of_week="1-5")
    assert new == "# pyinfra-name=sync\n0,30 * * * 1-5 sync.sh\n"
    assert commands == ["printf '%s\\n' '# pyinfra-name=sync' '0,30 * * * 1-5 sync.sh' | "
                        "crontab -u app -"]


def test_change_the_schedule_in_place() -> None:
    _, new = run(TAB, command="echo tick", minute=5)
    assert new.splitlines()[3] == "5 * * * * echo tick"
    assert new.splitlines()[4] == "# trailing comment"


def test_a_named_entry_takes_a_new_command() -> None:
    _, new = run(TAB, command="/usr/local/bin/backup --all", cron_name="backup", hour=2,
                 minute=0)
    assert new.splitlines()[1:3] == ["# pyinfra-name=backup",
                                     "0 2 * * * /usr/local/bin/backup --all"]
    assert len(new.splitlines()) == len(TAB)


def test_naming_an_existing_entry() -> None:
    _, new = run(TAB, command="echo tick", cron_name="tick", minute="*/15")
    assert new.splitlines()[3:5] == ["# pyinfra-name=tick", "*/15 * * * * echo tick"]


def test_remove_an_entry_and_its_name() -> None:
    _, new = run(TAB, command="/usr/local/bin/backup", cron_name="backup", present=False)
    assert new.splitlines() == [TAB[0], TAB[3], TAB[4]]


def test_remove_the_last_entry() -> None:
    commands, new = run(["@reboot warm"], user="app", command="warm", present=False)
    assert commands == ["crontab -u app -r"]
    assert new == "-"


def test_interpolated_command() -> None:
    commands, _ = run([], command="echo $HOME $(id) `id`", interpolate_variables=True)
    # only $NAME expands on the host; $(...) and backquotes stay text
    assert commands == ["printf '%s\\n' \"* * * * * echo ${HOME} \\$(id) \\`id\\`\" | crontab -"]


def test_a_table_given_as_a_dict() -> None:
    tab = {"echo hi": {"minute": 5, "hour": "*", "month": "*", "day_of_month": "*",
                       "day_of_week": "*"}}
    result = plan(server.crontab, command="echo hi", minute=5,
                  facts={fact(Crontab, user=None): tab})
    assert result.shell == []
    assert isinstance(parse_crontab([]), CrontabFile)


@pytest.mark.parametrize("args", [
    {"command": ""}, {"command": "a\nb"}, {"command": "x", "minute": "1 2"},
    {"command": "x", "special_time": "daily"}, {"command": "x", "cron_name": ""},
])
def test_bad_arguments(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(server.crontab, **args)
