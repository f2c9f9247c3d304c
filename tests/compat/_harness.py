"""The differential harness: one pyinfra-style project, run with pyinfra 3.10 and with corral
on fresh test fleet hosts, twice each, and what came of it.

A project is a directory under ``projects/`` written as a pyinfra 3.x user writes one. Its
inventory names hosts by role (``web1``, ``db1``); how to reach them comes from
``_FLEET[name]``, a dict of ``ssh_*`` keys that the harness puts at the top of every project
file that reads it (a name starting with ``_`` is no group in either tool). For corral the
copy of the project has ``pyinfra`` changed to ``corral`` in its imports, nothing else.

Each tool gets a fleet of its own (``Fleet`` starts in a fraction of a second), so both run
on fresh hosts, side by side. What is compared per run: the exit code, the number of changed
operations per host (pyinfra's ``[host] Success`` lines, corral's ``--json`` operation
events), and afterwards the end state of the listed paths on every host (type, mode, owner,
contents or link target), the users and groups, the installed packages, and files the
project left on the controller.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corral.testing.fleet import Fleet
from corral.testing.fleet_host import children

REPO = Path(__file__).resolve().parents[2]
PROJECTS = Path(__file__).resolve().parent / "projects"
#: the pyinfra version the suite and docs/compat.md are written against
PYINFRA_SERIES = "3.10"
RUN_TIMEOUT = 180.0


@dataclass(frozen=True)
class Case:
    """One project and how to run it."""

    name: str  #: its directory under projects/
    hosts: tuple[str, ...]  #: the inventory's host names, in order
    args: tuple[str, ...]  #: the command line after the tool (and -y): inventory, deploys...
    #: paths on the hosts whose end state is compared (each walked if a directory)
    paths: tuple[str, ...] = ()
    #: files on the controller, relative to the working directory, compared after the runs
    local_paths: tuple[str, ...] = ()
    cwd: str = "."  #: the working directory, inside the project
    idle: tuple[str, ...] = ()  #: hosts the run leaves alone (--limit)
    exit_codes: tuple[int, int] = (0, 0)  #: what pyinfra exits with, first and second run
    #: changed operations per host on the second run (pyinfra); a project converges
    second_changes: int | dict[str, int] = 0
    #: why corral cannot match pyinfra yet (the test is xfail(strict) with this reason)
    missing: str | None = None
    #: what pyinfra must have left on the hosts after the first run: host -> path -> text
    expect: dict[str, dict[str, str]] = field(default_factory=dict)

    def second(self, host: str) -> int:
        if isinstance(self.second_changes, int):
            return self.second_changes
        return self.second_changes.get(host, 0)


@dataclass
class Run:
    """One run of one tool."""

    code: int
    changes: dict[str, int]
    state: dict[str, dict[str, str]]  #: host -> key -> description
    local: dict[str, str]  #: controller file -> contents
    stdout: str
    stderr: str

    def summary(self, limit: int = 6000) -> str:
        text = f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        return text if len(text) <= limit else text[:limit // 3] + "\n[...]\n" + \
            text[-2 * limit // 3:]


@dataclass
class Outcome:
    """Both tools, both runs."""

    pyinfra: list[Run]
    corral: list[Run]


# the pyinfra installation

_PYINFRA: dict[str, Any] = {}
_PYINFRA_LOCK = threading.Lock()


def _bench_tools() -> Any:
    """bench/tools.py, which makes and caches the benchmark's tool environments."""
    spec = importlib.util.spec_from_file_location("corral_bench_tools", REPO / "bench/tools.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def pyinfra_bin() -> Path | str:
    """The ``pyinfra`` program of pyinfra 3.10 in its own virtual environment (made on first
    use, outside the clone, cached); a string saying why when it cannot be installed."""
    with _PYINFRA_LOCK:
        if "bin" not in _PYINFRA:
            _PYINFRA["bin"] = _install_pyinfra()
        found: Path | str = _PYINFRA["bin"]
        return found


def _install_pyinfra() -> Path | str:
    tools = _bench_tools()
    try:
        version = tools.ensure_venv("pyinfra")
    except (SystemExit, OSError, subprocess.CalledProcessError) as exc:
        return f"pyinfra {PYINFRA_SERIES} could not be installed ({exc})"
    if not version.startswith(PYINFRA_SERIES + "."):
        return (f"pyinfra {version} is installed in {tools.VENVS / 'pyinfra'}, not "
                f"{PYINFRA_SERIES}.x (pip could not install {PYINFRA_SERIES})")
    return Path(tools.VENVS / "pyinfra" / "bin" / "pyinfra")


# the project copy

_IMPORT = re.compile(r"^(\s*)(from|import)(\s+)pyinfra\b", re.M)


def rename_imports(text: str) -> str:
    """``from pyinfra.x import y`` -> ``from corral.x import y``; ``import pyinfra`` likewise.
    Nothing else changes (the promise: a pyinfra deploy runs after renaming its imports)."""
    return _IMPORT.sub(r"\1\2\3corral", text)


def fleet_header(fleet: Fleet, names: Iterable[str]) -> str:
    """``_FLEET = {name: {ssh_*...}}``: the fleet's hosts under the project's names. The user
    is left out: both tools log in as the controller's user (root here) unless the project
    says otherwise."""
    rows = dict(fleet.inventory())
    table = {name: {k: v for k, v in rows[host.name].items() if k != "ssh_user"}
             for name, host in zip(names, fleet.hosts, strict=True)}
    return ("# how the test harness reaches each host of this project on its test fleet\n"
            f"_FLEET = {table!r}\n\n")


def copy_project(case: Case, fleet: Fleet, tool: str, into: Path) -> Path:
    """The project, ready for ``tool``, in ``into``; returns its working directory."""
    target = into / case.name
    shutil.copytree(PROJECTS / case.name, target)
    header = fleet_header(fleet, case.hosts)
    for path in sorted(target.rglob("*.py")):
        text = path.read_text()
        if "_FLEET[" in text:
            text = header + text
        if tool == "corral":
            text = rename_imports(text)
        path.write_text(text)
    return target / case.cwd


# running

def _env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": str(home), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "dumb",
            "NO_COLOR": "1", "COLUMNS": "200"}


