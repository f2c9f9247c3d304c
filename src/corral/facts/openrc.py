"""Facts about OpenRC services: started or not, and the runlevels they are added to."""

from __future__ import annotations

import re
import shlex

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

from .systemd import SERVICES_KEY

# " sshd    [  started  ]", " cron   [  started 1 day(s) 02:03:04 (0) ]", " x [ stopped ]"
_STATUS_RE = re.compile(
    r"^\s*([A-Za-z0-9_.@-]+)\s+\[\s+([a-z]+)"
    r"(?:\s+(?:[0-9]+\s+day\(s\)\s+)?[0-9]+:[0-9]+:[0-9]+\s+\([0-9]+\))?\s+\]\s*$"
)


class OpenrcStatus(FactBase[dict[str, bool]]):
    """Services of a runlevel to whether they are started, from ``rc-status RUNLEVEL``."""

    requires_command = "rc-status"

    @staticmethod
    def default() -> dict[str, bool]:
        return {}

    def command(self, runlevel: str = "default") -> str:
        return f"rc-status {shlex.quote(runlevel)}"

    def process(self, output: list[str]) -> dict[str, bool]:
        services: dict[str, bool] = {}
        for line in output:
            match = _STATUS_RE.match(line)
            # headers ("Runlevel: default", "Dynamic Runlevel: manual") have no state
            if match:
                services[match.group(1)] = match.group(2) == "started"
        return services

    def reads(self, runlevel: str = "default") -> frozenset[Key]:
        return frozenset({SERVICES_KEY})


class OpenrcEnabled(FactBase[dict[str, bool]]):
    """Services to whether they are added to a runlevel, from ``rc-update show -v``."""

    requires_command = "rc-update"

    @staticmethod
    def default() -> dict[str, bool]:
        return {}

    def command(self, runlevel: str = "default") -> str:
        # the runlevel goes first so that the pure parser knows which one was asked for
        return f"echo {shlex.quote('runlevel=' + runlevel)}; rc-update show -v"

    def process(self, output: list[str]) -> dict[str, bool]:
        if not output or not output[0].startswith("runlevel="):
            raise FactParseError("missing runlevel marker")
        runlevel = output[0][len("runlevel="):]
        services: dict[str, bool] = {}
        for line in output[1:]:
            if not line.strip():
                continue
            name, sep, levels = line.partition("|")
            if not sep or not name.strip():
                raise FactParseError(f"cannot parse rc-update line: {line!r}")
            services[name.strip()] = runlevel in levels.split()
        return services

    def reads(self, runlevel: str = "default") -> frozenset[Key]:
        return frozenset({keys.path("/etc/runlevels")})
