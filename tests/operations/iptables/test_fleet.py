"""iptables.* and ufw.* on a real fleet host.

Fleet hosts share the controller's network namespace, so iptables is only touched in
chains of unique names that nothing jumps to (removed afterwards), and ufw is installed
and given rules, default policies and a logging level while it stays inactive (its
configuration files change, the kernel's rules do not: checked). ``ufw.service`` (enable)
is covered by unit tables only.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.operations import apt, iptables, ufw
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

TAG = f"{os.getpid() % 100000:05d}"
CHAIN = f"CORRAL-T{TAG}"
FILE_CHAIN = f"CORRAL-F{TAG}"


@pytest.fixture(scope="module")
def fw(host_fleet: Fleet) -> Iterator[Fleet]:
    yield host_fleet
    for chain in (CHAIN, FILE_CHAIN):
        sh(host_fleet, f"iptables -F {chain}; iptables -X {chain}", check=False)


def chain_rules(fleet: Fleet, chain: str) -> list[str]:
    return [line for line in sh(fleet, f"iptables -S {chain}").splitlines()
            if line.startswith("-A")]


def test_chain_and_rules(fw: Fleet) -> None:
    def present() -> None:
        iptables.chain(chain=CHAIN)
        iptables.rule(chain=CHAIN, jump="RETURN", source="127.0.9.1", protocol="tcp",
                      destination_port=9)
        iptables.rule(chain=CHAIN, jump="RETURN", not_source="127.0.9.0/24",
                      in_interface="lo", extras="-m comment --comment 'corral test'")
        iptables.rule(chain=CHAIN, jump="DROP", protocol="udp", append=False)

    converge(fw, present)
    assert chain_rules(fw, CHAIN) == [
        f"-A {CHAIN} -p udp -j DROP",
        f"-A {CHAIN} -s 127.0.9.1/32 -p tcp -m tcp --dport 9 -j RETURN",
        f'-A {CHAIN} ! -s 127.0.9.0/24 -i lo -m comment --comment "corral test" -j RETURN',
    ]
    assert CHAIN not in sh(fw, "iptables -S INPUT; iptables -S OUTPUT")

    def absent() -> None:
        iptables.rule(chain=CHAIN, jump="DROP", protocol="udp", present=False)
        iptables.rule(chain=CHAIN, jump="RETURN", source="127.0.9.1", protocol="tcp",
                      destination_port=9, present=False)
        iptables.rule(chain=CHAIN, jump="RETURN", not_source="127.0.9.0/24",
                      in_interface="lo", extras="-m comment --comment 'corral test'",
                      present=False)
        iptables.chain(chain=CHAIN, present=False)

    converge(fw, absent)
    assert f":{CHAIN} " not in sh(fw, "iptables-save -t filter")


def test_rules_file(fw: Fleet, tmp_path: Path) -> None:
    rules = tmp_path / "chain.rules"
    rules.write_text(f"*filter\n:{FILE_CHAIN} - [0:0]\n"
                     f"-A {FILE_CHAIN} -s 127.0.9.2/32 -j RETURN\n"
                     f"-A {FILE_CHAIN} -p tcp -m tcp --dport 9 -j DROP\nCOMMIT\n")

    def deploy() -> None:
        iptables.rules_file(src=str(rules), noflush=True)

    converge(fw, deploy)
    expected = [f"-A {FILE_CHAIN} -s 127.0.9.2/32 -j RETURN",
                f"-A {FILE_CHAIN} -p tcp -m tcp --dport 9 -j DROP"]
    assert chain_rules(fw, FILE_CHAIN) == expected
    # someone changes the chain: the next run puts the file's rules back, once
    sh(fw, f"iptables -A {FILE_CHAIN} -j ACCEPT")
    assert converge(fw, deploy).changed == 1
    assert chain_rules(fw, FILE_CHAIN) == expected
    # the file changes: applied again, replacing the chain's rules
    rules.write_text(f"*filter\n:{FILE_CHAIN} - [0:0]\n-A {FILE_CHAIN} -j RETURN\nCOMMIT\n")
    assert converge(fw, deploy).changed == 1
    assert chain_rules(fw, FILE_CHAIN) == [f"-A {FILE_CHAIN} -j RETURN"]


def test_ufw_while_inactive(fw: Fleet) -> None:
    before = sh(fw, "iptables-save | grep -v '^#' | grep -c ufw || true").strip()
    assert before == "0"

    def deploy() -> None:
        apt.packages(packages=["ufw"], update=True, cache_time=3600)
        ufw.default(policy="reject", direction="incoming")
        ufw.default(policy="deny", direction="outgoing")
        ufw.logging(level="medium")
        ufw.rule(action="allow", port=22, proto="tcp")
        ufw.rule(action="allow", from_ip="127.0.0.1", port=8080, proto="tcp")
        ufw.rule(action="deny", direction="in", interface="lo", from_ip="10.0.0.0/8",
                 comment="no tens")
        ufw.service(enabled=False)

    converge(fw, deploy)
    added = sh(fw, "ufw show added").splitlines()[1:]
    assert added == [
        "ufw allow 22/tcp",
        "ufw allow from 127.0.0.1 to any port 8080 proto tcp",
        "ufw deny in on lo from 10.0.0.0/8 comment 'no tens'",
    ]
    config = sh(fw, "cat /etc/default/ufw /etc/ufw/ufw.conf")
    assert 'DEFAULT_INPUT_POLICY="REJECT"' in config
    assert 'DEFAULT_OUTPUT_POLICY="DROP"' in config and "LOGLEVEL=medium" in config
    assert sh(fw, "ufw status").strip() == "Status: inactive"

    result = run(fw, lambda: ufw.rule(action="allow", port=22, proto="tcp", present=False))
    assert not result.failed and result.changed == 1
    assert "22/tcp" not in sh(fw, "ufw show added")
    assert sh(fw, "iptables-save | grep -v '^#' | grep -c ufw || true").strip() == "0"
