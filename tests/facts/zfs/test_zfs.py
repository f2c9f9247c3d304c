"""ZFS facts.

ZFS does not run here nor on the fleet (no zfs module, no tools): the parser is tested on
output written after the documented format of ``zfs get -H`` and ``zpool get -H``
(zfs-get(8): "scripted mode", one ``NAME<TAB>PROPERTY<TAB>VALUE<TAB>SOURCE`` line per
property, ``-`` for no source)."""

from __future__ import annotations

from corral.facts import zfs

DATASETS = [
    "tank\ttype\tfilesystem\t-",
    "tank\tmountpoint\t/tank\tdefault",
    "tank/home\ttype\tfilesystem\t-",
    "tank/home\tcomment\ta value with spaces\tlocal",
    "tank/home@mon\ttype\tsnapshot\t-",
    "tank/home@mon\tcom.example:keep\tyes\tlocal",
    "tank/swap\ttype\tvolume\t-",
    "tank/swap\tvolsize\t4G\tlocal",
]


def test_datasets() -> None:
    found = zfs.ZfsDatasets().process(DATASETS)
    assert set(found) == {"tank", "tank/home", "tank/home@mon", "tank/swap"}
    assert found["tank/home"] == {"type": "filesystem", "comment": "a value with spaces"}
    assert found["tank/home@mon"]["com.example:keep"] == "yes"


def test_by_type() -> None:
    assert set(zfs.ZfsFilesystems().process(DATASETS)) == {"tank", "tank/home"}
    assert set(zfs.ZfsSnapshots().process(DATASETS)) == {"tank/home@mon"}
    assert zfs.ZfsVolumes().process(DATASETS) == {"tank/swap": {"type": "volume",
                                                                "volsize": "4G"}}


def test_pools() -> None:
    found = zfs.ZfsPools().process(["tank\tsize\t9.50G\t-", "tank\thealth\tONLINE\t-"])
    assert found == {"tank": {"size": "9.50G", "health": "ONLINE"}}
    assert zfs.ZfsPools().command() == "zpool get -H all"


def test_pyinfra_short_names_read_the_same() -> None:
    for short, full in [(zfs.Datasets, zfs.ZfsDatasets), (zfs.Filesystems, zfs.ZfsFilesystems),
                        (zfs.Snapshots, zfs.ZfsSnapshots), (zfs.Volumes, zfs.ZfsVolumes),
                        (zfs.Pools, zfs.ZfsPools)]:
        assert short.name == f"zfs.{short.__name__}"
        assert short().command() == full().command()
        assert short().process(DATASETS) == full().process(DATASETS)


def test_module_not_loaded_reads_as_nothing() -> None:
    fact = zfs.ZfsDatasets()
    assert fact.is_absent(1, "The ZFS modules are not loaded.\nTry running '/sbin/modprobe zfs'")
    assert not fact.is_absent(1, "cannot open 'tank': permission denied")
