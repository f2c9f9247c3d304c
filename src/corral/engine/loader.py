"""Loading what the user wrote: inventories, group data, deploy files."""

from __future__ import annotations

import importlib
import importlib.util
import os
import pkgutil
import re
import runpy
import sys
import traceback
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from corral.model.context import current_file
from corral.model.errors import BadInput
from corral.model.host import Host, HostData
from corral.model.inventory import Inventory
from corral.model.state import State

_HOST_RE = re.compile(r"^(@[A-Za-z0-9_-]+(/\S*)?|[A-Za-z0-9_.:%\[\]-]+(@[A-Za-z0-9_.:%\[\]-]+)?)$")


def parse_target(name: str) -> tuple[str, str]:
    """``@local`` -> (local, ""); ``@chroot/srv/root`` -> (chroot, /srv/root); else ssh."""
    if name.startswith("@"):
        conn, _, arg = name[1:].partition("/")
        if conn == "chroot" and arg:
            arg = "/" + arg.lstrip("/")
        return conn, arg
    return "ssh", name


def _name_line(name: Any, source: Path | None, occurrence: int = 1) -> int | None:
    """The line of an inventory file that names a host (for error messages), if any: its
    ``occurrence``-th mention (or the last one found)."""
    if source is None or not isinstance(name, str):
        return None
    try:
        lines = source.read_text().splitlines()
    except OSError:
        return None
    for wanted in (f'"{name}"', f"'{name}'", name):
        found = [number for number, text in enumerate(lines, 1) if wanted in text]
        if found:
            return found[min(occurrence, len(found)) - 1]
    return None


def _check_name(name: Any, where: str, source: Path | None = None) -> str:
    if not isinstance(name, str) or "\x00" in name or not _HOST_RE.match(name):
        raise BadInput(f"malformed host name {name!r}", file=where,
                       line=_name_line(name, source))
    return name


_LABEL_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9])?$")


def address_problem(target: str) -> str | None:
    """Why ``target`` cannot be the address SSH connects to (None if it can): an IPv4 or
    IPv6 address (``[...]`` and a ``%zone`` allowed), or a host name of RFC 1123's form
    (dot-separated labels of 1-63 letters, digits and hyphens, not starting or ending with
    a hyphen; 253 characters at most; a final dot allowed). Underscores are accepted inside
    labels, as glibc's resolver accepts them (not at a label's ends). A name whose last label is all
    digits is no host name (it would be read as a short form of an IPv4 address)."""
    import ipaddress

    bare = target[1:-1] if target.startswith("[") and target.endswith("]") else target
    try:
        ipaddress.ip_address(bare)
        return None
    except ValueError:
        if ":" in bare:
            return "not a valid IPv6 address"
    if "@" in target:
        return "user@host is not supported: give the user as ssh_user in the host's data"
    name = target[:-1] if target.endswith(".") else target
    if not name:
        return "an empty host name"
    if len(name) > 253:
        return f"a host name of {len(name)} characters (253 at most)"
    for label in name.split("."):
        if not label:
            return "an empty label (two dots in a row, or a dot at the start)"
        if len(label) > 63:
            return f"a label of {len(label)} characters (63 at most)"
        if not _LABEL_RE.match(label):
            return (f"the label {label!r} (letters and digits, with hyphens or underscores "
                    "inside)")
    if name.rsplit(".", 1)[-1].isdigit():
        return "not a valid IPv4 address"
    return None


def _ssh_target(name: str, target: str, data: dict[str, Any], where: str,
                source: Path | None) -> str:
    """The address an SSH host connects to (``ssh_hostname`` overrides the inventory name,
    or the argument of ``@ssh/HOST``), checked before anything connects: a malformed one
    is bad input, not an unreachable host. An inventory name that only labels the host
    (``ssh_hostname`` given) is not an address and is not checked as one."""
    given = data.get("ssh_hostname")
    address = str(given) if given else target
    problem = address_problem(address)
    if problem is not None:
        what = "ssh_hostname" if given else "host name"
        raise BadInput(f"malformed {what} {address!r}: {problem}", file=where,
                       line=_name_line(address if given else name, source), host=name)
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
    return address


def _import_connectors() -> list[str]:
    """Import every connector module, so each registers its name; return the names."""
    from corral import connectors
    from corral.connectors.base import known_connectors

    for module in pkgutil.iter_modules(connectors.__path__):
        try:
            importlib.import_module(f"corral.connectors.{module.name}")
        except ImportError:
            continue
    return known_connectors()


