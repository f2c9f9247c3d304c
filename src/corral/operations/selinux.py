"""Manage SELinux: booleans, file contexts, file context mappings and port types."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from corral.facts.selinux import (
    PROTOCOLS,
    SELINUX_KEY,
    FileContext,
    FileContextMapping,
    SEBoolean,
    SEPort,
    SEPorts,
)
from corral.facts.server import Which
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

#: a boolean's or a type's name in the policy (what the policy language allows)
_IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Boolean(Enum):
    ON = "on"
    OFF = "off"


class Protocol(Enum):
    UDP = "udp"
    TCP = "tcp"
    SCTP = "sctp"
    DCCP = "dccp"


def _ident(what: str, value: str) -> str:
    """A policy name: refused unless it is one (it then needs no quoting, and never reads
    as an option)."""
    if not isinstance(value, str) or not _IDENT_RE.fullmatch(value):
        raise OperationValueError(f"{what} {value!r} is not an SELinux name "
                                  "(letters, digits and _)")
    return value


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [SELINUX_KEY]


def _changes_path(path: str, *_a: Any, **_k: Any) -> list[Key]:
    return [SELINUX_KEY, keys.node(path)]


@operation(changes=_changes)
def boolean(bool_name: str, value: Boolean | str, persistent: bool = False) -> OpGenerator:
    """Set an SELinux boolean on or off.

    + bool_name: the boolean's name
    + value: ``Boolean.ON``/``Boolean.OFF`` (or ``"on"``/``"off"``)
    + persistent: also write it into the policy, so it holds after a reboot (``-P``)

    Example:
        selinux.boolean(
            name="Let Apache connect to the network",
            bool_name="httpd_can_network_connect",
            value=selinux.Boolean.ON,
            persistent=True,
        )
    """
    _ident("boolean", bool_name)
    wanted = value.value if isinstance(value, Boolean) else value
    if wanted not in ("on", "off"):
        raise OperationValueError(f"value must be Boolean.ON or Boolean.OFF, not {value!r}")
    if host.get_fact(SEBoolean, boolean=bool_name) == wanted:
        host.noop(f"boolean {bool_name} is already {wanted}")
        return
    yield StringCommand("setsebool", *(["-P"] if persistent else []), bool_name, wanted)


@operation(changes=_changes_path)
def file_context(path: str, se_type: str) -> OpGenerator:
    """Set a path's SELinux type (``chcon -t``; a relabelling, e.g. ``restorecon``,
    undoes it: see ``file_context_mapping``).

    + path: the path
    + se_type: its type

    Example:
        selinux.file_context(
            name="Let the web server serve /srv/www",
            path="/srv/www",
            se_type="httpd_sys_content_t",
        )
    """
    _ident("type", se_type)
    current = host.get_fact(FileContext, path=path) or {}
    if current.get("type") == se_type:
        host.noop(f"{path} already has type {se_type}")
        return
    yield StringCommand("chcon", "-t", se_type, "--", QuoteString(path))


@operation(changes=_changes)
def file_context_mapping(target: str, se_type: str | None = None,
                         present: bool = True) -> OpGenerator:
    """Map the paths an expression matches to an SELinux type in the policy (``semanage
    fcontext``), or remove the mapping. Existing files keep their label until relabelled
    (``restorecon``).

    + target: the paths' expression, as the policy lists it (``/web(/.*)?``)
    + se_type: their type (needed when present)
    + present: whether the mapping should exist

    Example:
        selinux.file_context_mapping(
            name="Let Apache serve /web",
            target=r"/web(/.*)?",
            se_type="httpd_sys_content_t",
        )
    """
    # the policy's file_contexts are whitespace-separated: a spec holds none
    if not target or any(c.isspace() for c in target) or target.startswith("-"):
        raise OperationValueError(f"bad file context expression {target!r}")
    if present and se_type is None:
        raise OperationValueError("se_type is needed when present=True")
    current = host.get_fact(FileContextMapping, target=target)
    if present:
        assert se_type is not None
        _ident("type", se_type)
        if current.get("type") == se_type:
            host.noop(f"{target} is already mapped to {se_type}")
            return
        yield StringCommand("semanage", "fcontext", "-m" if current else "-a", "-t", se_type,
                            "--", QuoteString(target))
    elif current:
        yield StringCommand("semanage", "fcontext", "-d", "--", QuoteString(target))
    else:
        host.noop(f"{target} is not mapped")


@operation(changes=_changes)
def port(protocol: Protocol | str, port_num: int, se_type: str | None = None,
         present: bool = True) -> OpGenerator:
    """Set the SELinux type of a protocol's port (``semanage port``), or remove it.

    + protocol: ``Protocol.TCP`` (``"tcp"``), UDP, SCTP or DCCP
    + port_num: the port
    + se_type: its type (needed when present)
    + present: whether the port should have the type

    Example:
        selinux.port(
            name="Let Apache listen on port 2222",
            protocol=selinux.Protocol.TCP,
            port_num=2222,
            se_type="http_port_t",
        )
    """
    proto = protocol.value if isinstance(protocol, Protocol) else protocol
    if proto not in PROTOCOLS:
        raise OperationValueError(f"protocol must be one of {', '.join(PROTOCOLS)}, "
                                  f"not {protocol!r}")
    if isinstance(port_num, bool) or not isinstance(port_num, int) or not 0 < port_num < 65536:
        raise OperationValueError(f"port_num must be a port number, not {port_num!r}")
    if present and se_type is None:
        raise OperationValueError("se_type is needed when present=True")
    if se_type is not None:
        _ident("type", se_type)
    # sepolicy answers for one port; without it, the whole table is read
    if host.get_fact(Which, command="sepolicy"):
        current = host.get_fact(SEPort, protocol=proto, port=port_num)
    else:
        current = host.get_fact(SEPorts).get(proto, {}).get(port_num, "")
    where = ("-p", proto, str(port_num))
    if present:
        assert se_type is not None
        if current == se_type:
            host.noop(f"{proto}/{port_num} already has type {se_type}")
            return
        yield StringCommand("semanage", "port", "-m" if current else "-a", "-t", se_type,
                            *where)
    elif current:
        yield StringCommand("semanage", "port", "-d", *where)
    else:
        host.noop(f"{proto}/{port_num} has no type")
