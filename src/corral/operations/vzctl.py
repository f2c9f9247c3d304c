"""Manage OpenVZ containers with ``vzctl``: each operation runs its command every time
(as pyinfra's do), but ``create``, which refuses a CTID already in use."""

from __future__ import annotations

import re
from typing import Any

from corral.facts.vzctl import OPENVZ_KEY, OpenvzContainers
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

#: a vzctl option's name (``hostname`` is ``--hostname``)
_SETTING_RE = re.compile(r"[a-z][a-z0-9_-]*")
_NOTICE = "vzctl runs its command every time"


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [OPENVZ_KEY]


def _ctid(ctid: str | int) -> QuoteString:
    """The CTID (a number, or a name or UUID with newer vzctl), one word vzctl cannot
    read as an option."""
    text = str(ctid)
    if isinstance(ctid, bool) or not text or text.startswith("-") or "\n" in text:
        raise OperationValueError(f"{ctid!r} is not a CTID")
    return QuoteString(text)


@operation(is_idempotent=False, idempotent_notice=_NOTICE, changes=_changes)
def start(ctid: str | int, force: bool = False) -> OpGenerator:
    """Start an OpenVZ container.

    + ctid: its CTID
    + force: start it even when it is disabled (``--force``)

    Example:
        vzctl.start(101)
    """
    yield StringCommand("vzctl", "start", _ctid(ctid), *(["--force"] if force else []))


@operation(is_idempotent=False, idempotent_notice=_NOTICE, changes=_changes)
def stop(ctid: str | int) -> OpGenerator:
    """Stop an OpenVZ container.

    + ctid: its CTID

    Example:
        vzctl.stop(101)
    """
    yield StringCommand("vzctl", "stop", _ctid(ctid))


@operation(is_idempotent=False, idempotent_notice=_NOTICE, changes=_changes)
def restart(ctid: str | int, force: bool = False) -> OpGenerator:
    """Restart an OpenVZ container (stop, then start).

    + ctid: its CTID
    + force: start it even when it is disabled (``--force``)

    Example:
        vzctl.restart(101)
    """
    yield from stop._inner(ctid=ctid)
    yield from start._inner(ctid=ctid, force=force)


@operation(is_idempotent=False, idempotent_notice=_NOTICE, changes=_changes)
def mount(ctid: str | int) -> OpGenerator:
    """Mount an OpenVZ container's file systems.

    + ctid: its CTID

    Example:
        vzctl.mount(101)
    """
    yield StringCommand("vzctl", "mount", _ctid(ctid))


@operation(is_idempotent=False, idempotent_notice=_NOTICE, changes=_changes)
def unmount(ctid: str | int) -> OpGenerator:
    """Unmount an OpenVZ container's file systems.

    + ctid: its CTID

    Example:
        vzctl.unmount(101)
    """
    yield StringCommand("vzctl", "umount", _ctid(ctid))


@operation(is_idempotent=False, idempotent_notice=_NOTICE, changes=_changes)
def delete(ctid: str | int) -> OpGenerator:
    """Delete an OpenVZ container.

    + ctid: its CTID

    Example:
        vzctl.delete(101)
    """
    yield StringCommand("vzctl", "delete", _ctid(ctid))


@operation(is_idempotent=False, idempotent_notice="fails when the CTID is in use",
           changes=_changes)
def create(ctid: str | int, template: str | None = None) -> OpGenerator:
    """Create an OpenVZ container; an error when one has the CTID already.

    + ctid: its CTID
    + template: the OS template (``--ostemplate=``)

    Example:
        vzctl.create(101, template="centos-7-x86_64")
    """
    word = _ctid(ctid)
    existing = host.get_fact(OpenvzContainers)
    # the fact's CTIDs are numbers: "101" is the container 101 too
    if ctid in existing or (str(ctid).isdigit() and int(ctid) in existing):
        raise OperationError(f"an OpenVZ container with CTID {ctid} already exists")
    yield StringCommand("vzctl", "create", word,
                        *([QuoteString(f"--ostemplate={template}")] if template else []))


@operation(is_idempotent=False, idempotent_notice=_NOTICE, changes=_changes)
def set(ctid: str | int, save: bool = True, **settings: Any) -> OpGenerator:
    """Set an OpenVZ container's parameters.

    + ctid: its CTID
    + save: keep them in the container's configuration (``--save``)
    + settings: ``vzctl set`` options by name: ``hostname="my-host.net"`` is
      ``--hostname=my-host.net``; a list gives the option once per item

    Example:
        vzctl.set(101, hostname="my-host.net", nameserver=["1.1.1.1", "9.9.9.9"])
    """
    words: list[Any] = ["vzctl", "set", _ctid(ctid), *(["--save"] if save else [])]
    for key, value in settings.items():
        if not _SETTING_RE.fullmatch(key):
            raise OperationValueError(f"{key!r} is not a vzctl option name")
        for item in value if isinstance(value, list) else [value]:
            # one word, --name=value: a value starting with "-" stays the option's value
            words.append(QuoteString(f"--{key}={item}"))
    yield StringCommand(*words)
