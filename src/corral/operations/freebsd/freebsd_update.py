"""Fetch and install FreeBSD's binary updates with ``freebsd-update(8)``."""

from __future__ import annotations

from typing import Any

from corral.model.command import QuoteString, StringCommand
from corral.model.operation import OpGenerator, operation


@operation(is_idempotent=False,
           idempotent_notice="freebsd-update fetches and installs every time (it installs "
                             "nothing when the system is up to date)")
def update(
    force: bool = False,
    basedir: str | None = None,
    workdir: str | None = None,
    conffile: str | None = None,
    jail: str | None = None,
    key: str | None = None,
    currently_running: str | None = None,
    server: str | None = None,
) -> OpGenerator:
    """Fetch the binary updates of the installed world and install them
    (``freebsd-update fetch install``, its pager off, as if run by hand).

    + force: ``-F``
    + basedir: the system's root (``-b``)
    + workdir: the working directory (``-d``)
    + conffile: the configuration file (``-f``)
    + jail: update this jail (``-j``)
    + key: the trusted key's SHA256 (``-k``)
    + currently_running: the release to take as running (``--currently-running``)
    + server: the update server (``-s``)

    Example:
        freebsd_update.update()
    """
    options: list[Any] = ["-F"] if force else []
    for flag, value in (("-b", basedir), ("-d", workdir), ("-f", conffile), ("-j", jail),
                        ("-k", key), ("--currently-running", currently_running),
                        ("-s", server)):
        if value is not None:
            options += [flag, QuoteString(value)]
    yield StringCommand("PAGER=cat", "freebsd-update", "--not-running-from-cron", *options,
                        "fetch", "install")
