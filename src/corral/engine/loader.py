"""Loading what the user wrote: inventories, group data, deploy files."""

from __future__ import annotations

import ast
import contextlib
import importlib
import importlib.util
import os
import pkgutil
import re
import runpy
import sys
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from corral.model.context import current_file
from corral.model.errors import BadInput
from corral.model.host import Host, HostData
from corral.model.inventory import Inventory, InventoryOrigin
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
    if not isinstance(name, str):  # its shape, not its value (host data holds secrets)
        raise BadInput(f"a host name is a str, not {type(name).__name__}", file=where)
    if "\x00" in name or not _HOST_RE.match(name):
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


def _ssh_target(name: str, target: str, data: Mapping[str, Any], where: str,
                source: Path | None) -> str:
    """The address an SSH host connects to (``ssh_hostname`` overrides the inventory name,
    or the argument of ``@ssh/HOST``), checked before anything connects: a malformed one
    is bad input, not an unreachable host. An inventory name that only labels the host
    (``ssh_hostname`` given) is not an address and is not checked as one."""
    given = data.get("ssh_hostname")
    address = str(given) if given else target
    problem = address_problem(address)
    if problem is not None:
        named = given and not (name.startswith("@ssh/") and given == target)
        what = "ssh_hostname" if named else "host name"
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
    from corral.connectors import ConnectorImportError, import_failure
    from corral.connectors.base import connector_class

    where = str(source) if source is not None else "command line"
    try:
        if host.connector == "ssh":
            # found without loading it (asyncssh is most of a run's start-up, and the hosts'
            # early connections are opened before it loads: connectors.early)
            if importlib.util.find_spec("asyncssh") is None:
                missing = ModuleNotFoundError("no asyncssh", name="asyncssh")
                raise ConnectorImportError(import_failure("ssh", missing))
        else:
            connector_class(host.connector)
    except ConnectorImportError as exc:  # installed but broken: not an unknown connector
        raise BadInput(exc.message, file=where, line=_name_line(host.name, source),
                       host=host.name) from None
    except BadInput:
        line = _name_line(host.name, source)
        known = ", ".join(f"@{c}" for c in _import_connectors()) or "none"
        message = f"unknown connector @{host.connector} (known: {known})"
        raise BadInput(message, file=where, line=line, host=host.name) from None
    if host.connector == "chroot" and not host.target:
        raise BadInput("@chroot needs a path: @chroot/PATH", file=where,
                       line=_name_line(host.name, source), host=host.name)
    if host.connector == "ssh":  # its ssh_* data, checked before anything connects
        from corral.connectors.sshdata import ssh_settings

        try:
            ssh_settings(host.data)
        except BadInput as exc:
            raise BadInput(exc.message, file=where, line=_name_line(host.name, source),
                           host=host.name) from None


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


def ensure_on_path(directory: Path) -> None:
    """Put ``directory`` at the end of ``sys.path`` (as pyinfra does with the working
    directory): inventories, group data and deploy files import the project's own modules
    (``import secrets_data``, ``from lilynet.view import ...``) from there."""
    name = str(directory)
    if name not in sys.path:
        sys.path.append(name)


# -- group data --------------------------------------------------------------------------

def _imported_names(path: Path) -> set[str]:
    """The names a file's top-level ``import`` statements bind: not group data (a module,
    or ``from corral import inventory``, is no value for hosts)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names |= {alias.asname or alias.name for alias in node.names if alias.name != "*"}
    return names


def _group_data_file(path: Path) -> dict[str, Any]:
    """A group data file's values, chosen as pyinfra chooses them: the names in
    ``__all__`` if the file sets it, else every top-level name but those its import
    statements bind; never ``__dunder__`` names. So ``_sudo = True`` is group data (a
    global argument's default for the group's hosts), and so is a function it defines."""
    ns = _run_python(path)
    if "__all__" in ns:
        exported = ns["__all__"]
        if not (isinstance(exported, list | tuple) and all(isinstance(n, str)
                                                           for n in exported)):
            raise BadInput("__all__ must be a list of names", file=str(path))
        keys = set(exported)
    else:
        keys = set(ns) - _imported_names(path)
    return {k: v for k, v in ns.items() if k in keys and not k.startswith("__")}


def group_data_dirs(cwd: Path, inventory: Path | None,
                    extra: Sequence[str | Path] = ()) -> list[Path]:
    """Where group data is read, as pyinfra reads it: ``group_data/`` in the working
    directory, then beside the inventory file (when that is elsewhere), then each extra
    path (a directory or one file); a later one's values win."""
    dirs = [cwd / "group_data"]
    if inventory is not None and inventory.parent.resolve() != cwd.resolve():
        dirs.append(inventory.parent.resolve() / "group_data")
    for place in map(Path, extra):
        # a mistyped path would drop the data silently
        if not (place.is_dir() or (place.is_file() and place.suffix == ".py")):
            raise BadInput(f"no group data directory or .py file {str(place)!r}",
                           file="command line")
        dirs.append(place)
    return dirs


