"""Facts about launchd services (macOS)."""

from __future__ import annotations

from corral.model.facts import FactBase
from corral.model.keys import Key

from .systemd import SERVICES_KEY


class LaunchdStatus(FactBase[dict[str, bool]]):
    """Services to whether they run (have a pid), from ``launchctl list``."""

    requires_command = "launchctl"

    @staticmethod
    def default() -> dict[str, bool]:
        return {}

    def command(self) -> str:
        return "launchctl list"

    def process(self, output: list[str]) -> dict[str, bool]:
        services: dict[str, bool] = {}
        for line in output:
            # "PID\tStatus\tLabel", then "123\t0\tcom.example.a" or "-\t0\tcom.example.b"
            words = line.split()
            if len(words) < 3 or words[0] == "PID":
                continue
            services[words[2]] = words[0].isdigit()
        return services

    def reads(self) -> frozenset[Key]:
        return frozenset({SERVICES_KEY})
