"""Facts about ufw (Uncomplicated Firewall): its state and the rules added to it."""

from __future__ import annotations

import re
from typing import Any

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

ACTIONS = ("allow", "deny", "reject", "limit")
UFW_KEY: Key = ("ufw",)
UFW_FILES = ("/etc/default/ufw", "/etc/ufw")

_CONFIG_MARKER = "__corral_ufw_config__"
_POLICY_WORDS = {"ACCEPT": "allow", "DROP": "deny", "REJECT": "reject"}
_DIRECTION_OF = {
    "DEFAULT_INPUT_POLICY": "incoming",
    "DEFAULT_OUTPUT_POLICY": "outgoing",
    "DEFAULT_FORWARD_POLICY": "routed",
}
_PORT_RE = re.compile(r"^(?P<port>[0-9][0-9:,]*|[a-z][a-z0-9-]*)(?:/(?P<proto>tcp|udp))?$")

RuleDict = dict[str, str | None]


def canonical_rule(
    action: str,
    direction: str | None = None,
    interface: str | None = None,
    from_ip: str | None = None,
    to_ip: str | None = None,
    port: str | None = None,
    proto: str | None = None,
    app: str | None = None,
    log: str | None = None,
    comment: str | None = None,
) -> RuleDict:
    """A ufw rule as a dict shared by UfwRules and ``ufw.rule`` ("any" address is None)."""
    return {
        "action": action,
        "direction": direction,
        "interface": interface,
        "from_": None if from_ip == "any" else from_ip,
        "to": None if to_ip == "any" else to_ip,
        "port": port,
        "proto": proto,
        "app": app,
        "log": log,
        "comment": comment,
    }


def parse_rule(line: str) -> RuleDict | None:
    """One ``ufw show added`` line as a rule dict; None for headers and unknown forms."""
    words = line.split()
    if len(words) < 2 or words[0] != "ufw":
        return None
    i = 1
    direction = None
    if words[i] == "route":
        direction, i = "route", i + 1
    if i >= len(words) or words[i] not in ACTIONS:
        return None
    action, i = words[i], i + 1
    found: dict[str, str | None] = {}
    if i < len(words) and words[i] in ("log", "log-all"):
        found["log"], i = words[i], i + 1
    if i < len(words) and words[i] in ("in", "out"):
        direction = direction or words[i]
        i += 1
    if i + 1 < len(words) and words[i] == "on":
        found["interface"], i = words[i + 1], i + 2
    side = None
    while i < len(words):
        word = words[i]
        if word == "comment":
            text = " ".join(words[i + 1:])
            if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
                text = text[1:-1]
            found["comment"] = text
            break
        if i + 1 < len(words) and word in ("from", "to", "proto", "app"):
            if word in ("from", "to"):
                side = word
            found["from_ip" if word == "from" else "to_ip" if word == "to" else word] = \
                words[i + 1]
            i += 2
            continue
        if i + 1 < len(words) and word == "port":
            found["port" if side != "from" else "from_port"] = words[i + 1]
            i += 2
            continue
        match = _PORT_RE.match(word)
        if match and side is None and "port" not in found:
            found["port"], found["proto"] = match.group("port"), match.group("proto")
            i += 1
            continue
        return None  # a form this parser does not know: not comparable
    if "from_port" in found:
        return None
    return canonical_rule(action, direction, **found)


def render_rule(rule: RuleDict) -> list[str]:
    """The words of the ufw command line (after ``ufw``) that adds ``rule``."""
    get = rule.get
    simple = not any(get(k) for k in ("direction", "interface", "from_", "to", "app", "log",
                                      "comment"))
    if simple and get("port"):
        port = str(get("port"))
        return [str(get("action")), f"{port}/{get('proto')}" if get("proto") else port]
    words: list[str] = []
    if get("direction") == "route":
        words.append("route")
    words.append(str(get("action")))
    if get("log"):
        words.append(str(get("log")))
    if get("direction") in ("in", "out"):
        words.append(str(get("direction")))
    if get("interface"):
        words += ["on", str(get("interface"))]
    if get("from_"):
        words += ["from", str(get("from_"))]
    if get("to") or get("port") or get("app"):
        words += ["to", str(get("to") or "any")]
    if get("port"):
        words += ["port", str(get("port"))]
    if get("proto"):
        words += ["proto", str(get("proto"))]
    if get("app"):
        words += ["app", str(get("app"))]
    if get("comment"):
        words += ["comment", str(get("comment"))]
    return words


