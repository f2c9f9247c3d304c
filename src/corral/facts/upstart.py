"""Facts about upstart jobs."""

from __future__ import annotations

import re

from corral.model.facts import FactBase
from corral.model.keys import Key

from .systemd import SERVICES_KEY

# "ssh start/running, process 812", "tty1 start/running, process 1034",
# "network-interface (eth0) start/running", "rc stop/waiting"
_JOB_RE = re.compile(r"^([A-Za-z0-9_.@-]+)(?: \([^)]*\))? [a-z]+/([a-z-]+)")


class UpstartStatus(FactBase[dict[str, bool]]):
    """Jobs to whether they are running, from ``initctl list`` (a job with instances is
    running when its last instance listed is)."""

    requires_command = "initctl"

    @staticmethod
    def default() -> dict[str, bool]:
        return {}

    def command(self) -> str:
        return "initctl list"

    def process(self, output: list[str]) -> dict[str, bool]:
        jobs: dict[str, bool] = {}
        for line in output:
            match = _JOB_RE.match(line)
            if match:
                jobs[match.group(1)] = match.group(2) == "running"
        return jobs

    def reads(self) -> frozenset[Key]:
        return frozenset({SERVICES_KEY})
