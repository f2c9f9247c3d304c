"""Manage Python packages, Pythons, tools and virtualenvs with uv
(https://docs.astral.sh/uv/)."""

from __future__ import annotations

from typing import Any, Literal

from corral.facts.files import File
from corral.facts.uv import (
    MANAGED_PYTHON,
    UV,
    UvInstalledPythonsByVersion,
    UvPipPackages,
    UvToolBinDirInPath,
    UvTools,
)
from corral.model import keys
from corral.model.command import QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.args import shell_words
from corral.operations._util.packages import PACKAGES, as_list, ensure_packages, package_changes
from corral.operations._util.python import installed_view, parse_requirement

LINK_MODES = ("clone", "copy", "hardlink", "symlink")


@operation(changes=package_changes)
def packages(
    packages: str | list[str] | None = None,
    *,
    requirements: str | None = None,
    present: bool = True,
    latest: bool = False,
    extra_args: str | list[str] | None = None,
) -> OpGenerator:
    """Install, upgrade or remove Python packages with ``uv pip``.

    + packages: a requirement or list of them (``name``, ``name[extra]``, ``name==1.2``
      with one specifier, or ``name @ URL``)
    + requirements: a requirements file on the host to install (always runs) or uninstall
    + present: whether the packages should be installed
    + latest: also upgrade installed packages given without a version (always runs)
    + extra_args: more arguments for uv, a list or a string split into words as sh does
      (each word is quoted: it cannot be shell syntax)

    uv works in the active virtualenv, a ``.venv`` in the current directory (``_chdir``),
    else the first Python it finds. Names are compared as PEP 503 normalises them.

    Example:
        uv.packages(name="Install requests", packages=["requests"],
                    _env={"VIRTUAL_ENV": "/srv/app/.venv"})
    """
    extras = shell_words(extra_args)
    install = [UV, "pip install --no-progress", *extras]
    uninstall = [UV, "pip uninstall --no-progress", *extras]
    upgrade = [UV, "pip install --upgrade --no-progress", *extras]
    if requirements is not None:
        if not requirements.strip():
            raise OperationValueError("requirements must name a file")
        start = (upgrade if latest else install) if present else uninstall
        yield StringCommand(*start, "-r", QuoteString(requirements))
    wanted = [parse_requirement(p) for p in as_list(packages)]
    if wanted:
        installed = host.get_fact(UvPipPackages)
        yield from ensure_packages(
            [spec for spec, _ in wanted], installed_view(wanted, installed), present,
            install=install, uninstall=uninstall, upgrade=upgrade, latest=latest,
        )
    if requirements is None and not wanted:
        host.noop("neither packages nor requirements given")


def _python_installed(version: str, installed: dict[str, set[str]]) -> bool:
    """Whether a Python request is met by an installed Python: its exact version, a
    version it is a prefix of at a dot (``3.13`` by ``3.13.4``, as uv reads the request),
    or an implementation key of one."""
    return any(
        have == version or have.startswith(version + ".") or version in impls
        for have, impls in installed.items()
    )


def _python_request(version: str) -> str:
    if not version.strip() or version.startswith("-") or any(c.isspace() for c in version):
        raise OperationValueError(f"bad Python version {version!r}")
    return version


@operation(changes=lambda *_, **__: [PACKAGES])
def pythons(
    versions: str | list[str] | None = None,
    *,
    present: bool = True,
    managed: bool = True,
    extra_args: str | list[str] | None = None,
) -> OpGenerator:
    """Install or remove Pythons with ``uv python``, one version a command.

    + versions: a version request or a list of them (``3.13``, ``3.12.4``, ``pypy@3.10``)
    + present: whether they should be installed
    + managed: consider and install only the Pythons uv manages itself
      (``--managed-python``)
    + extra_args: more arguments for uv (a list, or a string split into words)

    A request counts as installed when an installed Python has that version, a version
    it is a prefix of (``3.13`` for 3.13.4), or that implementation key.

    Example:
        uv.pythons(name="Install Python 3.13 and 3.14", versions=["3.14", "3.13"])
    """
    wanted = [_python_request(v) for v in as_list(versions)]
    extras = shell_words(extra_args)
    if not wanted:
        host.noop("no Python versions given")
        return
    installed = host.get_fact(UvInstalledPythonsByVersion, is_managed=managed)
    flag = MANAGED_PYTHON if managed else ""
    for version in dict.fromkeys(wanted):
        here = _python_installed(version, installed)
        if present and not here:
            yield StringCommand(UV, "python install --no-progress", flag, *extras,
                                QuoteString(version))
        elif not present and here:
            yield StringCommand(UV, "python uninstall --no-progress", flag, *extras,
                                QuoteString(version))
        else:
            host.noop(f"Python {version} is {'' if here else 'not '}installed")