def check_connector(host: Host, source: Path | None = None) -> None:
    """An unknown connector, or a connector missing its argument, is bad input: found when
    the inventory loads, before anything runs."""
    from corral.connectors.base import connector_class

    where = str(source) if source is not None else "command line"
    try:
        if host.connector == "ssh":
            # found without loading it (asyncssh is most of a run's start-up, and the hosts'
            # early connections are opened before it loads: connectors.early)
            if importlib.util.find_spec("asyncssh") is None:
                raise BadInput("no asyncssh")
        else:
            connector_class(host.connector)
    except BadInput:
        line = _name_line(host.name, source)
        known = ", ".join(f"@{c}" for c in _import_connectors()) or "none"
        if host.connector == "ssh":
            message = f"no ssh connector is available for {host.name} (known: {known})"
        else:
            message = f"unknown connector @{host.connector} (known: {known})"
        raise BadInput(message, file=where, line=line, host=host.name) from None
    if host.connector == "chroot" and not host.target:
        raise BadInput("@chroot needs a path: @chroot/PATH", file=where,
                       line=_name_line(host.name, source), host=host.name)


def _run_python(path: Path) -> dict[str, Any]:
    try:
        return runpy.run_path(str(path), run_name="__corral_inventory__")
    except SyntaxError as exc:
        raise BadInput(f"syntax error: {exc.msg}", file=str(path), line=exc.lineno) from None
    except BadInput:
        raise
    except Exception as exc:
        file, line = error_location(exc, str(path))
        raise BadInput(f"{type(exc).__name__}: {exc}", file=file, line=line) from None


def error_location(exc: BaseException, prefer: str | None = None) -> tuple[str, int | None]:
    """The innermost traceback frame in the user's files (``prefer`` first)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if prefer:
        mine = [f for f in frames if os.path.abspath(f.filename) == os.path.abspath(prefer)]
        if mine:
            return mine[-1].filename, mine[-1].lineno
    user = [f for f in frames if "/corral/" not in f.filename and "<frozen" not in f.filename]
    if user:
        return user[-1].filename, user[-1].lineno
    return prefer or "<unknown>", None


def _public_data(ns: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v for k, v in ns.items()
        if not k.startswith("_")
        and not isinstance(v, types.ModuleType | types.FunctionType | type)
    }


def _group_data(directory: Path, group: str) -> dict[str, Any]:
    path = directory / "group_data" / f"{group}.py"
    return _public_data(_run_python(path)) if path.is_file() else {}


def extra_group_data(paths: Sequence[str | Path]) -> dict[str, dict[str, Any]]:
    """Group data from further places (the command line's ``--group-data``): each a
    directory of ``GROUP.py`` files or one such file, later places overriding earlier
    ones. A place that does not exist is bad input (a mistyped path would drop the data
    silently)."""
    found: dict[str, dict[str, Any]] = {}
    for place in map(Path, paths):
        if place.is_dir():
            files = sorted(p for p in place.iterdir() if p.suffix == ".py" and p.is_file())
        elif place.is_file() and place.suffix == ".py":
            files = [place]
        else:
            raise BadInput(f"no group data directory or .py file {str(place)!r}",
                           file="command line")
        for file in files:
            found.setdefault(file.stem, {}).update(_public_data(_run_python(file)))
    return found


def load_inventory(spec: str, cwd: Path | None = None, *,
                   override_data: Mapping[str, Any] | None = None,
                   group_data: Sequence[str | Path] = ()) -> Inventory:
    """An inventory from a Python file, a comma list of hosts, a connector target, or a
    Python object named ``module.attribute`` (or ``module:attribute``): a function that
    returns the groups, or a list of hosts.

    ``override_data`` is the top layer of every host's data (the command line's
    ``--data``, ``--user``...); ``group_data`` adds places to read group data from, over
    the ``group_data`` directory (:func:`extra_group_data`)."""
    cwd = cwd or Path.cwd()
    extra = _Extra(dict(override_data or {}), extra_group_data(group_data))
    path = Path(spec)
    if spec.endswith(".py") or _is_file(path):
        if not _is_file(path):
            raise BadInput(f"no inventory file {spec}")
        return _inventory_file(path, extra)
    if "," not in spec and "@" not in spec and "ssh_hostname" not in extra.override:
        found = _import_attribute(spec)
        if found is not None:
            return _inventory_object(spec, found, cwd, extra)
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise BadInput("empty inventory")
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise BadInput("listed twice", file="command line", host=twice)
    entries: list[tuple[str, dict[str, Any]]] = [
        (_check_name(n, "command line"), {}) for n in names
    ]
    return _build(entries, {}, cwd, None, extra)


class _Extra:
    """What the command line adds to an inventory: the top data layer, more group data."""

    def __init__(self, override: dict[str, Any], groups: dict[str, dict[str, Any]]) -> None:
        self.override = override
        self.groups = groups


_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def _import_attribute(spec: str) -> Any:
    """The object ``module.attribute`` or ``module:attribute`` names, or None when no such
    module exists (then the words are a host name, such as ``web1.example.com``). An
    error inside the module is bad input at its line."""
    module, sep, attribute = spec.rpartition(":")
    if not sep:
        module, _, attribute = spec.rpartition(".")
    if not module or not _DOTTED.match(module) or not _DOTTED.match(attribute):
        return None
    try:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            return None
        imported = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise BadInput(f"cannot import {module}: {exc}") from None
    except SyntaxError as exc:
        raise BadInput(f"syntax error: {exc.msg}", file=exc.filename, line=exc.lineno) from None
    except Exception as exc:
        file, line = error_location(exc)
        raise BadInput(f"importing {module}: {type(exc).__name__}: {exc}", file=file,
                       line=line) from None
    return getattr(imported, attribute, None)


def _inventory_object(spec: str, found: Any, cwd: Path, extra: _Extra) -> Inventory:
    """An inventory from a Python object: a function returning ``{group: hosts}`` (as an
    inventory file's module-level lists), or a list of hosts."""
    where = f"inventory {spec}"
    if callable(found):
        try:
            groups = found()
        except BadInput:
            raise
        except Exception as exc:
            file, line = error_location(exc)
            raise BadInput(f"inventory function {spec}: {type(exc).__name__}: {exc}",
                           file=file, line=line) from None
        if not isinstance(groups, dict):
            raise BadInput(f"inventory function {spec} returned {type(groups).__name__}, "
                           "not a dict of groups", file="command line")
        return _inventory_namespace(groups, where, None, cwd, extra)
    if isinstance(found, list | tuple):
        entries: list[tuple[str, dict[str, Any]]] = []
        for item in found:
            data: dict[str, Any] = {}
            if isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[1], dict):
                item, data = item[0], dict(item[1])
            name = _check_name(item, where)
            if any(name == seen for seen, _ in entries):
                raise BadInput("listed twice", file=where, host=name)
            entries.append((name, data))
        if not entries:
            raise BadInput(f"{spec} lists no hosts", file="command line")
        return _build(entries, {}, cwd, None, extra)
    raise BadInput(f"{spec} is {type(found).__name__}: an inventory named module.attribute "
                   "is a function returning groups, or a list of hosts", file="command line")


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long to be a file's: a host list
        return False


