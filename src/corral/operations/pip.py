"""Manage Python packages with pip, globally or in a virtualenv."""

from __future__ import annotations

import shlex
from typing import Any

from corral.facts.files import File
from corral.facts.pip import PipPackages
from corral.model import keys
from corral.model.command import QuoteString, StringCommand, not_option
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations._util.packages import PACKAGES, as_list, ensure_packages
from corral.operations._util.python import installed_view, parse_requirement

from . import files


def _venv_changes(path: str, *_: Any, **__: Any) -> list[Key]:
    return [keys.path(path)]


#: words sh reads as its own syntax at the start of a command, which shlex.quote leaves bare
_RESERVED = frozenset("if then else elif fi do done case esac while until for in function "
                      "select time".split())


def _program(name: str) -> str:
    """A program's name at the start of a command, quoted even when it is a word the shell
    reserves (``else -m venv`` does not parse; ``'else' -m venv`` runs a program)."""
    return f"'{name}'" if name in _RESERVED else shlex.quote(name)


def _virtualenv(path: str, python: str | None, venv: bool, site_packages: bool,
                always_copy: bool, present: bool) -> OpGenerator:
    exists = bool(host.get_fact(File, path=f"{path.rstrip('/')}/bin/activate"))
    if exists == present:
        host.noop(f"virtualenv {path} {'exists' if present else 'does not exist'}")
    elif not present:
        yield from files.directory._inner(path=path, present=False)
    elif venv:
        yield StringCommand(_program(python or "python3"), "-m venv",
                            "--system-site-packages" if site_packages else "",
                            "--copies" if always_copy else "", QuoteString(not_option(path)))
    else:
        yield StringCommand("virtualenv", *(("-p", QuoteString(python)) if python else ()),
                            "--system-site-packages" if site_packages else "",
                            "--always-copy" if always_copy else "",
                            QuoteString(not_option(path)))


@operation(changes=_venv_changes)
def virtualenv(
    path: str,
    python: str | None = None,
    venv: bool = False,
    site_packages: bool = False,
    always_copy: bool = False,
    present: bool = True,
) -> OpGenerator:
    """Create or remove a Python virtualenv.

    + path: the virtualenv's directory
    + python: the interpreter to create it with
    + venv: use the standard library's ``venv`` module instead of the ``virtualenv`` command
    + site_packages: let it see the interpreter's site-packages
    + always_copy: copy files instead of making symlinks
    + present: whether the virtualenv should exist

    A virtualenv exists when ``<path>/bin/activate`` does (an empty directory does not count).

    Example:
        pip.virtualenv(name="Create the app's virtualenv", path="/srv/app/venv",
                       python="python3", venv=True)
    """
    yield from _virtualenv(path, python, venv, site_packages, always_copy, present)


@operation(changes=_venv_changes)
def venv(
    path: str,
    python: str | None = None,
    site_packages: bool = False,
    always_copy: bool = False,
    present: bool = True,
) -> OpGenerator:
    """Create or remove a Python virtualenv with the ``venv`` module (pip.virtualenv with
    ``venv=True``).

    + path: the virtualenv's directory
    + python: the interpreter to create it with (``python3`` by default)
    + site_packages: let it see the interpreter's site-packages
    + always_copy: copy files instead of making symlinks
    + present: whether the virtualenv should exist

    Example:
        pip.venv(name="Create the app's virtualenv", path="/srv/app/venv")
    """
    yield from _virtualenv(path, python, True, site_packages, always_copy, present)


def _packages_changes(*_: Any, virtualenv: str | None = None, **__: Any) -> list[Key]:
    changed: list[Key] = [PACKAGES]
    changed.append(keys.path(virtualenv) if virtualenv else keys.path("/"))
    return changed


@operation(changes=_packages_changes)
def packages(
    packages: str | list[str] | None = None,
    present: bool = True,
    latest: bool = False,
    requirements: str | None = None,
    pip: str = "pip",
    virtualenv: str | None = None,
    virtualenv_kwargs: dict[str, Any] | None = None,
    extra_install_args: str | None = None,
) -> OpGenerator:
    """Install, upgrade or remove Python packages with pip.

    + packages: a requirement or list of them: ``name``, ``name[extra]``, ``name==1.2``
      (one specifier), or ``name @ URL``
    + present: whether the packages should be installed
    + latest: also upgrade installed packages given without a version (always runs)
    + requirements: a requirements file on the host to install (always runs) or uninstall
    + pip: the pip command, shell text (``pip3``, ``python3 -m pip``)
    + virtualenv: work in this virtualenv (created first if missing); ``pip`` is then its
      ``bin/<pip>``
    + virtualenv_kwargs: arguments for creating it, as for ``pip.virtualenv``
    + extra_install_args: more arguments for ``pip install``, as shell text (e.g.
      ``--no-index --find-links /srv/wheels``)

    Names are compared as pip does (case and ``-_.`` do not matter). A requirement with a
    version specifier counts as installed when an installed version satisfies it.

    Example:
        pip.packages(
            name="Install the app's dependencies",
            packages=["flask", "gunicorn==22.0.0"],
            virtualenv="/srv/app/venv",
            virtualenv_kwargs={"venv": True},
        )
    """
    kwargs = dict(virtualenv_kwargs or {})
    if "path" in kwargs:
        raise OperationValueError("virtualenv_kwargs cannot set path: give virtualenv=")
    if virtualenv:
        pip = f"{shlex.quote(virtualenv.rstrip('/'))}/bin/{pip}"
    wanted = [parse_requirement(p) for p in as_list(packages)]
    installed = host.get_fact(PipPackages, pip=pip) if wanted else {}

    if virtualenv:
        venv_kwargs = {"python": None, "venv": False, "site_packages": False,
                       "always_copy": False, "present": True, **kwargs}
        yield from _virtualenv(virtualenv.rstrip("/"), **venv_kwargs)

    install = [pip, "install", extra_install_args or ""]
    if requirements is not None:
        if present:
            yield StringCommand(*install, "--upgrade" if latest else "", "-r",
                                QuoteString(requirements))
        else:
            yield StringCommand(pip, "uninstall --yes -r", QuoteString(requirements))
    elif not wanted:
        host.noop("no packages given")

    yield from ensure_packages(
        [spec for spec, _ in wanted], installed_view(wanted, installed), present,
        install=install, uninstall=[pip, "uninstall --yes"],
        upgrade=[*install, "--upgrade"], latest=latest,
    )