@operation(changes=package_changes)
def tools(
    tools: str | list[str] | None = None,
    *,
    present: bool = True,
    latest: bool = False,
    extra_args: str | list[str] | None = None,
) -> OpGenerator:
    """Install, upgrade or remove tools (applications, each in its own environment) with
    ``uv tool``, one tool a command.

    + tools: a requirement or list of them (``name``, ``name==1.2``...)
    + present: whether the tools should be installed
    + latest: also upgrade installed tools given without a version (always runs)
    + extra_args: more arguments for uv (a list, or a string split into words)

    Example:
        uv.tools(name="Install pyinfra", tools=["pyinfra"])
    """
    wanted = [parse_requirement(t) for t in as_list(tools)]
    extras = shell_words(extra_args)
    if not wanted:
        host.noop("no tools given")
        return
    installed = host.get_fact(UvTools)
    yield from ensure_packages(
        [spec for spec, _ in wanted], installed_view(wanted, installed), present,
        install=[UV, "tool install --no-progress", *extras],
        uninstall=[UV, "tool uninstall --no-progress", *extras],
        upgrade=[UV, "tool install --upgrade --no-progress", *extras],
        latest=latest, one_at_a_time=True,
    )


@operation(is_idempotent=False, changes=package_changes)
def tools_upgrade_all(*, extra_args: str | list[str] | None = None) -> OpGenerator:
    """Upgrade every tool installed with uv (``uv tool upgrade --all``); always runs.

    + extra_args: more arguments for uv (a list, or a string split into words)

    Example:
        uv.tools_upgrade_all(name="Upgrade uv's tools")
    """
    yield StringCommand(UV, "tool upgrade --all", *shell_words(extra_args))


@operation(changes=lambda *_, **__: [("shell-profile",)])
def tools_update_shell() -> OpGenerator:
    """Put the directory of uv's tool executables in the user's PATH
    (``uv tool update-shell``), unless a login shell already has it.

    Example:
        uv.tools_update_shell(name="Make uv's tools runnable")
    """
    if host.get_fact(UvToolBinDirInPath):
        host.noop("uv's tool executables directory is in the PATH")
    else:
        yield f"{UV} tool update-shell"


def _venv_changes(path: str = "", *_: Any, **__: Any) -> list[Key]:
    return [keys.path(path)] if path.startswith("/") else [keys.path("/")]


@operation(changes=_venv_changes)
def venv(
    path: str,
    *,
    present: bool = True,
    python: str | None = None,
    allow_existing: bool = False,
    clear_existing: bool = False,
    link_mode: Literal["clone", "copy", "hardlink", "symlink"] | None = None,
    seed: bool = False,
    site_packages: bool = False,
    extra_args: str | list[str] | None = None,
) -> OpGenerator:
    """Create or remove a virtualenv with ``uv venv``.

    + path: the virtualenv's directory
    + present: whether the virtualenv should exist
    + python: the Python to make it with (a version request or an interpreter's path)
    + allow_existing: keep files already in the directory (``--allow-existing``)
    + clear_existing: empty the directory first (``--clear``)
    + link_mode: how seed packages are installed: clone, copy, hardlink or symlink
    + seed: install pip (and, before Python 3.12, setuptools and wheel) in it
    + site_packages: let it see the interpreter's site-packages
    + extra_args: more arguments for uv (a list, or a string split into words)

    The virtualenv exists when ``<path>/bin/activate`` does; removing it removes ``path``.
    (pyinfra 3.10 looks for ``<path>/.venv/bin/activate`` and removes ``<path>/.venv``,
    though ``uv venv PATH`` makes the virtualenv at ``PATH``: it never finds one it made.)

    Example:
        uv.venv(name="Create the app's virtualenv", path="/srv/app/.venv", python="3.12")
    """
    from corral.operations import files

    if not path.strip():
        raise OperationValueError("path must name the virtualenv's directory")
    if present and allow_existing and clear_existing:
        raise OperationValueError("allow_existing and clear_existing cannot both be set")
    if link_mode is not None and link_mode not in LINK_MODES:
        raise OperationValueError(f"link_mode must be one of {', '.join(LINK_MODES)}, "
                                  f"not {link_mode!r}")
    if python is not None and (not python.strip() or python.startswith("-")):
        raise OperationValueError(f"bad python {python!r}")
    extras = shell_words(extra_args)
    root = path.rstrip("/") or "/"
    exists = bool(host.get_fact(File, path=f"{root}/bin/activate"))
    if not present:
        if exists:
            yield from files.directory._inner(path=root, present=False)
        else:
            host.noop(f"no virtualenv at {path}")
        return
    if exists:
        host.noop(f"a virtualenv exists at {path}")
        return
    options: list[Any] = []
    for flag, wanted in (("--allow-existing", allow_existing), ("--clear", clear_existing),
                         ("--seed", seed)):
        if wanted:
            options.append(flag)
    if link_mode:
        options += ["--link-mode", QuoteString(link_mode)]
    if site_packages:
        options.append("--system-site-packages")
    if python:
        options += ["--python", QuoteString(python)]
    yield StringCommand(UV, "venv", *options, *extras, "--", QuoteString(path))

