"""zfs.* as (args, facts) -> commands: already correct, changed, and refused."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.zfs import ZfsDatasets, ZfsSnapshots
from corral.model.errors import OperationValueError
from corral.operations import zfs
from corral.testing.optest import fact, plan

HOME = {"type": "filesystem", "compression": "lz4", "quota": "10"}
SNAP = {"type": "snapshot", "com.example:keep": "yes"}
VOL = {"type": "volume", "volsize": "4G"}
TABLE = {fact(ZfsDatasets): {"tank/home": HOME, "tank/home@mon": SNAP, "tank/swap": VOL},
         fact(ZfsSnapshots): {"tank/home@mon": SNAP}}


@pytest.mark.parametrize(("args", "expected"), [
    ({"dataset_name": "tank/home"}, []),
    ({"dataset_name": "tank/home", "compression": "lz4", "quota": 10}, []),
    ({"dataset_name": "tank/new"}, ["zfs create tank/new"]),
    ({"dataset_name": "tank/a b", "recursive": True, "properties": {"mountpoint": "/srv/a b"}},
     ["zfs create -o 'mountpoint=/srv/a b' -p 'tank/a b'"]),
    ({"dataset_name": "tank/v", "volume_size": "1G", "sparse": True},
     ["zfs create -s -V 1G tank/v"]),
    ({"dataset_name": "tank/home", "compression": "zstd", "quota": 10},
     ["zfs set compression=zstd tank/home"]),
    ({"dataset_name": "tank/home", "present": False}, ["zfs destroy tank/home"]),
    ({"dataset_name": "tank/home", "present": False, "recursive": True},
     ["zfs destroy -r tank/home"]),
    ({"dataset_name": "tank/gone", "present": False}, []),
])
def test_dataset(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(zfs.dataset, facts=TABLE, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


@pytest.mark.parametrize(("op", "args", "expected"), [
    (zfs.filesystem, {"fs_name": "tank/home", "compression": "lz4"}, []),
    (zfs.filesystem, {"fs_name": "tank/data", "mountpoint": "/srv/data"},
     ["zfs create -o mountpoint=/srv/data tank/data"]),
    (zfs.volume, {"volume_name": "tank/swap", "size": "4G"}, []),
    (zfs.volume, {"volume_name": "tank/vm", "size": "4G", "sparse": True},
     ["zfs create -s -V 4G tank/vm"]),
    (zfs.volume, {"volume_name": "tank/swap", "size": "4G", "present": False},
     ["zfs destroy tank/swap"]),
    (zfs.snapshot, {"snapshot_name": "tank/home@mon"}, []),
    (zfs.snapshot, {"snapshot_name": "tank/home@mon", "com.example:keep": "no"},
     ["zfs set com.example:keep=no tank/home@mon"]),
    (zfs.snapshot, {"snapshot_name": "tank/home@tue", "recursive": True},
     ["zfs snap -r tank/home@tue"]),
    (zfs.snapshot, {"snapshot_name": "tank/home@tue", "properties": {"com.example:keep": "y"}},
     ["zfs snap -o com.example:keep=y tank/home@tue"]),
    (zfs.snapshot, {"snapshot_name": "tank/home@mon", "present": False},
     ["zfs destroy tank/home@mon"]),
    (zfs.snapshot, {"snapshot_name": "tank/home@tue", "present": False}, []),
])
def test_wrappers(op: Any, args: dict[str, Any], expected: list[str]) -> None:
    assert plan(op, facts=TABLE, **args).shell == expected


@pytest.mark.parametrize("bad", [
    {"dataset_name": "-r"}, {"dataset_name": "tank/$(x)"}, {"dataset_name": "tank/a\nb"},
    {"dataset_name": ""}, {"dataset_name": "tank/"},
    {"properties": {"a=b": "c"}}, {"properties": {"-o": "c"}},
    {"properties": {"comment": "a\nb"}}, {"volume_size": "-x"}, {"volume_size": "1 G"},
])
def test_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(zfs.dataset, **{"dataset_name": "tank/x", **bad}, facts=TABLE)
