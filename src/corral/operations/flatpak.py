"""Manage flatpak applications and runtimes."""

from __future__ import annotations

from corral.facts.flatpak import FlatpakPackages
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import as_list, package_changes


def _word(what: str, text: str) -> str:
    if not text or text.startswith("-") or any(c.isspace() for c in text):
        raise OperationValueError(f"bad {what} {text!r}")
    return text


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    remote: str | None = None,
    present: bool = True,
) -> OpGenerator:
    """Install or remove flatpak applications and runtimes.

    + packages: an application id (``org.videolan.VLC``) or a list of them
    + remote: the remote to install from (``flathub``)
    + present: whether they should be installed

    Example:
        flatpak.packages(name="Install VLC", packages="org.videolan.VLC", remote="flathub")
    """
    ids = [_word("flatpak id", p) for p in as_list(packages)]
    remote = _word("remote", remote.strip()) if remote is not None and remote.strip() else None
    if not ids:
        host.noop("no flatpaks given")
        return
    installed = host.get_fact(FlatpakPackages)
    install = [i for i in dict.fromkeys(ids) if present and i not in installed]
    remove = [i for i in dict.fromkeys(ids) if not present and i in installed]
    for i in dict.fromkeys(ids):
        if i not in install and i not in remove:
            host.noop(f"flatpak {i} is {'' if i in installed else 'not '}installed")
    if install:
        yield StringCommand("flatpak install --noninteractive",
                            QuoteString(remote) if remote else "",
                            *(QuoteString(i) for i in install))
    if remove:
        yield StringCommand("flatpak uninstall --noninteractive",
                            *(QuoteString(i) for i in remove))
