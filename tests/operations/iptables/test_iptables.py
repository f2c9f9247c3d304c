"""iptables.chain, iptables.rule and iptables.rules_file as (args, facts) -> commands."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from corral.facts.files import FileContents
from corral.facts.iptables import Ip6tablesRules, IptablesChains, IptablesDigest, IptablesRules
from corral.model.command import FileUploadCommand
from corral.model.errors import OperationValueError
from corral.operations import iptables
from corral.operations.iptables._file import parse_restore_file
from corral.testing.optest import fact, plan

CHAINS = {"INPUT": "ACCEPT", "FORWARD": "DROP", "OUTPUT": "ACCEPT", "APP": "-"}

CHAIN_CASES = [
    ({"chain": "APP"}, []),
    ({"chain": "NEW"}, ["iptables -t filter -N NEW"]),
    ({"chain": "APP", "present": False}, ["iptables -t filter -X APP"]),
    ({"chain": "NEW", "present": False}, []),
    ({"chain": "FORWARD", "policy": "DROP"}, []),
    ({"chain": "INPUT", "policy": "DROP"}, ["iptables -t filter -P INPUT DROP"]),
]


@pytest.mark.parametrize(("args", "expected"), CHAIN_CASES)
def test_chain(args: dict[str, Any], expected: list[str]) -> None:
    table = {fact(IptablesChains, table="filter"): CHAINS}
    result = plan(iptables.chain, facts=table, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


SSH_RULE = {"chain": "INPUT", "source": "127.0.0.5/32", "protocol": "tcp",
            "extras": {"-m", "tcp", "--dport", "22"}, "jump": "ACCEPT"}
NAT_RULE = {"chain": "PREROUTING", "destination": "127.0.0.9/32", "protocol": "tcp",
            "extras": {"-m", "tcp", "--dport", "80"}, "jump": "DNAT",
            "to_destination": "127.0.0.1:8080"}
SSH_ARGS = {"chain": "INPUT", "jump": "ACCEPT", "source": "127.0.0.5", "protocol": "tcp",
            "destination_port": 22}

RULE_CASES = [
    (SSH_ARGS, [SSH_RULE], []),
    (SSH_ARGS, [], ["iptables -t filter -A INPUT -p tcp -s 127.0.0.5 --dport 22 -j ACCEPT"]),
    ({**SSH_ARGS, "append": False}, [],
     ["iptables -t filter -I INPUT -p tcp -s 127.0.0.5 --dport 22 -j ACCEPT"]),
    ({**SSH_ARGS, "present": False}, [SSH_RULE],
     ["iptables -t filter -D INPUT -p tcp -s 127.0.0.5 --dport 22 -j ACCEPT"]),
    ({**SSH_ARGS, "present": False}, [], []),
    ({"chain": "X", "jump": "RETURN", "not_source": "10.0.0.0/8", "in_interface": "lo",
      "extras": "-m comment --comment 'a comment'"},
     [{"chain": "X", "not_source": "10.0.0.0/8", "in_interface": "lo", "jump": "RETURN",
       "extras": {"-m", "comment", "--comment", "a comment"}}], []),
    ({"chain": "X", "jump": "DROP", "protocol": "udp"}, [],
     ["iptables -t filter -A X -p udp -j DROP"]),
]


@pytest.mark.parametrize(("args", "rules", "expected"), RULE_CASES)
def test_rule(args: dict[str, Any], rules: list[dict[str, Any]], expected: list[str]) -> None:
    result = plan(iptables.rule, facts={fact(IptablesRules, table="filter"): rules}, **args)
    assert result.shell == expected


def test_rule_nat_and_v6() -> None:
    args: dict[str, Any] = {
        "chain": "PREROUTING", "jump": "DNAT", "table": "nat", "destination": "127.0.0.9",
        "protocol": "tcp", "destination_port": 80, "to_destination": "127.0.0.1:8080"}
    table = {fact(IptablesRules, table="nat"): [NAT_RULE]}
    assert plan(iptables.rule, facts=table, **args).shell == []
    v6: dict[Any, Any] = {fact(Ip6tablesRules, table="filter"): []}
    assert plan(iptables.rule, chain="INPUT", jump="ACCEPT", source="::1", version=6,
                facts=v6).shell == ["ip6tables -t filter -A INPUT -s ::1 -j ACCEPT"]
    v6 = {fact(Ip6tablesRules, table="filter"): [{"chain": "INPUT", "source": "::1/128",
                                                  "jump": "ACCEPT"}]}
    assert plan(iptables.rule, chain="INPUT", jump="ACCEPT", source="::1", version=6,
                facts=v6).shell == []


@pytest.mark.parametrize("args", [
    {"destination_port": 22},
    {"to_destination": "1.2.3.4"},
    {"table": "nat", "jump": "SNAT", "to_ports": 80},
    {"log_prefix": "x"},
    {"version": 5},
])
def test_rule_bad_arguments(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(iptables.rule, **{"chain": "INPUT", "jump": "ACCEPT", **args})


RULES = "*filter\n:APP - [0:0]\n-A APP -s 127.0.0.5/32 -j RETURN\nCOMMIT\n"


def test_rules_file(tmp_path: Path) -> None:
    src = tmp_path / "app.rules"
    src.write_text(RULES)
    sha = hashlib.sha256(RULES.encode()).hexdigest()
    digest_fact = fact(IptablesDigest, tables=["filter"], chains=["APP"], version=4)
    result = plan(iptables.rules_file, src=str(src), noflush=True, facts={
        fact(FileContents, path=_state("filter", ["APP"])): None, digest_fact: "d" * 64})
    assert result.shell[0] == "mkdir -p -m 700 /var/lib/corral/iptables"
    upload = result.commands[1]
    assert isinstance(upload, FileUploadCommand) and upload.content() == RULES.encode()
    assert result.shell[2].startswith(f"iptables-restore --noflush < {upload.dest} && printf")
    assert f"{sha} " in result.shell[2] and "sha256sum" in result.shell[2]
    done = plan(iptables.rules_file, src=str(src), noflush=True, facts={
        fact(FileContents, path=_state("filter", ["APP"])): [f"{sha} {'d' * 64}"],
        digest_fact: "d" * 64})
    assert done.shell == [] and done.notes
    changed = plan(iptables.rules_file, src=str(src), noflush=True, facts={
        fact(FileContents, path=_state("filter", ["APP"])): [f"{sha} {'d' * 64}"],
        digest_fact: "e" * 64})
    assert changed.changed
    whole = plan(iptables.rules_file, src=str(src), facts={
        fact(FileContents, path=_state("filter", None)): None,
        fact(IptablesDigest, tables=["filter"], chains=None, version=4): "d" * 64})
    assert whole.shell[2].startswith("iptables-restore < ")


def _state(table: str, chains: list[str] | None) -> str:
    scope = hashlib.sha256(repr((4, [table], chains)).encode()).hexdigest()[:16]
    return f"/var/lib/corral/iptables/{scope}.v4.state"


@pytest.mark.parametrize("text", [
    "", "*filter\n-A X -j DROP\n", "COMMIT\n", "-A X -j DROP\n", "*filter\n*nat\nCOMMIT\n",
])
def test_rules_file_bad(text: str) -> None:
    with pytest.raises(OperationValueError):
        parse_restore_file(text)


def test_rules_file_noflush_only_own_chains(tmp_path: Path) -> None:
    src = tmp_path / "bad.rules"
    src.write_text("*filter\n:APP - [0:0]\n-A INPUT -j APP\nCOMMIT\n")
    with pytest.raises(OperationValueError):
        plan(iptables.rules_file, src=str(src), noflush=True)