def read_group_data(dirs: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Every group's data from every ``*.py`` of ``dirs`` (the group is the file's name
    without ``.py``)."""
    found: dict[str, dict[str, Any]] = {}
    for place in dirs:
        if place.is_file():
            files = [place]
        elif place.is_dir():
            files = sorted(place.iterdir())
        else:
            continue
        for file in files:
            if file.suffix != ".py" or not file.is_file():
                continue
            found.setdefault(file.stem, {}).update(_group_data_file(file))
    return found


# -- inventory shapes --------------------------------------------------------------------

class _Group:
    """A group as the inventory writes it: its hosts (name, data) and its own data."""

    __slots__ = ("data", "members")

    def __init__(self, members: list[tuple[str, dict[str, Any]]], data: dict[str, Any]) -> None:
        self.members = members
        self.data = data


def _kind(value: Any) -> str:
    """A value's shape for an error message, never the value (it may hold secrets)."""
    if isinstance(value, tuple | list):
        inner = ", ".join(type(v).__name__ for v in value[:4])
        more = ", ..." if len(value) > 4 else ""
        return f"a {type(value).__name__} of ({inner}{more})"
    return f"a {type(value).__name__}"


def _host_pair(item: Any) -> bool:
    """A ``(name, data)`` host (corral also takes a two-item list ``[name, data]``)."""
    return (isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str)
            and isinstance(item[1], dict))


def _host_like(item: Any) -> bool:
    """What pyinfra takes for a host in a group: a name or a tuple."""
    return isinstance(item, str | tuple) or _host_pair(item)


def _assignment_lines(source: Path | None) -> dict[str, int]:
    """The line of each top-level name an inventory file assigns (for error messages)."""
    if source is None:
        return {}
    try:
        tree = ast.parse(source.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return {}
    lines: dict[str, int] = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) else [])
        for target in targets:
            if isinstance(target, ast.Name):
                lines.setdefault(target.id, node.lineno)
    return lines


def _read_group(name: str, value: Any, where: str, source: Path | None,
                lines: dict[str, int]) -> _Group | None:
    """A module-level value of an inventory read as pyinfra reads it: a list of hosts, or a
    ``(hosts, data)`` tuple (written with or without parentheses); each host a name or a
    ``(name, data)`` tuple. None for a value that is no group (not a list or tuple, or a
    list of no hosts at all: ``ports = [80, 443]``). A value that is half a group is bad
    input naming the group and the shape, never the value (host data holds passwords and
    key paths)."""
    line = lines.get(name)

    def bad(problem: str) -> BadInput:
        return BadInput(f"group {name}: {problem}", file=where, line=line)

    data: dict[str, Any] = {}
    hosts: Any = value
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) \
            and isinstance(value[1], dict):
        raise bad("a (hosts, data) group takes a list of hosts first: (['name', ...], "
                  "{...}); a (name, data) host goes in a list: [('name', {...})]")
    if (isinstance(value, tuple) and value and isinstance(value[0], list | tuple)
            and not _host_pair(value[0])):
        # (hosts, data): pyinfra's group with group data
        if len(value) != 2:
            raise bad(f"a (hosts, data) group is a tuple of 2 items, not {len(value)}")
        hosts, data = value
        if not isinstance(data, dict):
            raise bad(f"the data of a (hosts, data) group must be a dict, not "
                      f"{_kind(data)}")
        data = dict(data)
    elif not isinstance(value, list | tuple):
        return None
    if hosts and not any(_host_like(item) for item in hosts):
        return None  # a list of something else (numbers, dicts): not hosts, as pyinfra
    members: list[tuple[str, dict[str, Any]]] = []
    for index, item in enumerate(hosts, 1):
        host_data: dict[str, Any] = {}
        if _host_pair(item):
            item, host_data = item[0], dict(item[1])
        elif not isinstance(item, str):
            raise bad(f"host {index} is {_kind(item)}; a host is a name or a "
                      "(name, data dict) tuple")
        members.append((_check_name(item, where, source), host_data))
    return _Group(members, data)


