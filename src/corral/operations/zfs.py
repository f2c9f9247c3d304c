"""Manage ZFS datasets: filesystems, snapshots and volumes, and their properties."""

from __future__ import annotations

import re
from typing import Any

from corral.facts.zfs import ZFS_KEY, ZfsDatasets, ZfsSnapshots
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation

# zfs(8): a name is made of alphanumerics, "_", "-", ":", ".", and spaces, its components
# joined by "/", a snapshot's by "@", a bookmark's by "#"; pool names start with a letter
_NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_.: /@#-]*")
# native properties are lower-case words; user properties hold a ":" (com.example:owner)
_PROP_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")

# zfs(8)'s sizes: a number with an optional unit (1G, 1.5T, 512M, 1024, 10GiB)
_SIZE_RE = re.compile(r"[0-9]+(\.[0-9]+)?([KMGTPEZ](i?B)?|B)?", re.IGNORECASE)


def _check_size(size: str | int) -> str:
    text = str(size)
    if isinstance(size, bool) or not _SIZE_RE.fullmatch(text):
        raise OperationValueError(f"{size!r} is not a ZFS size (such as 10G)")
    return text


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name) or name.endswith("/"):
        raise OperationValueError(f"{name!r} is not a ZFS dataset name")


def _assignments(properties: dict[str, Any]) -> dict[str, str]:
    """``{property: value}`` with each value as text (``zfs get`` reads every value back
    as text: ``quota=10`` is "10"). A property is a name (an ``=`` in it would move the
    value); a value is one word of ``prop=value`` and may hold anything but a line break."""
    out = {}
    for prop, value in properties.items():
        if not isinstance(prop, str) or not _PROP_RE.fullmatch(prop):
            raise OperationValueError(f"{prop!r} is not a ZFS property name")
        text = str(value)
        if "\n" in text or "\0" in text:
            raise OperationValueError(f"the value of {prop} holds a line break")
        out[prop] = text
    return out


def _options(props: dict[str, str]) -> list[Any]:
    return [w for prop, value in props.items() for w in ("-o", QuoteString(f"{prop}={value}"))]


def _changes(*_a: Any, **_k: Any) -> list[Key]:
    return [ZFS_KEY]


@operation(changes=_changes)
def dataset(
    dataset_name: str,
    present: bool = True,
    recursive: bool = False,
    sparse: bool | None = None,
    volume_size: str | int | None = None,
    properties: dict[str, Any] | None = None,
    **extra_props: Any,
) -> OpGenerator:
    """Create or destroy a ZFS dataset (a filesystem, or a volume with ``volume_size``),
    or set its properties.

    + dataset_name: the dataset (``pool/name``)
    + present: whether it should exist
    + recursive: create its missing parents (``-p``); destroy its children (``-r``)
    + sparse: a volume without reservation (``-s``)
    + volume_size: make a volume of this size (``-V``)
    + properties: properties to set (``{"compression": "lz4"}``)
    + extra_props: more properties, by name

    An existing dataset only has the properties whose value differs set; creating one
    sets them all.

    Example:
        zfs.dataset(
            name="A home dataset",
            dataset_name="tank/home",
            compression="lz4",
        )
    """
    _check_name(dataset_name)
    props = _assignments({**(properties or {}), **extra_props})
    size = _check_size(volume_size) if volume_size else None
    existing = host.get_fact(ZfsDatasets).get(dataset_name)
    if present and existing is None:
        yield StringCommand("zfs", "create", *_options(props), *(["-p"] if recursive else []),
                            *(["-s"] if sparse else []),
                            *(["-V", size] if size else []),
                            QuoteString(dataset_name))
    elif present and existing is not None:
        changed = [QuoteString(f"{p}={v}") for p, v in props.items() if existing.get(p) != v]
        if changed:
            yield StringCommand("zfs", "set", *changed, QuoteString(dataset_name))
        else:
            host.noop(f"{dataset_name} is already present")
    elif existing is not None:
        yield StringCommand("zfs", "destroy", *(["-r"] if recursive else []),
                            QuoteString(dataset_name))
    else:
        host.noop(f"{dataset_name} is already absent")


@operation(changes=_changes)
def snapshot(
    snapshot_name: str,
    present: bool = True,
    recursive: bool = False,
    properties: dict[str, Any] | None = None,
    **extra_props: Any,
) -> OpGenerator:
    """Create or destroy a ZFS snapshot, or set its properties.

    + snapshot_name: the snapshot (``pool/name@snap``)
    + present: whether it should exist
    + recursive: snapshot the dataset's children too (``-r``)
    + properties: properties to set
    + extra_props: more properties, by name

    Example:
        zfs.snapshot(
            name="Snapshot the home dataset",
            snapshot_name="tank/home@monday",
        )
    """
    _check_name(snapshot_name)
    props = {**(properties or {}), **extra_props}
    if snapshot_name in host.get_fact(ZfsSnapshots) or not present:
        yield from dataset._inner(snapshot_name, present=present, properties=props)
        return
    yield StringCommand("zfs", "snap", *_options(_assignments(props)),
                        *(["-r"] if recursive else []), QuoteString(snapshot_name))


@operation(changes=_changes)
def volume(
    volume_name: str,
    size: str | int,
    sparse: bool = False,
    present: bool = True,
    recursive: bool = False,
    properties: dict[str, Any] | None = None,
    **extra_props: Any,
) -> OpGenerator:
    """Create or destroy a ZFS volume, or set its properties.

    + volume_name: the volume (``pool/name``)
    + size: its size (``"10G"``)
    + sparse: without reservation (``-s``)
    + present: whether it should exist
    + recursive: create its missing parents; destroy its children
    + properties: properties to set
    + extra_props: more properties, by name

    Example:
        zfs.volume(
            name="A swap volume",
            volume_name="tank/swap",
            size="4G",
        )
    """
    yield from dataset._inner(volume_name, volume_size=size, present=present, sparse=sparse,
                              recursive=recursive, properties={**(properties or {}),
                                                               **extra_props})


@operation(changes=_changes)
def filesystem(
    fs_name: str,
    present: bool = True,
    recursive: bool = False,
    properties: dict[str, Any] | None = None,
    **extra_props: Any,
) -> OpGenerator:
    """Create or destroy a ZFS filesystem, or set its properties.

    + fs_name: the filesystem (``pool/name``)
    + present: whether it should exist
    + recursive: create its missing parents; destroy its children
    + properties: properties to set
    + extra_props: more properties, by name

    Example:
        zfs.filesystem(
            name="A data filesystem",
            fs_name="tank/data",
            mountpoint="/srv/data",
        )
    """
    yield from dataset._inner(fs_name, present=present, recursive=recursive,
                              properties={**(properties or {}), **extra_props})
