"""ufw.* facts on output captured in the fleet image, in a private network namespace
(data/capture_svc_net.py: ufw installed, rules added, then enabled)."""

from __future__ import annotations

from corral.facts import ufw

from .._capture_load import fuzz, lines_of, load


def rule(action: str, **kw: str | None) -> dict[str, str | None]:
    return ufw.canonical_rule(action, **kw)


def test_status() -> None:
    assert load("ufw_status_none") == {"active": False}  # ufw not installed
    assert load("ufw_status_fresh") == {
        "active": False, "logging": "low",
        "default": {"incoming": "deny", "outgoing": "allow", "routed": "deny"}}
    assert load("ufw_status_inactive") == {
        "active": False, "logging": "medium",
        "default": {"incoming": "deny", "outgoing": "deny", "routed": "deny"}}
    assert load("ufw_status_active") == {
        "active": True, "logging": "medium", "new_profiles": "skip",
        "default": {"incoming": "deny", "outgoing": "deny", "routed": "disabled"}}


def test_rules() -> None:
    assert load("ufw_rules_none") == []
    assert load("ufw_rules") == [
        rule("allow", port="22", proto="tcp"),
        rule("limit", port="2222", proto="tcp"),
        rule("allow", from_ip="127.0.0.1", port="80", proto="tcp"),
        rule("deny", direction="in", interface="lo", from_ip="10.0.0.0/8"),
        rule("allow", direction="out", port="53", comment="dns it is"),
        rule("allow", log="log-all", port="9000:9010", proto="udp"),
    ]


def test_render_round_trip() -> None:
    for parsed in load("ufw_rules"):
        line = "ufw " + " ".join(ufw.render_rule(parsed))
        assert ufw.parse_rule(line) == parsed, line
    assert ufw.parse_rule("ufw reject from 127.0.0.2 port 1234") is None  # a source port


def test_fuzz() -> None:
    fuzz(ufw.UfwStatus, lines_of("ufw_"))
    fuzz(ufw.UfwRules, lines_of("ufw_"))