def _inventory_groups(ns: dict[str, Any], where: str,
                      source: Path | None) -> dict[str, _Group]:
    lines = _assignment_lines(source)
    groups: dict[str, _Group] = {}
    for name, value in ns.items():
        if name.startswith("_"):
            continue
        group = _read_group(name, value, where, source, lines)
        if group is not None:
            groups[name] = group
    return groups


def load_inventory(spec: str, cwd: Path | None = None, *,
                   override_data: Mapping[str, Any] | None = None,
                   group_data: Sequence[str | Path] = ()) -> Inventory:
    """An inventory from a Python file, a comma list of hosts or connector targets, or a
    Python ``module.attr`` / ``module:attr`` (see :func:`_load_inventory`); it remembers
    where it came from (``origin``: a worker process loads it again from there)."""
    where = (cwd or Path.cwd()).resolve()
    inventory = _load_inventory(spec, where, override_data=override_data,
                                group_data=group_data)
    inventory.origin = InventoryOrigin(spec, str(where),
                                       tuple((override_data or {}).items()),
                                       tuple(str(g) for g in group_data))
    return inventory


def _load_inventory(spec: str, cwd: Path | None = None, *,
                    override_data: Mapping[str, Any] | None = None,
                    group_data: Sequence[str | Path] = ()) -> Inventory:
    """An inventory from a Python file, a comma list of hosts or connector targets, or a
    Python ``module.attr`` / ``module:attr`` (a function returning ``{group: hosts or
    (hosts, data)}``, or a list of hosts), read as pyinfra reads them.

    ``override_data`` (``--data``) wins over every other data; ``group_data`` adds group
    data paths read after the working directory's and the inventory's ``group_data/``.
    The working directory is put on ``sys.path`` first, so the inventory and its group
    data may import the project's modules."""
    cwd = (cwd or Path.cwd()).resolve()
    ensure_on_path(cwd)
    override = dict(override_data or {})
    path = Path(spec)
    if spec.endswith(".py") or _is_file(path):
        if not _is_file(path):
            raise BadInput(f"no inventory file {spec}")
        return _inventory_file(path, cwd, override, group_data)
    if "," not in spec and "@" not in spec and "ssh_hostname" not in override:
        made = _inventory_attribute(spec, override, group_data_dirs(cwd, None, group_data))
        if made is not None:
            return made
    names = [n.strip() for n in spec.split(",") if n.strip()]
    if not names:
        raise BadInput("empty inventory")
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise BadInput("listed twice", file="command line", host=twice)
    groups = {"all": _Group([(_check_name(n, "command line"), {}) for n in names], {})}
    return _build(groups, None, cwd, override, group_data_dirs(cwd, None, group_data))


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # a name too long to be a file's: a host list
        return False


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


def _inventory_attribute(spec: str, override: dict[str, Any],
                         data_dirs: list[Path]) -> Inventory | None:
    """``module.attr`` or ``module:attr`` naming an inventory function (returning
    ``{group: hosts or (hosts, data)}``, read as an inventory file's module-level names) or
    a list of hosts; None if no such module is found (the spec is a host name). Unlike
    pyinfra, the working directory's group data is read for it, as for every shape."""
    found = _import_attribute(spec)
    if found is None:
        return None
    where = f"inventory {spec}"
    if callable(found):
        try:
            value = found()
        except BadInput:
            raise
        except Exception as exc:
            file, line = error_location(exc)
            raise BadInput(f"inventory function {spec}: {type(exc).__name__}: {exc}",
                           file=file, line=line) from None
        if not isinstance(value, dict):
            raise BadInput(f"inventory function {spec} returned {type(value).__name__}, "
                           "not a dict of groups", file="command line")
        groups: dict[str, _Group] = {}
        for name, hosts in value.items():
            group = _read_group(str(name), hosts, where, None, {})
            if group is None:
                raise BadInput(f"group {name}: {_kind(hosts)} is no list of hosts",
                               file=where)
            groups[str(name)] = group
        if not any(g.members for g in groups.values()):
            raise BadInput(f"inventory function {spec} gives no hosts", file="command line")
    elif isinstance(found, list | tuple):
        group = _read_group("all", list(found), where, None, {})
        if group is None or not group.members:
            raise BadInput(f"{spec} lists no hosts", file="command line")
        groups = {"all": group}
    else:
        raise BadInput(f"{spec} is {type(found).__name__}: an inventory named module.attribute "
                       "is a function returning groups, or a list of hosts",
                       file="command line")
    return _build(groups, None, Path.cwd(), override, data_dirs)


