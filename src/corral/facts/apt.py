"""Facts about apt itself (as opposed to the packages it installed, see ``deb``)."""

from __future__ import annotations

from corral.model import keys
from corral.model.errors import FactParseError
from corral.model.facts import FactBase
from corral.model.keys import Key

#: touched after every successful ``apt-get update``: by apt's periodic job on Ubuntu,
#: and by ``apt.update(cache_time=...)`` everywhere
APT_UPDATE_STAMP = "/var/lib/apt/periodic/update-success-stamp"


class AptCacheAge(FactBase[int | None]):
    """Seconds since apt's lists were last updated, or None when that was never recorded.

    Measured on the host (its clock minus the modification time of
    ``/var/lib/apt/periodic/update-success-stamp``), so the controller's clock and time
    zone do not matter. pyinfra has no such fact; its ``apt.update`` compares
    ``files.File`` of the same path with ``server.Date``.
    """

    def command(self) -> str:
        return (
            f"f={APT_UPDATE_STAMP}; "
            'if [ -e "$f" ]; then echo $(( $(date +%s) - $(stat -c %Y "$f") )); fi'
        )

    def process(self, output: list[str]) -> int | None:
        lines = [line.strip() for line in output if line.strip()]
        if not lines:
            return None
        if len(lines) != 1:
            raise FactParseError(f"expected one number of seconds, got {len(lines)} lines")
        try:
            age = int(lines[0])
        except ValueError:
            raise FactParseError(f"not a number of seconds: {lines[0]!r}") from None
        # a stamp in the future (clock skew) counts as just updated
        return max(age, 0)

    def reads(self) -> frozenset[Key]:
        return frozenset({keys.path(APT_UPDATE_STAMP)})
