"""server.crontab: one entry of a user's crontab.

Published as ``server.crontab`` and imported by :mod:`corral.operations.server`.
"""

from __future__ import annotations

from typing import Any

from corral.facts.crontab import NAME_PREFIX, Crontab, CrontabFile
from corral.model.command import Diff, QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations.files import _util as u

Schedule = int | str | list[int | str] | tuple[int | str, ...]
_FIELDS = ("minute", "hour", "day_of_month", "month", "day_of_week")


def _schedule_text(value: Schedule) -> str:
    text = ",".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)
    if not text or any(c.isspace() for c in text):
        raise OperationValueError(f"bad crontab time field {value!r}")
    return text


def _crontab_changes(*_args: Any, user: str | None = None, **_kwargs: Any) -> list[Key]:
    return [("crontab", user or "")]


def _install(lines: list[str], new_line: int | None, user: str | None,
             interpolate_variables: bool) -> StringCommand:
    """``printf`` the crontab's lines into ``crontab -``; with ``interpolate_variables`` the
    remote shell expands ``$VARIABLES`` in the new line."""
    user_args = ("-u", QuoteString(user)) if user else ()
    if not lines:
        return StringCommand("crontab", *user_args, "-r")
    words = [
        u.shell_text(line, interpolate_variables) if i == new_line else QuoteString(line)
        for i, line in enumerate(lines)
    ]
    return StringCommand("printf", "'%s\\n'", *words, "|", "crontab", *user_args, "-")


@operation(changes=_crontab_changes)
def crontab(
    command: str,
    present: bool = True,
    user: str | None = None,
    cron_name: str | None = None,
    minute: Schedule = "*",
    hour: Schedule = "*",
    month: Schedule = "*",
    day_of_week: Schedule = "*",
    day_of_month: Schedule = "*",
    special_time: str | None = None,
    interpolate_variables: bool = False,
) -> OpGenerator:
    """Add, change or remove an entry of a user's crontab.

    + command: the command to run
    + present: whether the entry should exist
    + user: whose crontab (default: the user the operation runs as)
    + cron_name: a name for the entry, kept in a comment above it, so a later change of
      ``command`` updates the entry instead of adding another
    + minute, hour, month, day_of_week, day_of_month: when to run (a value, or a list
      of values joined with commas); ``*`` by default
    + special_time: a nickname such as ``@reboot`` or ``@daily``, used instead of the
      five time fields
    + interpolate_variables: let the remote shell expand ``$VARIABLES`` in ``command``

    Without ``cron_name`` the command identifies the entry: give different names to
    entries running the same command. The rest of the crontab is kept line for line.

    Example:
        server.crontab(
            name="Back up /etc nightly",
            command="tar czf /var/backups/etc.tgz /etc",
            cron_name="backup-etc",
            hour=2,
            minute=30,
        )
    """
    # a crontab is lines: a line break would end the entry (cron's crontab also shows a
    # carriage return as the two characters \r, so the entry would not be found again)
    if not command.strip() or any(c in command for c in "\n\r"):
        raise OperationValueError("the crontab command must be one non-empty line")
    if cron_name is not None and (not cron_name or any(c in cron_name for c in "\n\r")):
        raise OperationValueError(f"bad cron_name {cron_name!r}")
    if special_time is not None and not (special_time.startswith("@") and
                                         special_time[1:].isalpha()):
        raise OperationValueError(f"bad special_time {special_time!r}")
    times = dict(zip(_FIELDS, (_schedule_text(v) for v in
                               (minute, hour, day_of_month, month, day_of_week)), strict=True))
    entry = (f"{special_time} {command}" if special_time
             else " ".join(times[f] for f in _FIELDS) + f" {command}")
    name_line = f"{NAME_PREFIX}{cron_name}" if cron_name else None

    tab = host.get_fact(Crontab, user=user)
    if isinstance(tab, dict):  # a table written as pyinfra's tests write it
        tab = CrontabFile(tab)
    index = tab.find(command, cron_name)
    lines = list(tab.lines)
    new_line: int | None = None

    if index is None:
        if not present:
            host.noop(f"crontab has no entry {cron_name or command}")
            return
        if name_line:
            lines.append(name_line)
        new_line = len(lines)
        lines.append(entry)
    else:
        at = tab.line_numbers[index]
        item = tab.commands[index]
        named = name_line is not None and name_line in item.get("comments", [])
        if not present:
            comment_at = _name_comment_line(tab, at)
            drop = {at} | ({comment_at} if comment_at is not None else set())
            lines = [line for i, line in enumerate(lines) if i not in drop]
        elif lines[at].strip() == entry and (named or name_line is None):
            host.noop(f"crontab entry {cron_name or command} is up to date")
            return
        else:
            lines[at] = entry
            new_line = at
            if name_line and not named:
                lines.insert(at, name_line)
                new_line = at + 1

    old_text = "".join(f"{line}\n" for line in tab.lines)
    new_text = "".join(f"{line}\n" for line in lines)
    yield Diff(f"crontab of {user or 'the current user'}", old_text or None, new_text or None)
    yield _install(lines, new_line, user, interpolate_variables)


def _name_comment_line(tab: CrontabFile, at: int) -> int | None:
    """The index of the name comment in the comments just above line ``at``."""
    i = at - 1
    while i >= 0 and (not tab.lines[i].strip() or tab.lines[i].lstrip().startswith("#")):
        if tab.lines[i].strip().startswith(NAME_PREFIX):
            return i
        i -= 1
    return None