def argv(tool: str, case: Case, pyinfra: Path) -> list[str]:
    if tool == "pyinfra":
        return [str(pyinfra), "-y", *case.args]
    return [sys.executable, "-m", "corral", "-y", "--json", *case.args]


def pyinfra_changes(output: str) -> dict[str, int]:
    """Changed operations per host in pyinfra's output (the benchmark's parser)."""
    return _bench_tools().count_pyinfra_changes(output)  # type: ignore[no-any-return]


def corral_changes(stdout: str) -> dict[str, int]:
    """Changed operations per host, from the ``operation`` events of ``--json``."""
    changed: dict[str, int] = {}
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("event") == "operation":
            op = event["result"]
            changed[op["host"]] = changed.get(op["host"], 0) + bool(op["changed"])
        elif event.get("event") == "host_done":
            changed.setdefault(event["result"]["host"], 0)
    return changed


def host_root(fleet: Fleet, index: int) -> Path:
    """Host ``index``'s "/" as seen from here (through its sshd, PID 1 of its namespaces)."""
    host = fleet.hosts[index]
    sshd = children(host.pid)
    if not sshd:
        log = fleet.log_path(host).read_text(errors="replace")[-2000:]
        raise RuntimeError(f"fleet host {host.name} is not running (pid {host.pid}); "
                           f"its log:\n{log}")
    return Path(f"/proc/{sshd[0]}/root")


def _names(root: Path, table: str) -> dict[int, str]:
    names: dict[int, str] = {}
    for line in (root / "etc" / table).read_text().splitlines():
        fields = line.split(":")
        if len(fields) > 2 and fields[2].isdigit():
            names.setdefault(int(fields[2]), fields[0])
    return names


def _describe(path: Path, users: dict[int, str], groups: dict[int, str]) -> str:
    st = path.lstat()
    owner = f"{users.get(st.st_uid, st.st_uid)}:{groups.get(st.st_gid, st.st_gid)}"
    mode = f"{stat.S_IMODE(st.st_mode):04o}"
    if stat.S_ISLNK(st.st_mode):
        return f"link {owner} -> {os.readlink(path)}"
    if stat.S_ISDIR(st.st_mode):
        return f"dir {mode} {owner}"
    if not stat.S_ISREG(st.st_mode):
        return f"special {mode} {owner}"
    data = path.read_bytes()
    if len(data) <= 4096:
        try:
            return f"file {mode} {owner} {data.decode()!r}"
        except UnicodeDecodeError:
            pass
    return f"file {mode} {owner} {len(data)} bytes sha256 {hashlib.sha256(data).hexdigest()}"


def _walk(root: Path, path: str) -> Iterable[str]:
    """``path`` and, for a directory, everything under it (never following a link: an
    absolute link would lead out of the host's root)."""
    yield path
    full = root / path.lstrip("/")
    if full.is_dir() and not full.is_symlink():
        for name in sorted(os.listdir(full)):
            yield from _walk(root, f"{path.rstrip('/')}/{name}")


