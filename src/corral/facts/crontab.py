"""Facts about crontabs: the entries of a user's crontab."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from typing import Any, NotRequired, TypedDict, cast

from corral.model.facts import FactBase
from corral.model.keys import Key

#: the comment naming an entry (the marker pyinfra writes, so its crontabs carry over)
NAME_PREFIX = "# pyinfra-name="

_ENV = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_INT = re.compile(r"\d{1,9}", re.ASCII)


class CrontabDict(TypedDict):
    """One crontab entry: a command with its schedule, or an environment line (``env``)."""

    command: NotRequired[str]
    env: NotRequired[str]
    minute: NotRequired[int | str]
    hour: NotRequired[int | str]
    month: NotRequired[int | str]
    day_of_month: NotRequired[int | str]
    day_of_week: NotRequired[int | str]
    comments: NotRequired[list[str]]
    special_time: NotRequired[str]


def _field(value: str) -> int | str:
    return int(value) if _INT.fullmatch(value) else value


def format_entry(item: CrontabDict) -> str:
    """The crontab line of an entry (without its comments)."""
    if "env" in item:
        return item["env"]
    if "special_time" in item:
        return f"{item['special_time']} {item.get('command', '')}"
    return " ".join(
        str(item.get(k, "*"))
        for k in ("minute", "hour", "day_of_month", "month", "day_of_week")
    ) + f" {item.get('command', '')}"


class CrontabFile:
    """A crontab: its entries in order (``commands``) and its lines as read (``lines``).

    Built from a ``{command: details}`` dict too (as pyinfra's tests write it).
    """

    def __init__(self, input_dict: dict[str, Any] | None = None) -> None:
        self.commands: list[CrontabDict] = []
        self.lines: list[str] = []
        #: index in ``lines`` of each entry of ``commands``
        self.line_numbers: list[int] = []
        for command, details in (input_dict or {}).items():
            item = cast(CrontabDict, dict(details))
            if "env" not in item:
                item["command"] = command
            for comment in item.get("comments", []):
                self.lines.append(comment)
            self.add_item(item)

    def add_item(self, item: CrontabDict, line: str | None = None) -> None:
        self.line_numbers.append(len(self.lines))
        self.lines.append(format_entry(item) if line is None else line)
        self.commands.append(item)

    def __len__(self) -> int:
        return len(self.commands)

    def __bool__(self) -> bool:
        return bool(self.commands)

    def __iter__(self) -> Iterator[CrontabDict]:
        return iter(self.commands)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CrontabFile) and other.commands == self.commands

    __hash__ = None  # type: ignore[assignment]

    def items(self) -> dict[str, CrontabDict]:
        return {item.get("command") or item.get("env", ""): item for item in self.commands}

    def find(self, command: str | None = None, name: str | None = None) -> int | None:
        """The index of the entry named ``name`` (by its name comment), else of the first
        entry running ``command``."""
        if name is not None:
            marker = f"{NAME_PREFIX}{name}"
            for i, item in enumerate(self.commands):
                if marker in item.get("comments", []):
                    return i
        for i, item in enumerate(self.commands):
            if command is not None and item.get("command") == command:
                return i
        return None

    def get_command(self, command: str | None = None,
                    name: str | None = None) -> CrontabDict | None:
        index = self.find(command, name)
        return None if index is None else self.commands[index]

    def get_env(self, env: str) -> CrontabDict | None:
        return next((i for i in self.commands if i.get("env") == env), None)

    def get(self, item: str) -> CrontabDict | None:
        return self.get_command(command=item, name=item) or self.get_env(item)

    def __getitem__(self, item: str) -> CrontabDict | None:
        return self.get(item)

    def to_json(self) -> list[CrontabDict]:
        return self.commands

    def __str__(self) -> str:
        return "\n".join(self.lines)

    def __repr__(self) -> str:
        return f"CrontabFile({self.commands!r})"


def parse_crontab(output: list[str]) -> CrontabFile:
    crons = CrontabFile()
    comments: list[str] = []
    for raw in output:
        line = raw.strip()
        if not line or line.startswith("#"):
            comments.append(line)
            crons.lines.append(raw)
            continue
        item: CrontabDict
        if line.startswith("@"):
            special, _, command = line.partition(" ")
            item = {"command": command.strip(), "special_time": special}
        elif _ENV.match(line):
            item = {"env": line}
        else:
            fields = line.split(None, 5)
            if len(fields) < 6:
                # cron would reject it; keep the line, as an entry nothing matches
                item = {"env": line}
            else:
                minute, hour, day_of_month, month, day_of_week, command = fields
                item = {
                    "command": command,
                    "minute": _field(minute),
                    "hour": _field(hour),
                    "month": _field(month),
                    "day_of_month": _field(day_of_month),
                    "day_of_week": _field(day_of_week),
                }
        item["comments"] = comments
        crons.add_item(item, raw)
        comments = []
    return crons


#: crontab -l's "nothing there": cron's and cronie's "no crontab for USER", and a user
#: unknown (cron: "user 'x' unknown", cronie: "user x unknown", busybox: "unknown user x")
_NO_CRONTAB = re.compile(r"^(crontab:\s*)?(no crontab for |user .* unknown|unknown user )", re.M)


class Crontab(FactBase[CrontabFile]):
    """The crontab of ``user`` (the current user if None) as a CrontabFile: entries with
    command, minute, hour, month, day_of_month, day_of_week or special_time, comments."""

    requires_command = "crontab"

    @staticmethod
    def default() -> CrontabFile:
        return CrontabFile()

    def command(self, user: str | None = None) -> str:
        if user:
            return f"crontab -l -u {shlex.quote(user)}"
        return "crontab -l"

    def is_absent(self, exit_code: int, stderr: str) -> bool:
        # "no crontab for USER", and a user that does not exist (yet): an empty crontab.
        # Anything else ("must be privileged to use -u", a crontab that cannot be read)
        # fails what reads it, rather than be taken for an empty one and filled again
        return exit_code == 1 and bool(_NO_CRONTAB.search(stderr))

    def process(self, output: list[str]) -> CrontabFile:
        return parse_crontab(output)

    def reads(self, user: str | None = None) -> frozenset[Key]:
        return frozenset({("crontab", user or "")})
