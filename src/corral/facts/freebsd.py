"""Facts about FreeBSD: rc(8) scripts and their status, rc.conf variables (``sysrc``) and
installed packages (``pkg``), on the host or in one of its jails."""

from __future__ import annotations

import shlex

from corral.facts._util.packages import PACKAGES_KEY
from corral.model.facts import FactBase
from corral.model.keys import Key

from .systemd import SERVICES_KEY

#: rc.conf and the files sysrc edits
RC_CONF_KEY: Key = ("freebsd-rc.conf",)


def _jail(jail: str | None) -> str:
    """``-j JAIL`` (one quoted word) when a jail is named: the tools then act in it."""
    return f" -j {shlex.quote(jail)}" if jail is not None else ""


def _text(output: list[str]) -> str | None:
    return "\n".join(output) if output else None


class ServiceScript(FactBase["str | None"]):
    """The name of the rc(8) script when ``service -l`` lists it, else None."""

    requires_command = "service"

    def command(self, srvname: str, jail: str | None = None) -> str:
        # each listed name compared as text with the name asked for (pyinfra's loop over
        # the words of `service -l` compared them with sh's test)
        return (f"service{_jail(jail)} -l | while IFS= read -r __cf_s; do "
                f'if [ "$__cf_s" = {shlex.quote(srvname)} ]; then '
                "printf '%s\\n' \"$__cf_s\"; fi; done")

    def process(self, output: list[str]) -> str | None:
        return _text(output)

    def reads(self, srvname: str, jail: str | None = None) -> frozenset[Key]:
        return frozenset({SERVICES_KEY})


class ServiceStatus(FactBase["str | None"]):
    """``running`` when the rc(8) script's ``status`` succeeds, else None."""

    requires_command = "service"

    def command(self, srvname: str, jail: str | None = None) -> str:
        return (f"if service{_jail(jail)} {shlex.quote(srvname)} status >/dev/null 2>&1 "
                "</dev/null; then echo running; fi")

    def process(self, output: list[str]) -> str | None:
        return _text(output)

    def reads(self, srvname: str, jail: str | None = None) -> frozenset[Key]:
        return frozenset({SERVICES_KEY})


class Sysrc(FactBase["str | None"]):
    """An rc.conf variable's value (``sysrc -i -n``: rc.conf and its overrides), None when
    it is not set."""

    requires_command = "sysrc"

    def command(self, parameter: str, jail: str | None = None) -> str:
        return f"sysrc{_jail(jail)} -in -- {shlex.quote(parameter)}"

    def process(self, output: list[str]) -> str | None:
        return _text(output)

    def reads(self, parameter: str, jail: str | None = None) -> frozenset[Key]:
        return frozenset({RC_CONF_KEY})


class PkgPackage(FactBase["str | None"]):
    """The installed package's ``name-version`` (``pkg info -E``), None when it is not
    installed (exit 1)."""

    requires_command = "pkg"
    absent_exit_codes = (1,)

    def command(self, package: str, jail: str | None = None) -> str:
        return f"pkg{_jail(jail)} info -E -- {shlex.quote(package)}"

    def process(self, output: list[str]) -> str | None:
        return _text(output)

    def reads(self, package: str, jail: str | None = None) -> frozenset[Key]:
        return frozenset({PACKAGES_KEY})
