"""iptables.* facts on output captured in a private network namespace
(data/capture_svc_net.py)."""

from __future__ import annotations

import re

import pytest

from corral.facts import iptables
from corral.model.errors import FactParseError

from .._capture_load import fuzz, lines_of, load


def test_rules() -> None:
    rules = load("iptables_rules")
    assert rules == [
        {"chain": "CORRAL-FIX", "source": "127.0.0.5/32", "protocol": "tcp",
         "extras": {"-m", "tcp", "--dport", "22"}, "jump": "ACCEPT"},
        {"chain": "CORRAL-FIX", "not_source": "10.0.0.0/8", "in_interface": "lo",
         "extras": {"-m", "comment", "--comment", "a comment"}, "jump": "RETURN"},
        {"chain": "CORRAL-FIX", "protocol": "udp",
         "extras": {"-m", "multiport", "--dports", "53,123"}, "jump": "DROP"},
    ]
    nat = load("iptables_rules_nat")
    assert nat == [{"chain": "PREROUTING", "destination": "127.0.0.9/32", "protocol": "tcp",
                    "extras": {"-m", "tcp", "--dport", "80"}, "jump": "DNAT",
                    "to_destination": "127.0.0.1:8080"}]
    assert load("ip6tables_rules") == [{"chain": "INPUT", "source": "::1/128",
                                        "jump": "ACCEPT"}]
    negated = iptables.parse_rule("-A X -p tcp -m tcp ! --dport 22 -j DROP")
    assert negated["extras"] == {"-m", "tcp", "!", "--dport", "22"}
    with pytest.raises(FactParseError):
        iptables.parse_rule("-A X 'unclosed")


def test_chains() -> None:
    assert load("iptables_chains") == {"INPUT": "ACCEPT", "FORWARD": "DROP", "OUTPUT": "ACCEPT",
                                       "CORRAL-FIX": "-"}
    assert load("ip6tables_chains") == {"INPUT": "ACCEPT", "FORWARD": "ACCEPT",
                                        "OUTPUT": "ACCEPT"}
    with pytest.raises(FactParseError):
        iptables.IptablesChains().process([":"])


def test_digest() -> None:
    whole = load("iptables_digest")
    chain = load("iptables_digest_chain")
    assert re.fullmatch("[0-9a-f]{64}", whole) and re.fullmatch("[0-9a-f]{64}", chain)
    assert whole != chain
    with pytest.raises(ValueError):
        iptables.IptablesDigest().command(tables=["filter; rm -rf /"])


def test_fuzz() -> None:
    real = lines_of("ip")
    for cls in (iptables.IptablesRules, iptables.IptablesChains, iptables.IptablesDigest):
        fuzz(cls, real)
