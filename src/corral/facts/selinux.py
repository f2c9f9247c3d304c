"""Facts about SELinux: booleans, file contexts, file context mappings and port types."""

from __future__ import annotations

import re
import shlex
from typing import Any

from corral.model import keys
from corral.model.facts import FactBase
from corral.model.keys import Key

#: what the selinux operations change and these facts read (the policy's settings)
SELINUX_KEY: Key = ("selinux",)
#: a context's fields, in the order ``user:role:type:level`` has them
FIELDS = ("user", "role", "type", "level")
PROTOCOLS = ("tcp", "udp", "sctp", "dccp")

# "amqp_port_t                    tcp      15672, 5671-5672"
_PORTS_RE = re.compile(r"^(\w+)\s+(\w+)\s+([\d\s,-]+)$")
# "/web(/.*)?    all files    system_u:object_r:httpd_sys_content_t:s0"
_CONTEXT_RE = re.compile(r"(\w+):(\w+):(\w+):(\S+)$")


class SEBoolean(FactBase[str]):
    """A boolean's current value, ``on`` or ``off`` (``getsebool NAME``); "" when there is
    no such boolean (or SELinux is disabled: getsebool exits 1 for both)."""

    requires_command = "getsebool"
    absent_exit_codes = (1,)

    @staticmethod
    def default() -> str:
        return ""

    def command(self, boolean: str) -> str:
        return f"getsebool -- {shlex.quote(boolean)}"

    def process(self, output: list[str]) -> str:
        # "httpd_can_network_connect --> off" (with " pending: on" when set not yet applied)
        for line in output:
            _name, sep, rest = line.partition(" --> ")
            if sep and rest.split():
                return rest.split()[0]
        return ""

    def reads(self, boolean: str) -> frozenset[Key]:
        return frozenset({SELINUX_KEY})


class FileContext(FactBase["dict[str, str] | None"]):
    """A path's SELinux context as ``{"user", "role", "type", "level"}`` (``stat -c %C``);
    None when the path does not exist or has no context (``?``, SELinux off)."""

    absent_exit_codes = (1,)

    def command(self, path: str) -> str:
        return f"stat -c %C -- {shlex.quote(path)}"

    def process(self, output: list[str]) -> dict[str, str] | None:
        parts = output[0].split(":", 3) if output else []
        if len(parts) < 4:
            return None
        return dict(zip(FIELDS, parts, strict=True))

    def reads(self, path: str) -> frozenset[Key]:
        return frozenset({SELINUX_KEY, keys.path(path)})


class FileContextMapping(FactBase[dict[str, str]]):
    """The context the policy maps a file-context expression to (``semanage fcontext -l``),
    as ``FileContext`` has it; {} when it maps none. The expression must be a whole spec
    of the listing (``/web(/.*)?``): pyinfra's ``grep '^TARGET'`` also matched longer
    specs, and then found none. Needs root."""

    requires_command = "semanage"

    @staticmethod
    def default() -> dict[str, str]:
        return {}

    def command(self, target: str) -> str:
        # the target on the first line (it holds no line break: the operation refuses
        # them), then the listing: the spec is compared as text, never as a regex
        return f"printf '%s\\n' {shlex.quote(target)} && semanage fcontext -n -l"

    def process(self, output: list[str]) -> dict[str, str]:
        if not output:
            return {}
        target, lines = output[0], output[1:]
        for line in lines:
            words = line.split()
            if words and words[0] == target:
                match = _CONTEXT_RE.search(line.strip())
                if match:
                    return dict(zip(FIELDS, match.groups(), strict=True))
        return {}

    def reads(self, target: str) -> frozenset[Key]:
        return frozenset({SELINUX_KEY})


class SEPorts(FactBase[dict[str, dict[int, str]]]):
    """Port types by protocol and port: ``{"tcp": {22: "ssh_port_t", ...}, ...}``, from
    ``semanage port -l -n`` (ranges expanded; ``unreserved_port_t``, which covers whole
    ranges, left out). Needs root."""

    requires_command = "semanage"

    @staticmethod
    def default() -> dict[str, dict[int, str]]:
        return {}

    def command(self) -> str:
        return "semanage port -l -n"

    def process(self, output: list[str]) -> dict[str, dict[int, str]]:
        labels: dict[str, dict[int, str]] = {}
        for line in output:
            match = _PORTS_RE.match(line.strip())
            if match is None or match.group(1) == "unreserved_port_t":
                continue
            ports = labels.setdefault(match.group(2), {})
            for item in match.group(3).split(","):
                first, _sep, last = item.strip().partition("-")
                if not first:
                    continue
                for port in range(int(first), int(last or first) + 1):
                    ports[port] = match.group(1)
        return labels

    def reads(self) -> frozenset[Key]:
        return frozenset({SELINUX_KEY})


class SEPort(FactBase[str]):
    """The type of one protocol's port (``sepolicy network -p PORT``), "" when none is set
    for it (only the generic type of its range). Needs ``policycoreutils-devel``."""

    requires_command = "sepolicy"
    absent_exit_codes = (1,)

    @staticmethod
    def default() -> str:
        return ""

    def command(self, protocol: str, port: Any) -> str:
        # port is an int and protocol one of PROTOCOLS (the operation checks both); the
        # listing's lines are "22: tcp ssh_port_t 22"
        return (f"sepolicy network -p {shlex.quote(str(port))} 2>/dev/null "
                f"| grep -e {shlex.quote(f': {protocol} ')}")

    def process(self, output: list[str]) -> str:
        # the port's own type comes first, then the generic type of the range around it
        if len(output) < 2:
            return ""
        words = output[0].split()
        return words[2] if len(words) > 2 else ""

    def reads(self, protocol: str, port: Any) -> frozenset[Key]:
        return frozenset({SELINUX_KEY})
