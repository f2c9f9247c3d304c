"""Manage iptables: chains, single rules, and whole rule files applied atomically."""

from __future__ import annotations

import re
import shlex
from typing import Any

from corral.facts.iptables import (
    Ip6tablesChains,
    Ip6tablesRules,
    IptablesChains,
    IptablesRules,
    iptables_key,
)
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

from ._file import rules_file

__all__ = ["chain", "rule", "rules_file"]


def _changes(*_args: Any, version: int = 4, **_kwargs: Any) -> list[Key]:
    return [iptables_key(version)]


def _program(version: int) -> str:
    if version not in (4, 6):
        raise OperationValueError(f"version is 4 or 6, not {version}")
    return "iptables" if version == 4 else "ip6tables"


@operation(changes=_changes)
def chain(chain: str, present: bool = True, table: str = "filter",
          policy: str | None = None, version: int = 4) -> OpGenerator:
    """Add or remove an iptables chain, or set a built-in chain's policy.

    + chain: the chain's name
    + present: whether it should exist
    + table: its table
    + policy: the policy of a built-in chain (``ACCEPT``, ``DROP``)
    + version: 4 for iptables, 6 for ip6tables

    Removing a chain needs it empty and unreferenced (``iptables -X``).

    Example:
        iptables.chain(name="A chain for the app's rules", chain="APP")
    """
    program = _program(version)
    if policy and not re.fullmatch(r"[A-Za-z]+", policy):
        # -P takes the chain, then the policy as a word of its own: -x would be an option
        raise OperationValueError(f"bad policy {policy!r} (ACCEPT, DROP)")
    chains = host.get_fact(IptablesChains if version == 4 else Ip6tablesChains, table=table)
    base = StringCommand(program, "-t", QuoteString(table))
    if not present:
        if chain in chains:
            yield StringCommand(base, "-X", QuoteString(chain))
        else:
            host.noop(f"iptables chain {chain} does not exist")
        return
    if chain not in chains:
        yield StringCommand(base, "-N", QuoteString(chain))
    if policy and chains.get(chain) != policy:
        yield StringCommand(base, "-P", QuoteString(chain), QuoteString(policy))
    elif chain in chains:
        host.noop(f"iptables chain {chain} exists")


_PROTOCOL_OPTIONS = {"--dport", "--sport", "--tcp-flags", "--syn", "--tcp-option",
                     "--icmp-type", "--icmpv6-type"}
_NAT_TARGETS = {"to_destination": "DNAT", "to_source": "SNAT", "to_ports": "REDIRECT"}


@operation(changes=_changes)
def rule(
    chain: str,
    jump: str,
    present: bool = True,
    table: str = "filter",
    append: bool = True,
    version: int = 4,
    protocol: str | None = None,
    not_protocol: str | None = None,
    source: str | None = None,
    not_source: str | None = None,
    destination: str | None = None,
    not_destination: str | None = None,
    in_interface: str | None = None,
    not_in_interface: str | None = None,
    out_interface: str | None = None,
    not_out_interface: str | None = None,
    to_destination: str | None = None,
    to_source: str | None = None,
    to_ports: int | str | None = None,
    log_prefix: str | None = None,
    destination_port: int | None = None,
    source_port: int | None = None,
    extras: str = "",
) -> OpGenerator:
    """Add or remove an iptables rule.

    + chain: the chain the rule is in
    + jump: its target (``ACCEPT``, ``DROP``, a chain...)
    + present: whether it should exist
    + table: the table
    + append: add it at the end of the chain (else at the start)
    + version: 4 for iptables, 6 for ip6tables
    + protocol, source, destination, in_interface, out_interface: what the rule matches;
      each has a ``not_`` twin matching the opposite
    + to_destination, to_source, to_ports: the DNAT, SNAT and REDIRECT targets' options
    + log_prefix: the LOG target's prefix
    + destination_port, source_port: ports (need ``protocol``)
    + extras: more options, as iptables takes them (``-m comment --comment web``)

    A rule is found by comparing it with ``iptables-save``'s output, so give addresses,
    protocols and extras the way iptables-save shows them.

    Example:
        iptables.rule(
            name="Accept the web server's traffic",
            chain="INPUT",
            jump="ACCEPT",
            protocol="tcp",
            destination_port=80,
        )
    """
    program = _program(version)
    ports = "".join(
        f" {flag} {value}" for flag, value in (("--dport", destination_port),
                                               ("--sport", source_port)) if value
    )
    extras = f"{extras}{ports}"
    try:
        extra_words = set(shlex.split(extras))
    except ValueError:
        raise OperationValueError(f"cannot split extras {extras!r}") from None
    if protocol:
        protocol = protocol.lower()
        # iptables loads the protocol's match for its options, and iptables-save shows it
        if extra_words & _PROTOCOL_OPTIONS:
            extra_words |= {"-m", protocol}
    elif ports:
        raise OperationValueError("destination_port and source_port need a protocol")
    given_nat = {"to_destination": to_destination, "to_source": to_source,
                 "to_ports": to_ports}
    for name, target in _NAT_TARGETS.items():
        if given_nat[name] and (table != "nat" or jump != target):
            raise OperationValueError(f"{name} needs table='nat' and jump={target!r}")
    if log_prefix and jump != "LOG":
        raise OperationValueError("log_prefix needs jump='LOG'")

    matches: list[tuple[str, str, str | None, bool]] = [
        ("protocol", "-p", protocol, False), ("source", "-s", source, False),
        ("destination", "-d", destination, False), ("in_interface", "-i", in_interface, False),
        ("out_interface", "-o", out_interface, False),
        ("not_protocol", "-p", not_protocol.lower() if not_protocol else None, True),
        ("not_source", "-s", not_source, True), ("not_destination", "-d", not_destination, True),
        ("not_in_interface", "-i", not_in_interface, True),
        ("not_out_interface", "-o", not_out_interface, True),
    ]
    after = [("log_prefix", "--log-prefix", log_prefix),
             ("to_destination", "--to-destination", to_destination),
             ("to_source", "--to-source", to_source),
             ("to_ports", "--to-ports", str(to_ports) if to_ports else None)]
    definition: dict[str, Any] = {"chain": chain, "jump": jump}
    for name, _flag, value, _neg in matches:
        if value:
            address = name.endswith(("source", "destination")) and "/" not in value
            definition[name] = f"{value}/{32 if version == 4 else 128}" if address else value
    definition.update({name: value for name, _flag, value in after if value})
    if extra_words:
        definition["extras"] = extra_words

    rules = host.get_fact(IptablesRules if version == 4 else Ip6tablesRules, table=table)
    exists = definition in rules
    if exists == present:
        host.noop(f"iptables {chain} rule {'exists' if present else 'does not exist'}")
        return
    action = ("-A" if append else "-I") if present else "-D"
    words: list[object] = [program, "-t", QuoteString(table), action, QuoteString(chain)]
    for _name, flag, value, negated in matches:
        if value:
            words += [*(["!"] if negated else []), flag, QuoteString(value)]
    if extras.strip():
        words.append(extras.strip())
    words += ["-j", QuoteString(jump)]
    for _name, flag, value in after:
        if value:
            words += [flag, QuoteString(value)]
    yield StringCommand(*words)
