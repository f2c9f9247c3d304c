"""ufw.* on a real fleet host.

Fleet hosts share the controller's network namespace, so ufw is installed and given rules,
default policies and a logging level while it stays inactive (its configuration files
change, the kernel's rules do not: checked). ``ufw.service`` (enable) is covered by unit
tables only.
"""

from __future__ import annotations

import pytest

from corral.operations import apt, ufw
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration


def test_ufw_while_inactive(host_fleet: Fleet) -> None:
    before = sh(host_fleet, "iptables-save | grep -v '^#' | grep -c ufw || true").strip()
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

    converge(host_fleet, deploy)
    added = sh(host_fleet, "ufw show added").splitlines()[1:]
    assert added == [
        "ufw allow 22/tcp",
        "ufw allow from 127.0.0.1 to any port 8080 proto tcp",
        "ufw deny in on lo from 10.0.0.0/8 comment 'no tens'",
    ]
    config = sh(host_fleet, "cat /etc/default/ufw /etc/ufw/ufw.conf")
    assert 'DEFAULT_INPUT_POLICY="REJECT"' in config
    assert 'DEFAULT_OUTPUT_POLICY="DROP"' in config and "LOGLEVEL=medium" in config
    assert sh(host_fleet, "ufw status").strip() == "Status: inactive"

    result = run(host_fleet, lambda: ufw.rule(action="allow", port=22, proto="tcp", present=False))
    assert not result.failed and result.changed == 1
    assert "22/tcp" not in sh(host_fleet, "ufw show added")
    assert sh(host_fleet, "iptables-save | grep -v '^#' | grep -c ufw || true").strip() == "0"
