"""Manage ufw (Uncomplicated Firewall): on or off, default policies, logging, rules."""

from __future__ import annotations

from typing import Any

from corral.facts.ufw import (
    ACTIONS,
    UFW_FILES,
    UFW_KEY,
    UfwRules,
    UfwStatus,
    canonical_rule,
    render_rule,
)
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

_POLICIES = ("allow", "deny", "reject")
_DIRECTIONS = ("incoming", "outgoing", "routed")
_LEVELS = ("off", "on", "low", "medium", "high", "full")


def _changes(*_args: Any, **_kwargs: Any) -> list[Key]:
    return [UFW_KEY, *(keys.path(p) for p in UFW_FILES), ("iptables", "4"), ("iptables", "6")]


@operation(changes=_changes)
def service(enabled: bool = True, reload: bool = False) -> OpGenerator:
    """Turn the firewall on (``ufw --force enable``, no prompt) or off.

    + enabled: whether ufw should be active (and start at boot)
    + reload: when it is already active, ``ufw reload`` it (at every run)

    Example:
        ufw.service(name="Turn the firewall on", enabled=True)
    """
    active = bool(host.get_fact(UfwStatus).get("active"))
    if enabled and not active:
        yield "ufw --force enable"
    elif enabled and reload:
        yield "ufw reload"
    elif not enabled and active:
        yield "ufw disable"
    else:
        host.noop(f"ufw is {'active' if active else 'inactive'}")


@operation(changes=_changes)
def default(policy: str, direction: str = "incoming") -> OpGenerator:
    """Set ufw's default policy for a direction of traffic.

    + policy: ``allow``, ``deny`` or ``reject``
    + direction: ``incoming``, ``outgoing`` or ``routed``

    Example:
        ufw.default(name="Deny what comes in", policy="deny", direction="incoming")
    """
    if policy not in _POLICIES:
        raise OperationValueError(f"policy is one of {', '.join(_POLICIES)}, not {policy!r}")
    if direction not in _DIRECTIONS:
        raise OperationValueError(
            f"direction is one of {', '.join(_DIRECTIONS)}, not {direction!r}")
    current = (host.get_fact(UfwStatus).get("default") or {}).get(direction)
    if current == policy:
        host.noop(f"ufw's default {direction} policy is {policy}")
        return
    yield StringCommand("ufw", "default", policy, direction)


@operation(changes=_changes)
def logging(level: str | bool) -> OpGenerator:
    """Set ufw's logging level.

    + level: ``off``, ``on``, ``low``, ``medium``, ``high`` or ``full`` (True is ``on``,
      False ``off``); ``on`` accepts any level already on

    Example:
        ufw.logging(name="Log a little", level="low")
    """
    word = {True: "on", False: "off"}.get(level, level) if isinstance(level, bool) else level
    if word not in _LEVELS:
        raise OperationValueError(f"level is one of {', '.join(_LEVELS)}, not {level!r}")
    current = host.get_fact(UfwStatus).get("logging")
    if (word == "off" and current is None) or (word == "on" and current is not None) \
            or current == word:
        host.noop(f"ufw logging is {current or 'off'}")
        return
    yield StringCommand("ufw", "logging", str(word))


@operation(changes=_changes)
def rule(
    action: str,
    port: str | int | None = None,
    proto: str | None = None,
    from_ip: str | None = None,
    to_ip: str | None = None,
    direction: str | None = None,
    interface: str | None = None,
    app: str | None = None,
    log: bool | str | None = False,
    comment: str | None = None,
    present: bool = True,
) -> OpGenerator:
    """Add or remove a ufw rule.

    + action: ``allow``, ``deny``, ``reject`` or ``limit``
    + port: a port, a range (``8000:8010``) or a list (``80,443``): the destination port
    + proto: ``tcp`` or ``udp``
    + from_ip: the source address or network (None: any)
    + to_ip: the destination address (None: any)
    + direction: ``in``, ``out`` or ``route``
    + interface: the interface (``on IFACE``)
    + app: an application profile instead of port and proto
    + log: True (``log``) or ``"log-all"`` to log what the rule matches
    + comment: a comment stored with the rule
    + present: whether the rule should exist

    Rules are compared with ``ufw show added``, so this works whether ufw is active or not.

    Example:
        ufw.rule(name="Let SSH in", action="allow", port=22, proto="tcp")
    """
    for what, word in (("port", port), ("proto", proto), ("from_ip", from_ip),
                       ("to_ip", to_ip), ("interface", interface), ("app", app),
                       ("comment", comment)):
        # ufw reads --rootdir=... and --datadir=... wherever they are on its command line
        if isinstance(word, str) and word.startswith("-"):
            raise OperationValueError(f"bad {what} {word!r}")
    if action not in ACTIONS:
        raise OperationValueError(f"action is one of {', '.join(ACTIONS)}, not {action!r}")
    if direction not in (None, "in", "out", "route"):
        raise OperationValueError(f"direction is in, out or route, not {direction!r}")
    log_word = "log" if log is True else (log or None)
    if log_word not in (None, "log", "log-all"):
        raise OperationValueError(f"log is True, 'log' or 'log-all', not {log!r}")
    if app and (port is not None or proto):
        raise OperationValueError("app cannot go with port or proto")
    if proto and port is None and not (from_ip or to_ip):
        raise OperationValueError("proto needs a port or an address")
    wanted = canonical_rule(action, direction, interface, from_ip, to_ip,
                            None if port is None else str(port), proto, app,
                            str(log_word) if log_word else None, comment)
    exists = wanted in host.get_fact(UfwRules)
    if exists == present:
        host.noop(f"ufw rule is {'present' if present else 'absent'}")
        return
    words = [QuoteString(word) for word in render_rule(wanted)]
    yield StringCommand("ufw", None if present else "delete", *words)
