"""Facts about pip: the Python packages an interpreter's pip sees."""

from __future__ import annotations

import re
from typing import ClassVar

from corral.facts._util.packages import PACKAGES_KEY, parse_packages
from corral.model.facts import FactBase
from corral.model.keys import Key

# ``name==version`` from ``pip freeze``; editable (``-e ...``) and ``name @ url`` lines are
# not versions and are skipped
_LINE = re.compile(r"^([A-Za-z0-9_.+\-]+)==(\S+)$")


class PipPackages(FactBase[dict[str, set[str]]]):
    """Installed Python packages by name, each with the set of its versions
    (``pip freeze --all``; give ``pip`` to use another pip, e.g. a virtualenv's)."""

    pip_command: ClassVar[str] = "pip"
    #: the pip command is not there (pip not installed, a virtualenv not made yet): no
    #: packages. (``pip`` is shell text, not a program name ``requires_command`` could
    #: look for.)
    absent_exit_codes = (127,)

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self, pip: str | None = None) -> str:
        # the pip command is shell text, as in pyinfra: "pip3", "/srv/venv/bin/pip"...
        return f"{pip or self.pip_command} freeze --all 2>/dev/null"

    def process(self, output: list[str]) -> dict[str, set[str]]:
        return parse_packages(_LINE, output)

    def reads(self, pip: str | None = None) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})


class Pip3Packages(PipPackages):
    """Installed Python packages by name, each with the set of its versions
    (``pip3 freeze --all``)."""

    pip_command = "pip3"
