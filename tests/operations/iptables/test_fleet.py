"""iptables.* on a real fleet host.

Fleet hosts share the controller's network namespace, so iptables is only touched in
chains of unique names that nothing jumps to (removed afterwards).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.operations import iptables
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, sh

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
