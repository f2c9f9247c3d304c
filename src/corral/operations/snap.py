"""Manage snap packages (snapd)."""

from __future__ import annotations

import re

from corral.facts.snap import SnapPackage, SnapPackages
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import as_list, package_changes

#: a snap's name (lower-case letters, digits, dashes), maybe with an instance key
#: (``name_key``)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*(?:_[a-z0-9]{1,10})?\Z")


def _snap(name: str) -> str:
    if not _NAME.match(name):
        raise OperationValueError(f"bad snap name {name!r}")
    return name


@operation(changes=package_changes)
def package(
    packages: str | list[str] | None = None,
    channel: str = "latest/stable",
    classic: bool = False,
    present: bool = True,
) -> OpGenerator:
    """Install, remove or switch the channel of snaps.

    + packages: a snap or a list of snaps
    + channel: the channel to track (``latest/stable``, ``4.0/stable``...)
    + classic: install with classic confinement (``--classic``: the snap sees the system
      as a traditional package does)
    + present: whether the snaps should be installed

    An installed snap tracking another channel is switched to ``channel``
    (``snap refresh --channel``).

    Example:
        snap.package(name="Install LXD 4.0", packages=["lxd"], channel="4.0/stable")
    """
    names = [_snap(p) for p in as_list(packages)]
    if not channel.strip() or channel.startswith("-") or any(c.isspace() for c in channel):
        raise OperationValueError(f"bad channel {channel!r}")
    if not names:
        host.noop("no snaps given")
        return
    installed = host.get_fact(SnapPackages)
    install: list[str] = []
    remove: list[str] = []
    refresh: list[str] = []
    for name in dict.fromkeys(names):
        if name not in installed:
            if present:
                install.append(name)
            else:
                host.noop(f"snap {name} is not installed")
        elif not present:
            remove.append(name)
        else:
            tracking = host.get_fact(SnapPackage, package=name).get("channel")
            if tracking is not None and tracking != channel:
                refresh.append(name)
            else:
                host.noop(f"snap {name} is installed")
    on_channel = QuoteString(f"--channel={channel}")
    if install:
        yield StringCommand("snap install", "--classic" if classic else "",
                            *(QuoteString(n) for n in install), on_channel)
    if remove:
        yield StringCommand("snap remove", *(QuoteString(n) for n in remove))
    if refresh:
        yield StringCommand("snap refresh", *(QuoteString(n) for n in refresh), on_channel)