def _inventory_file(path: Path, extra: _Extra | None = None) -> Inventory:
    return _inventory_namespace(_run_python(path), str(path), path, path.parent, extra)


def _inventory_namespace(ns: dict[str, Any], where: str, path: Path | None,
                         directory: Path, extra: _Extra | None) -> Inventory:
    """An inventory from a file's module-level names (or an inventory function's groups):
    each list is a group of hosts."""
    groups: dict[str, list[str]] = {}
    entries: list[tuple[str, dict[str, Any]]] = []
    seen: dict[str, dict[str, Any]] = {}
    for group, value in ns.items():
        if group.startswith("_") or not isinstance(value, list | tuple):
            continue
        members: list[str] = []
        for item in value:
            data: dict[str, Any] = {}
            if isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[1], dict):
                item, data = item[0], dict(item[1])
            name = _check_name(item, where, path)
            if name in members:
                raise BadInput(f"listed twice in group {group}",
                               file=where, line=_name_line(name, path, 2), host=name)
            members.append(name)
            if name in seen:
                # the same host in several groups (as pyinfra has it): its data merge; a
                # value given twice differently is two hosts under one name
                clash = _clashing_key(seen[name], data)
                if clash is not None:
                    raise BadInput("defined twice with different data "
                                   f"({clash!r} differs; group {group})", file=where,
                                   line=_name_line(name, path, 2), host=name)
                seen[name].update(data)
            else:
                seen[name] = data
                entries.append((name, data))
        groups[group] = members
    if not entries:
        raise BadInput("the inventory defines no hosts (each module-level list is a group)",
                       file=where)
    return _build(entries, groups, directory, path, extra)


