"""Manage Python applications installed with pipx."""

from __future__ import annotations

from corral.facts.pipx import PipxBinDirInPath, PipxPackages
from corral.model.context import host
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import PACKAGES, as_list, ensure_packages, package_changes
from corral.operations._util.python import installed_view, parse_requirement


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    extra_args: str | None = None,
) -> OpGenerator:
    """Install, upgrade or remove applications with pipx, each in its own virtualenv.

    + packages: a requirement or list of them (``name``, ``name==1.2``, ``name @ URL``)
    + present: whether the applications should be installed
    + latest: also upgrade installed applications given without a version (always runs)
    + extra_args: more arguments for ``pipx install``, as shell text (e.g.
      ``--pip-args='--no-index --find-links /srv/wheels'``)

    pipx takes one application a command.

    Example:
        pipx.packages(name="Install httpie and black", packages=["httpie", "black"])
    """
    wanted = [parse_requirement(p) for p in as_list(packages)]
    if not wanted:
        host.noop("no packages given")
        return
    installed = host.get_fact(PipxPackages)
    yield from ensure_packages(
        [spec for spec, _ in wanted], installed_view(wanted, installed), present,
        install=["pipx install", extra_args or ""], uninstall=["pipx uninstall"],
        upgrade=["pipx upgrade"], latest=latest, one_at_a_time=True,
    )


@operation(is_idempotent=False, changes=lambda *_, **__: [PACKAGES])
def upgrade_all() -> OpGenerator:
    """Upgrade every application installed with pipx (``pipx upgrade-all``); always runs.

    Example:
        pipx.upgrade_all(name="Upgrade pipx applications")
    """
    yield "pipx upgrade-all"


@operation(changes=lambda *_, **__: [("shell-profile",)])
def ensure_path() -> OpGenerator:
    """Put pipx's bin directory in the user's PATH (``pipx ensurepath``), unless a login
    shell already has it.

    Example:
        pipx.ensure_path(name="Make pipx applications runnable")
    """
    if host.get_fact(PipxBinDirInPath):
        host.noop("pipx's bin directory is in the PATH")
    else:
        yield "pipx ensurepath"
