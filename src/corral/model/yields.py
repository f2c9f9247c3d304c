"""What an operation's body yields, read in one place.

An operation is a generator: it yields commands (a shell string, a ``StringCommand``, an
upload, a download, a ``FunctionCommand``), ``Diff`` and ``HostDiff`` records of the
content it changes, and ``Note`` lines. The engine plans an operation by running its body
against the facts it knows (``engine.probe``) and tests plan one against a table of facts
(``testing.optest``): both sort what it yields with :func:`collect`, so a kind of item the
engine runs is never one a test refuses, or the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol

from .command import Command, Diff, HostDiff, Note, to_command

if TYPE_CHECKING:
    from .operation import OperationSpec


class Yields(Protocol):
    """Where :func:`collect` puts what an operation yields (the engine's ``Probe``, the
    tests' ``Planned``)."""

    commands: list[Command]
    diffs: list[Diff]
    #: diffs whose old side the engine reads on the host, with the change
    host_diffs: list[HostDiff]
    notes: list[str]


def collect(body: Iterable[Any], into: Yields, spec: OperationSpec | None = None) -> None:
    """Run an operation's ``body`` to its end, sorting each item it yields into ``into``.

    A plain string is a shell command; an item that is none of the kinds above is a
    ``TypeError`` (raised where the operation yielded it). When the operation ``spec``
    describes is not idempotent and gives a notice (``@operation(idempotent_notice=...)``)
    the notice is added to the notes of a plan that changes the host: shown with its
    result, it says why the operation changes on every run.
    """
    for item in body:
        if isinstance(item, Diff):
            into.diffs.append(item)
        elif isinstance(item, HostDiff):
            into.host_diffs.append(item)
        elif isinstance(item, Note):
            into.notes.append(item.text)
        else:
            into.commands.append(to_command(item))
    notice = spec.notice() if spec is not None else None
    if notice and into.commands:
        into.notes.append(notice)