def _inventory_file(path: Path, cwd: Path, override: dict[str, Any],
                    extra: Sequence[str | Path]) -> Inventory:
    ns = _run_python(path)
    groups = _inventory_groups(ns, str(path), path)
    if not any(g.members for g in groups.values()):
        raise BadInput("the inventory defines no hosts (each module-level list of names "
                       "is a group)", file=str(path))
    return _build(groups, path, cwd, override, group_data_dirs(cwd, path, extra))


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


def _host_data(groups: dict[str, _Group], where: str,
               source: Path | None) -> dict[str, dict[str, Any]]:
    """Each host's own data, merged from every group that lists it (pyinfra's shape: the
    same name in several groups is one host). A name listed twice in one group, or given
    different values for one key, is two machines under one name: bad input."""
    seen: dict[str, dict[str, Any]] = {}
    for group, spec in groups.items():
        names: set[str] = set()
        for name, data in spec.members:
            if name in names:
                raise BadInput(f"listed twice in group {group}", file=where,
                               line=_name_line(name, source, 2), host=name)
            names.add(name)
            if name in seen:
                clash = _clashing_key(seen[name], data)
                if clash is not None:
                    raise BadInput("defined twice with different data "
                                   f"({clash!r} differs; group {group})", file=where,
                                   line=_name_line(name, source, 2), host=name)
                seen[name].update(data)
            else:
                seen[name] = dict(data)
    return seen


def connector_data(name: str) -> tuple[dict[str, Any], str | None]:
    """The data a connector target gives its host (under the host's own data), and the
    group it puts it in, as pyinfra's connectors do: ``@ssh/HOST`` sets ``ssh_hostname``,
    ``@chroot/PATH`` sets ``chroot_directory`` and the group ``@chroot``, ``@local`` the
    group ``@local``, ``@docker/ID`` (``@podman/ID``) ``docker_identifier``,
    ``@dockerssh/HOST:IMAGE`` (``@podmanssh/...``) ``ssh_hostname`` and ``docker_image``."""
    conn, arg = parse_target(name)
    if not name.startswith("@"):
        return {}, None
    data: dict[str, Any] = {}
    if conn == "ssh" and arg:
        data["ssh_hostname"] = arg
    elif conn == "chroot" and arg:
        data["chroot_directory"] = arg
    elif conn in ("docker", "podman"):
        if not arg:
            raise BadInput(f"@{conn} needs an image or a container: @{conn}/ID")
        data["docker_identifier"] = arg
    elif conn in ("dockerssh", "podmanssh"):
        address, _, image = arg.partition(":")
        if not address or not image:
            raise BadInput(f"@{conn} needs a host and an image: @{conn}/HOST:IMAGE")
        data.update(ssh_hostname=address, docker_image=image)
    return data, (None if conn == "ssh" else f"@{conn}")


def _build(groups: dict[str, _Group], source: Path | None, cwd: Path,
           override: dict[str, Any], data_dirs: list[Path]) -> Inventory:
    """Hosts, their groups and their layered data, as pyinfra makes them.

    ``all`` (if the inventory defines it) lists the hosts and gives the data every host
    has; without it the hosts are those of every group, in order. A host's groups are the
    inventory's groups that list it, in the order the inventory defines them, then the
    group named after the inventory file (``inventories/prod.py``: ``prod``), then its
    connector's (``@local``). Its data, highest first: ``override`` (``--data``), its own
    (tuples, merged; a connector target's data under it), its groups' (the last group
    first; a group's own data updated by its group data file), ``all``'s."""
    where = str(source) if source is not None else "command line"
    groups = dict(groups)
    everyone = groups.pop("all", None)
    own = _host_data({**groups, **({"all": everyone} if everyone else {})}, where, source)
    if everyone is not None:
        order = [name for name, _ in everyone.members]
        all_data = dict(everyone.data)
    else:
        order = list(dict.fromkeys(n for g in groups.values() for n, _ in g.members))
        all_data = {}
    file_group = source.name.rsplit(".", 1)[0] if source is not None else None
    if file_group and file_group != "all" and file_group not in groups:
        groups[file_group] = _Group([(n, {}) for n in order], {})
    member_of: dict[str, list[str]] = {name: [] for name in order}
    for group, spec in groups.items():
        for name, _ in spec.members:
            if name in member_of and group not in member_of[name]:
                member_of[name].append(group)
    from_targets: dict[str, dict[str, Any]] = {}
    for name in order:
        try:
            data, connector_group = connector_data(name)
        except BadInput as exc:
            raise exc.with_context(file=where, line=_name_line(name, source),
                                   host=name) from None
        from_targets[name] = data
        if connector_group is not None:
            member_of[name].append(connector_group)
            groups.setdefault(connector_group, _Group([], {})).members.append((name, {}))

    provisional = Inventory(
        [Host(n, HostData(own[n], *(groups[g].data for g in reversed(member_of[n])),
                          all_data), tuple(member_of[n]), *parse_target(n))
         for n in order],
        {"all": order, **{g: [n for n, _ in s.members] for g, s in groups.items()}})
    with _bound_inventory(provisional):
        from_files = read_group_data(data_dirs)
    all_data.update(from_files.pop("all", {}))
    group_layers = {g: {**spec.data, **from_files.get(g, {})} for g, spec in groups.items()}
    hosts: list[Host] = []
    for name in order:
        layers = [override, {**from_targets[name], **own[name]},
                  *(group_layers[g] for g in reversed(member_of[name])), all_data]
        host_data = HostData(*layers, name=name)
        conn, target = parse_target(name)
        if conn == "ssh":
            target = _ssh_target(name, target, host_data, where, source)
        elif conn == "chroot" and host_data.get("chroot_directory"):
            target = str(host_data["chroot_directory"])
        merged_groups: dict[str, Any] = {}
        for g in member_of[name]:  # a later group wins (host.group_data)
            merged_groups.update(group_layers[g])
        host = Host(name, host_data, tuple(member_of[name]), conn, target,
                    host_data=layers[1], group_data=merged_groups)
        check_connector(host, source)
        check_data_globals(host, where, source)
        hosts.append(host)
    return Inventory(hosts, {"all": order,
                             **{g: [n for n, _ in s.members if n in member_of]
                                for g, s in groups.items()}},
                     data=all_data, group_data=group_layers,
                     host_data={h.name: h.host_data for h in hosts}, override_data=override)


