"""Facts about Go programs installed with ``go install``."""

from __future__ import annotations

from corral.facts._util.packages import PACKAGES_KEY
from corral.model.facts import FactBase
from corral.model.keys import Key

#: the directory ``go install`` writes programs to, as sh text setting ``BINDIR``
GO_BINDIR = 'BINDIR=$(go env GOBIN); [ -z "$BINDIR" ] && BINDIR="$(go env GOPATH)/bin";'


class GoPackages(FactBase[dict[str, set[str]]]):
    """Programs installed with ``go install`` by import path, each with the set of its
    module's versions (``go version -m`` of every executable in ``$GOBIN``, else
    ``$GOPATH/bin``); programs built from a work tree (``(devel)``) are left out."""

    requires_command = "go"

    @staticmethod
    def default() -> dict[str, set[str]]:
        return {}

    def command(self) -> str:
        return (
            f"{GO_BINDIR} "
            '! test -d "$BINDIR" || '
            '{ find "$BINDIR" -maxdepth 1 -type f -perm -u+x '
            # a file there that is no Go program makes go version fail: it is left out
            "-exec go version -m {} + 2>/dev/null || true; }"
        )

    def process(self, output: list[str]) -> dict[str, set[str]]:
        packages: dict[str, set[str]] = {}
        path: str | None = None
        for line in output:
            if not line.startswith("\t"):  # "FILE: go1.22.1", a new program
                path = None
                continue
            fields = line.split("\t")
            if len(fields) < 3:
                continue
            if fields[1] == "path":
                path = fields[2]
            elif fields[1] == "mod" and path is not None and len(fields) >= 4:
                if fields[3] != "(devel)":
                    packages.setdefault(path, set()).add(fields[3])
                path = None
        return packages

    def reads(self) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
