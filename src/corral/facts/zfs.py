"""Facts about ZFS: pools and datasets (filesystems, snapshots, volumes) with their
properties."""

from __future__ import annotations

from corral.model.facts import FactBase
from corral.model.keys import Key

#: what the zfs operations change and these facts read
ZFS_KEY: Key = ("zfs",)

Table = dict[str, dict[str, str]]


def _table(output: list[str]) -> Table:
    """``zfs get -H``/``zpool get -H``'s ``NAME<TAB>PROPERTY<TAB>VALUE<TAB>SOURCE`` lines
    as {name: {property: value}} (a value may hold spaces, never a tab)."""
    found: Table = {}
    for line in output:
        fields = line.split("\t")
        if len(fields) < 3:
            continue
        found.setdefault(fields[0], {})[fields[1]] = fields[2]
    return found


class _ZfsTable(FactBase[Table]):
    abstract = True
    requires_command = "zfs"

    @staticmethod
    def default() -> Table:
        return {}

    def is_absent(self, exit_code: int, stderr: str) -> bool:
        # zfs installed, its kernel module not loaded: no pool, no dataset (pyinfra checks
        # the module first and reads nothing)
        return exit_code == 1 and "modules are not loaded" in stderr

    def process(self, output: list[str]) -> Table:
        return _table(output)

    def reads(self) -> frozenset[Key]:
        return frozenset({ZFS_KEY})


class ZfsPools(_ZfsTable):
    """Pools and their properties: ``{"tank": {"size": "9.50G", "health": "ONLINE", ...}}``
    (``zpool get -H all``)."""

    requires_command = "zpool"

    def command(self) -> str:
        return "zpool get -H all"


class ZfsDatasets(_ZfsTable):
    """Datasets (filesystems, snapshots, volumes) and their properties:
    ``{"tank/home": {"type": "filesystem", "mountpoint": "/home", ...}}``
    (``zfs get -H all``)."""

    def command(self) -> str:
        return "zfs get -H all"


class _ZfsOfType(ZfsDatasets):
    abstract = True
    kind = ""

    def process(self, output: list[str]) -> Table:
        return {name: props for name, props in _table(output).items()
                if props.get("type") == self.kind}


class ZfsFilesystems(_ZfsOfType):
    """The datasets of type ``filesystem``, as ``ZfsDatasets`` has them."""

    kind = "filesystem"


class ZfsSnapshots(_ZfsOfType):
    """The datasets of type ``snapshot``, as ``ZfsDatasets`` has them."""

    kind = "snapshot"


class ZfsVolumes(_ZfsOfType):
    """The datasets of type ``volume``, as ``ZfsDatasets`` has them."""

    kind = "volume"


# pyinfra's shorter names of the same facts


class Pools(ZfsPools):
    """The pools, as ``zfs.ZfsPools`` (pyinfra's other name)."""


class Datasets(ZfsDatasets):
    """The datasets, as ``zfs.ZfsDatasets`` (pyinfra's other name)."""


class Filesystems(ZfsFilesystems):
    """The filesystems, as ``zfs.ZfsFilesystems`` (pyinfra's other name)."""


class Snapshots(ZfsSnapshots):
    """The snapshots, as ``zfs.ZfsSnapshots`` (pyinfra's other name)."""


class Volumes(ZfsVolumes):
    """The volumes, as ``zfs.ZfsVolumes`` (pyinfra's other name)."""