def _clashing_key(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """A key both definitions of a host give, with different values."""
    for key, value in new.items():
        if key in old:
            try:
                same = bool(old[key] == value)
            except Exception:  # a value that cannot say
                same = old[key] is value
            if not same:
                return key
    return None


def _build(entries: list[tuple[str, dict[str, Any]]], groups: dict[str, list[str]],
           directory: Path, source: Path | None, extra: _Extra | None = None) -> Inventory:
    extra = extra or _Extra({}, {})
    all_data = {**_group_data(directory, "all"), **extra.groups.get("all", {})}
    group_layers = {g: {**_group_data(directory, g), **extra.groups.get(g, {})}
                    for g in groups}
    hosts: list[Host] = []
    for name, data in entries:
        member_of = tuple(g for g, members in groups.items() if name in members)
        layers = [extra.override, data, *(group_layers[g] for g in reversed(member_of)),
                  all_data, {}]
        conn, target = parse_target(name)
        if conn == "ssh":
            where = str(source) if source is not None else "command line"
            target = _ssh_target(name, target, {**data, **extra.override}, where, source)
        merged_groups: dict[str, Any] = {}
        for g in member_of:  # a later group wins (host.group_data)
            merged_groups.update(group_layers[g])
        host = Host(name, HostData(*layers), member_of, conn, target, host_data=data,
                    group_data=merged_groups)
        check_connector(host, source)
        hosts.append(host)
    return Inventory(hosts, groups, data=all_data, group_data=group_layers,
                     host_data=dict(entries), override_data=extra.override)


def limit_inventory(inventory: Inventory, patterns: list[str]) -> Inventory:
    """Keep hosts matching any pattern: a host name, a group name, or a glob."""
    keep: list[str] = []
    for pattern in patterns:
        for p in (x.strip() for x in pattern.split(",")):
            if not p:
                continue
            matched = _matching(inventory, p)
            if not matched:
                raise BadInput(f"--limit {p} matches no host or group")
            keep += matched
    return inventory.subset(keep)


def exclude_inventory(inventory: Inventory, patterns: list[str]) -> Inventory:
    """Drop hosts matching any pattern (as :func:`limit_inventory` matches them). A
    pattern that matches nothing is bad input, as for ``--limit``: it was meant to keep
    some host out of the run."""
    drop: set[str] = set()
    for pattern in patterns:
        for p in (x.strip() for x in pattern.split(",")):
            if not p:
                continue
            matched = _matching(inventory, p)
            if not matched:
                raise BadInput(f"--exclude {p} matches no host or group")
            drop.update(matched)
    return inventory.subset([h.name for h in inventory if h.name not in drop])


def _matching(inventory: Inventory, pattern: str) -> list[str]:
    """The hosts a ``--limit``/``--exclude`` pattern names: a group's, a host's by its
    name (which may hold ``[``, as ``[::1]`` does), or those whose names match the glob."""
    from fnmatch import fnmatchcase

    matched = [h.name for h in inventory.get_group(pattern)] if pattern in inventory.groups else []
    return matched + [h.name for h in inventory if h.name == pattern
                      or fnmatchcase(h.name, pattern)]


class _ConfigOnly:
    """What ``config.py`` sees as the run: the config, and no inventory yet (it runs before
    the inventory loads, as in pyinfra)."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self.state = State(None, config)

    @property
    def inventory(self) -> Inventory:
        from corral.model.context import NoContextError

        raise NoContextError("the inventory is not loaded yet while config.py runs")


def load_config(path: Path, config: Any) -> None:
    """Run a config file (``config.py``, or the command line's ``--config``) before the
    inventory loads: its changes to ``config`` (``from corral import config``;
    ``config.SUDO = True``) are the run's defaults. Bare names (``SUDO = True``) do
    nothing, as in pyinfra 3."""
    from corral.model.context import current_run

    token = current_run.set(_ConfigOnly(config))  # type: ignore[arg-type]
    try:
        _run_python(path)
    finally:
        current_run.reset(token)


class DeployFile:
    """A deploy script, compiled once and run once per host."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        try:
            source = path.read_text()
        except OSError as exc:
            raise BadInput(f"cannot read deploy: {exc.strerror}", file=str(path)) from None
        try:
            self.code = compile(source, str(self.path), "exec")
        except SyntaxError as exc:
            raise BadInput(f"syntax error: {exc.msg}", file=str(path), line=exc.lineno) from None

    def runner(self) -> Callable[[], None]:
        def run() -> None:
            directory = str(self.path.parent)
            if directory not in sys.path:
                sys.path.insert(0, directory)
            ns = {"__name__": "__corral_deploy__", "__file__": str(self.path)}
            token = current_file.set(str(self.path))
            try:
                exec(self.code, ns)
            finally:
                current_file.reset(token)

        return run
