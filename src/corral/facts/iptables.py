"""Facts about iptables: the rules and chains of a table, and a digest of its state."""

from __future__ import annotations

import re
import shlex
from typing import Any

from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: rule options that get a name of their own in a rule's dict; the rest go in "extras"
RULE_ARGS = {
    "-A": "chain",
    "-j": "jump",
    "-p": "protocol",
    "-s": "source",
    "-d": "destination",
    "-i": "in_interface",
    "-o": "out_interface",
    "--log-prefix": "log_prefix",
    "--to-destination": "to_destination",
    "--to-source": "to_source",
    "--to-ports": "to_ports",
}

_NAME_RE = re.compile(r"^[A-Za-z0-9_.:+-]{1,64}$")


def iptables_key(version: int) -> Key:
    return ("iptables", str(version))


def save_command(version: int) -> str:
    return "iptables-save" if version == 4 else "ip6tables-save"


def parse_rule(line: str) -> dict[str, Any]:
    """One ``-A CHAIN ...`` line of iptables-save as a dict (see IptablesRules)."""
    try:
        words = shlex.split(line)
    except ValueError:
        raise FactParseError(f"cannot split iptables rule: {line!r}") from None
    rule: dict[str, Any] = {}
    extras: list[str] = []
    key: str | None = None
    negated = False
    values: list[str] = []

    def flush() -> None:
        if key is None:
            return
        if key in RULE_ARGS:
            name = RULE_ARGS[key]
            rule[f"not_{name}" if negated else name] = " ".join(values)
        else:
            if negated:
                extras.append("!")
            extras.append(key)
            if values:
                extras.append(" ".join(values))

    pending_not = False
    for word in words:
        if word == "!":
            flush()
            key, values, pending_not = None, [], True
        elif word.startswith("-") and len(word) > 1 and not word[1:].isdigit():
            flush()
            key, values, negated, pending_not = word, [], pending_not, False
        else:
            if key is None:
                raise FactParseError(f"a value without an option in rule: {line!r}")
            values.append(word)
    flush()
    if "chain" not in rule:
        raise FactParseError(f"rule without a chain: {line!r}")
    if extras:
        rule["extras"] = set(extras)
    return rule


class IptablesRules(FactBase[list[dict[str, Any]]]):
    """The rules of an iptables table (``filter`` by default), in order, as dicts.

    ``[{"chain": "INPUT", "jump": "ACCEPT", "protocol": "tcp", "extras": {"-m", "tcp",
    "--dport", "22"}}]``: ``-p``, ``-s``, ``-d``, ``-i``, ``-o`` (``not_...`` when negated
    with ``!``), ``-j`` and the NAT/LOG target options have names; other options and their
    values are in the ``extras`` set.
    """

    version = 4
    #: no iptables on the host: no rules (as in pyinfra)
    requires_command = "iptables-save"

    @staticmethod
    def default() -> list[dict[str, Any]]:
        return []

    def command(self, table: str = "filter") -> str:
        return f"{save_command(self.version)} -t {shlex.quote(table)}"

    def process(self, output: list[str]) -> list[dict[str, Any]]:
        return [parse_rule(line) for line in output if line.startswith("-A ")]

    def reads(self, table: str = "filter") -> frozenset[Key]:
        return frozenset({iptables_key(self.version)})


class Ip6tablesRules(IptablesRules):
    """The rules of an ip6tables table, in order, as dicts like IptablesRules'."""

    version = 6
    requires_command = "ip6tables-save"


class IptablesChains(FactBase[dict[str, str]]):
    """The chains of an iptables table to their policy (``"-"`` for user chains)."""

    version = 4
    requires_command = "iptables-save"

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self, table: str = "filter") -> str:
        return f"{save_command(self.version)} -t {shlex.quote(table)}"

    def process(self, output: list[str]) -> dict[str, str]:
        chains: dict[str, str] = {}
        for line in output:
            if not line.startswith(":"):
                continue
            parts = line[1:].split()
            if len(parts) not in (2, 3) or not _NAME_RE.match(parts[0]):
                raise FactParseError(f"cannot parse chain line: {line!r}")
            chains[parts[0]] = parts[1]
        return chains

    def reads(self, table: str = "filter") -> frozenset[Key]:
        return frozenset({iptables_key(self.version)})


class Ip6tablesChains(IptablesChains):
    """The chains of an ip6tables table to their policy (``"-"`` for user chains)."""

    version = 6
    requires_command = "ip6tables-save"


def digest_command(version: int, tables: list[str], chains: list[str] | None) -> str:
    """A shell pipeline printing the SHA-256 of the tables' rules (counters and comments
    left out), or of only the given chains of them."""
    save = save_command(version)
    dumps = "; ".join(f"{save} -t {shlex.quote(t)}" for t in tables)
    pipeline = f"{{ {dumps}; }} | grep -v '^#' | sed -e 's/ \\[[0-9]*:[0-9]*\\]$//'"
    if chains is not None:
        names = " ".join(chains)
        program = (
            f'BEGIN {{ n = split("{names}", c, " "); for (i = 1; i <= n; i++) keep[c[i]] = 1 }} '
            '/^\\*/ || (/^:/ && (substr($1, 2) in keep)) || ($1 == "-A" && ($2 in keep))'
        )
        pipeline += f" | awk {shlex.quote(program)}"
    return f"{pipeline} | sha256sum | cut -d' ' -f1"


class IptablesDigest(FactBase[str]):
    """The SHA-256 of tables' rules, or of some of their chains (a corral fact).

    ``iptables.rules_file`` compares it with what it recorded after it last applied a file.
    """

    @staticmethod
    def default() -> str:
        return ""

    def command(self, tables: list[str], chains: list[str] | None = None,
                version: int = 4) -> str:
        for name in [*tables, *(chains or [])]:
            if not _NAME_RE.match(name):
                raise ValueError(f"bad table or chain name {name!r}")
        return digest_command(version, tables, chains)

    def process(self, output: list[str]) -> str:
        lines = [line.strip() for line in output if line.strip()]
        if len(lines) != 1 or not re.fullmatch(r"[0-9a-f]{64}", lines[0]):
            raise FactParseError(f"not a sha256 digest: {lines!r}")
        return lines[0]

    def reads(self, tables: list[str], chains: list[str] | None = None,
              version: int = 4) -> frozenset[Key]:
        return frozenset({iptables_key(version)})
