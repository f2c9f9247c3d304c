"""crontab.Crontab against crontabs captured on Debian 12 (data/capture_server_extra.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from corral.facts import crontab
from corral.model.errors import FactParseError

DATA = Path(__file__).parents[1] / "data"


def load(name: str) -> Any:
    data = json.loads((DATA / f"{name}.json").read_text())
    fact = crontab.Crontab()
    assert fact.command(**data["kwargs"]) == data["command"]
    if data["exit"] == 0:
        return fact.process(data["output"])
    # a non-zero exit is the default only where the fact says "not there"
    assert fact.is_absent(data["exit"], data["stderr"]), data
    return fact.default()


def test_root_crontab() -> None:
    tab = load("crontab_root")
    assert [item.get("command") or item.get("env") for item in tab] == [
        "MAILTO=ops@example.com",
        "CRON_TZ=UTC",
        "/usr/local/bin/backup --all  >/dev/null 2>&1",
        'echo "tick" >> /var/log/tick.log',
        "/usr/bin/find /tmp -mtime +7 -delete",
    ]
    backup = tab.get_command(name="backup")
    assert backup == {
        "command": "/usr/local/bin/backup --all  >/dev/null 2>&1",
        "minute": 0, "hour": 2, "day_of_month": "*", "month": "*", "day_of_week": "1-5",
        "comments": ["", "# pyinfra-name=backup"],
    }
    assert tab["/usr/bin/find /tmp -mtime +7 -delete"] == {
        "command": "/usr/bin/find /tmp -mtime +7 -delete", "special_time": "@daily",
        "comments": []}
    assert tab.get_env("CRON_TZ=UTC") is not None
    # every line is kept, trailing comment included, so a rewrite loses nothing
    assert str(tab).splitlines()[-1] == "# a trailing comment"
    assert tab.lines[tab.line_numbers[2]].startswith("0 2 * * 1-5 ")


def test_other_users() -> None:
    assert load("crontab_nobody").get("/usr/local/bin/warm-cache")["special_time"] == "@reboot"
    missing = load("crontab_missing")
    assert not missing and len(missing) == 0
    assert crontab.Crontab().command(user="a b") == "crontab -l -u 'a b'"
    assert crontab.Crontab().reads(user="app") == frozenset({("crontab", "app")})


def test_from_dict() -> None:
    tab = crontab.CrontabFile({
        "echo hi": {"minute": 5, "hour": "*", "month": "*", "day_of_month": "*",
                    "day_of_week": "*", "comments": ["# pyinfra-name=hi"]},
        "PATH=/bin": {"env": "PATH=/bin"},
    })
    assert str(tab) == "# pyinfra-name=hi\n5 * * * * echo hi\nPATH=/bin"
    assert tab.find(name="hi") == 0
    assert tab == crontab.CrontabFile({"echo hi": dict(tab.commands[0]), "PATH=/bin":
                                       {"env": "PATH=/bin"}})


@given(st.lists(st.text(), max_size=10))
def test_parser_takes_anything(lines: list[str]) -> None:
    try:
        crontab.Crontab().process(lines)
    except FactParseError:
        pass


def test_only_no_crontab_and_an_unknown_user_read_as_an_empty_crontab() -> None:
    fact = crontab.Crontab()
    assert fact.is_absent(1, "no crontab for daemon\n")  # cron (Debian) and cronie
    assert fact.is_absent(1, "crontab:  user `app' unknown\n")  # Debian's cron
    assert fact.is_absent(1, "crontab: unknown user app\n")  # busybox
    assert not fact.is_absent(1, "must be privileged to use -u\n")
    assert not fact.is_absent(1, "crontab: can't open your crontab file: Permission denied\n")
    assert not fact.is_absent(2, "no crontab for daemon\n")