class UfwStatus(FactBase[dict[str, Any]]):
    """ufw's state: ``{"active": bool, "logging": "low"|None, "default": {"incoming":
    "deny", "outgoing": "allow", "routed": "disabled"}, "new_profiles": "skip"}``.

    From ``ufw status verbose``. While ufw is inactive, ``default`` and ``logging`` come
    from its configuration files (``/etc/default/ufw``, ``/etc/ufw/ufw.conf``), which is
    what it applies when enabled (pyinfra's fact then only has ``active``).
    """

    requires_command = "ufw"

    @staticmethod
    def default() -> dict[str, Any]:
        return {}

    def command(self) -> str:
        return (
            "ufw status verbose 2>/dev/null || true; "
            f"echo {_CONFIG_MARKER}; "
            "grep -hE '^(DEFAULT_(INPUT|OUTPUT|FORWARD)_POLICY|LOGLEVEL)=' "
            "/etc/default/ufw /etc/ufw/ufw.conf 2>/dev/null || true"
        )

    def process(self, output: list[str]) -> dict[str, Any]:
        status: dict[str, Any] = {"active": False}
        config: dict[str, str] = {}
        in_config = False
        for raw in output:
            line = raw.strip()
            if line == _CONFIG_MARKER:
                in_config = True
            elif in_config and line:
                name, sep, value = line.partition("=")
                if not sep:
                    raise FactParseError(f"not a ufw setting: {line!r}")
                config[name] = value.strip().strip("\"'")
            elif line.startswith("Status:"):
                status["active"] = line.split(":", 1)[1].strip() == "active"
            elif line.startswith("Logging:"):
                value = line.split(":", 1)[1].strip()
                level = re.match(r"on\s*\(([^)]+)\)", value)
                status["logging"] = level.group(1) if level else (
                    "on" if value.startswith("on") else None)
            elif line.startswith("Default:"):
                status["default"] = {
                    m.group(2): m.group(1)
                    for m in re.finditer(r"(\S+)\s*\(([^)]+)\)", line.split(":", 1)[1])
                }
            elif line.startswith("New profiles:"):
                status["new_profiles"] = line.split(":", 1)[1].strip()
        if not status["active"] and config:
            status["default"] = {
                _DIRECTION_OF[k]: _POLICY_WORDS.get(v, v.lower())
                for k, v in config.items() if k in _DIRECTION_OF
            }
            loglevel = config.get("LOGLEVEL", "off")
            status["logging"] = None if loglevel == "off" else loglevel
        return status

    def reads(self) -> frozenset[Key]:
        return frozenset({UFW_KEY, *(keys.path(p) for p in UFW_FILES)})


class UfwRules(FactBase[list[RuleDict]]):
    """The rules added to ufw (``ufw show added``) as dicts: action, direction,
    interface, from_, to, port, proto, app, log, comment (None when not given)."""

    requires_command = "ufw"

    @staticmethod
    def default() -> list[RuleDict]:
        return []

    def command(self) -> str:
        return "ufw show added 2>/dev/null || true"

    def process(self, output: list[str]) -> list[RuleDict]:
        rules = []
        for line in output:
            rule = parse_rule(line.strip())
            if rule is not None:
                rules.append(rule)
        return rules

    def reads(self) -> frozenset[Key]:
        return frozenset({UFW_KEY, *(keys.path(p) for p in UFW_FILES)})