def snapshot(fleet: Fleet, case: Case) -> dict[str, dict[str, str]]:
    """Every host's end state: the case's paths, and the users, groups and installed
    packages that differ from the test image's."""
    image = fleet.image
    assert image is not None
    before = _tables(image)
    state: dict[str, dict[str, str]] = {}
    for index, name in enumerate(case.hosts):
        root = host_root(fleet, index)
        users, groups = _names(root, "passwd"), _names(root, "group")
        seen: dict[str, str] = {}
        for wanted in case.paths:
            for path in _walk(root, wanted):
                full = root / path.lstrip("/")
                seen[path] = (_describe(full, users, groups)
                              if os.path.lexists(full) else "absent")
        now = _tables(root)
        for key in sorted(set(now) | set(before)):
            if now.get(key) != before.get(key):
                seen[key] = now.get(key, "absent")
        state[name] = seen
    return state


def _tables(root: Path) -> dict[str, str]:
    """``passwd:NAME`` and ``group:NAME`` -> the line; ``package:NAME`` -> "installed"."""
    found: dict[str, str] = {}
    for table in ("passwd", "group"):
        for line in (root / "etc" / table).read_text().splitlines():
            found[f"{table}:{line.split(':')[0]}"] = line
    for package in installed_packages(root):
        found[f"package:{package}"] = "installed"
    return found


def installed_packages(root: Path) -> list[str]:
    status = (root / "var/lib/dpkg/status").read_text()
    names = []
    for stanza in status.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines()
                      if ": " in line and not line.startswith(" "))
        if fields.get("Status") == "install ok installed":
            names.append(fields["Package"])
    return sorted(names)


def local_state(cwd: Path, case: Case) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern in case.local_paths:
        matches = sorted(cwd.glob(pattern))
        if not matches:
            found[pattern] = "absent"
        for path in matches:
            found[str(path.relative_to(cwd))] = path.read_text(errors="replace")
    return found


def fresh_fleet(count: int, prefix: str, attempts: int = 3) -> Fleet:
    """A started fleet whose every host is its own sshd. A host whose sshd could not bind
    its address (one that another process still holds, seen with several test runs on one
    machine) exits at once while the other sshd answers for it: such a fleet is kept
    (holding its addresses, so the next one gets others) until another one is up."""
    failed: list[Fleet] = []
    try:
        for _ in range(attempts):
            fleet = Fleet(count, prefix=prefix).start()
            time.sleep(0.3)  # a host that cannot bind has exited by then
            if all(children(host.pid) for host in fleet.hosts):
                return fleet
            failed.append(fleet)
        dead = next(h for h in failed[-1].hosts if not children(h.pid))
        log = failed[-1].log_path(dead).read_text(errors="replace")[-500:]
        raise RuntimeError(f"no fleet of {count} hosts came up in {attempts} attempts; "
                           f"the last host that did not:\n{log}")
    finally:
        for fleet in failed:
            fleet.stop()


def run_tool(tool: str, case: Case, pyinfra: Path, scratch: Path) -> list[Run]:
    """Both runs of ``tool`` on a fleet of its own."""
    home = scratch / tool / "home"
    home.mkdir(parents=True)
    fleet = fresh_fleet(len(case.hosts), f"c{tool[0]}")
    try:
        cwd = copy_project(case, fleet, tool, scratch / tool)
        runs = []
        for _ in range(2):
            try:
                done = subprocess.run(argv(tool, case, pyinfra), cwd=cwd, env=_env(home),
                                      stdin=subprocess.DEVNULL, capture_output=True,
                                      text=True, timeout=RUN_TIMEOUT)
                code, out, err = done.returncode, done.stdout, done.stderr
            except subprocess.TimeoutExpired as exc:
                code = -1
                out = exc.stdout if isinstance(exc.stdout, str) else ""
                err = f"timed out after {RUN_TIMEOUT}s"
            changes = (pyinfra_changes(out + "\n" + err) if tool == "pyinfra"
                       else corral_changes(out))
            runs.append(Run(code, changes, snapshot(fleet, case), local_state(cwd, case),
                            out, err))
        return runs
    finally:
        fleet.stop()


def run_case(case: Case, pyinfra: Path) -> Outcome:
    """pyinfra and corral side by side (one thread each: the two cores, and most of a run
    is waiting on the hosts)."""
    scratch = Path(tempfile.mkdtemp(prefix=f"corral-compat-{case.name}-"))
    results: dict[str, list[Run] | BaseException] = {}

    def one(tool: str) -> None:
        try:
            results[tool] = run_tool(tool, case, pyinfra, scratch)
        except BaseException as exc:  # re-raised in the caller's thread
            results[tool] = exc

    try:
        threads = [threading.Thread(target=one, args=(t,)) for t in ("pyinfra", "corral")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for tool in ("pyinfra", "corral"):
            result = results[tool]
            if isinstance(result, BaseException):
                raise result
        py, co = results["pyinfra"], results["corral"]
        assert isinstance(py, list) and isinstance(co, list)
        return Outcome(py, co)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