class _LoadingRun:
    """What ``from corral import inventory, config`` reach while config.py and group data
    files run."""

    def __init__(self, inventory: Inventory, config: Any = None) -> None:
        from corral.model.config import Config

        self.inventory = inventory
        self.config = config if config is not None else Config()
        self.state = State(inventory, self.config)


@contextlib.contextmanager
def _bound_inventory(inventory: Inventory, config: Any = None) -> Iterator[None]:
    """Group data files run with the inventory bound (without the group data, which they
    are), so ``from corral import inventory`` works in them as in pyinfra."""
    from corral.model.context import current_run

    token = current_run.set(_LoadingRun(inventory, config))
    try:
        yield
    finally:
        current_run.reset(token)


def check_data_globals(host: Host, where: str, source: Path | None = None) -> None:
    """Global arguments set in host or group data (``_sudo``, ``_sudo_user``, ``_env``...)
    are the defaults of the host's operations and facts: checked here, as the inventory
    loads, as they are where deploy code gives them."""
    from corral.model.operation import data_globals

    try:
        data_globals(host.data)
    except BadInput as exc:
        raise BadInput(exc.message, file=where, line=_name_line(host.name, source),
                       host=host.name) from None


def limit_inventory(inventory: Inventory, patterns: list[str]) -> Inventory:
    """Run only the hosts matching any pattern (a host name, a group name, or a glob); the
    rest of the inventory stays visible to deploy code (``inventory.get_group``), as in
    pyinfra."""
    keep: list[str] = []
    for pattern in patterns:
        for p in (x.strip() for x in pattern.split(",")):
            if not p:
                continue
            matched = _matching(inventory, p)
            if not matched:
                raise BadInput(f"--limit {p} matches no host or group")
            keep += matched
    return inventory.limited(keep)


def exclude_inventory(inventory: Inventory, patterns: list[str]) -> Inventory:
    """Do not run the hosts matching any pattern (as :func:`limit_inventory` matches them;
    they stay visible to deploy code). A pattern that matches nothing is bad input, as for
    ``--limit``: it was meant to keep some host out of the run."""
    drop: set[str] = set()
    for pattern in patterns:
        for p in (x.strip() for x in pattern.split(",")):
            if not p:
                continue
            matched = _matching(inventory, p)
            if not matched:
                raise BadInput(f"--exclude {p} matches no host or group")
            drop.update(matched)
    return inventory.limited([h.name for h in inventory.get_active_hosts()
                              if h.name not in drop])


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
            # the working directory (pyinfra's), then the deploy file's own (corral's, for
            # modules beside it): appended, so neither shadows the standard library or an
            # installed package (a project's secrets.py is not the secrets module)
            ensure_on_path(Path.cwd())
            ensure_on_path(self.path.parent)
            ns = {"__name__": "__corral_deploy__", "__file__": str(self.path)}
            token = current_file.set(str(self.path))
            try:
                exec(self.code, ns)
            finally:
                current_file.reset(token)

        return run
