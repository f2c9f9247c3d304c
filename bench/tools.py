"""The tools under test: where they come from, how each is invoked, and how each one's
output is read for its change count.

Every competitor lives in its own virtual environment under the cache directory, made on
first use: ``pyinfra`` (3.10, else the newest 3.x), ``ansible`` (ansible-core, the newest
this Python can install) and ``plot`` (matplotlib, for the results page).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
WORKLOADS = REPO / "bench" / "workloads"
CACHE = Path(os.environ.get("CORRAL_BENCH_CACHE", "/var/cache/corral-bench"))
VENVS = CACHE / "venvs"

#: venv name -> pip requirement(s) tried in order
VENV_SPECS = {
    "pyinfra": [["pyinfra==3.10.*"], ["pyinfra>=3,<4"]],
    "ansible": [["ansible-core"]],
    "plot": [["matplotlib"]],
}
DISTRIBUTION = {"pyinfra": "pyinfra", "ansible": "ansible-core", "plot": "matplotlib"}
#: Ansible's apt module needs python3-apt on the managed host; the test image has none and
#: its local repository lacks it, so Ansible rows get these Debian packages (same release
#: as this controller) installed on every host before the measured runs
ANSIBLE_HOST_DEBS = ["python3-apt", "python-apt-common", "distro-info-data"]
DEBS = CACHE / "debs"


def ansible_host_debs() -> list[Path]:
    """The .deb files of ANSIBLE_HOST_DEBS, downloaded once (apt-get download)."""
    DEBS.mkdir(parents=True, exist_ok=True)
    found = [next(iter(sorted(DEBS.glob(f"{name}_*.deb"))), None) for name in ANSIBLE_HOST_DEBS]
    if None in found:
        subprocess.run(["apt-get", "download", *ANSIBLE_HOST_DEBS], cwd=DEBS, check=True,
                       capture_output=True)
        found = [sorted(DEBS.glob(f"{name}_*.deb"))[-1] for name in ANSIBLE_HOST_DEBS]
    return [p for p in found if p is not None]


def venv_python(name: str) -> Path:
    return VENVS / name / "bin" / "python"


def ensure_venv(name: str, refresh: bool = False) -> str:
    """Make the venv ``name`` on first use; return the installed version of its package."""
    py = venv_python(name)
    marker = VENVS / name / ".corral-bench-ready"
    if refresh or not marker.exists():
        print(f"bench: creating {VENVS / name} (first run only)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENVS / name)], check=True)
        for spec in VENV_SPECS[name]:
            done = subprocess.run([str(py), "-m", "pip", "install", "-q", *spec],
                                  check=False)
            if done.returncode == 0:
                marker.write_text(" ".join(spec) + "\n")
                break
        else:
            raise SystemExit(f"bench: could not install {VENV_SPECS[name]} into {VENVS / name}")
    return subprocess.run(
        [str(py), "-c", "import importlib.metadata as m, sys; "
         f"print(m.version({DISTRIBUTION[name]!r}))"],
        check=True, capture_output=True, text=True).stdout.strip()


def corral_version() -> str:
    out = subprocess.run([str(REPO / ".venv/bin/corral"), "--version"], capture_output=True,
                         text=True, check=False)
    return (out.stdout or out.stderr).strip().split()[-1] if out.returncode == 0 else "?"


@dataclass(frozen=True)
class Variant:
    """One row's tool: ``tool`` with its configuration ``flavour``."""

    key: str  # corral, pyinfra, ansible, ansible-fast
    tool: str  # corral, pyinfra, ansible
    label: str


VARIANTS = {
    "corral": Variant("corral", "corral", "corral"),
    "pyinfra": Variant("pyinfra", "pyinfra", "pyinfra"),
    "ansible": Variant("ansible", "ansible", "Ansible (defaults)"),
    "ansible-fast": Variant("ansible-fast", "ansible",
                            "Ansible (pipelining + ControlPersist)"),
}


def default_parallel(tool: str, hosts: int) -> int:
    """What each tool does when not told: corral config.PARALLEL (50), pyinfra
    min(20 x CPUs, hosts), Ansible forks 5."""
    if tool == "corral":
        return min(50, hosts)
    if tool == "pyinfra":
        return min(20 * (os.cpu_count() or 1), hosts)
    return min(5, hosts)


def warm_paths(tool: str, image: Path | None) -> tuple[list[Path], tuple[Path, ...]]:
    """The files a run of ``tool`` reads (for ``measure.warm_page_cache``): its installation,
    the interpreter's standard library (every tool's venv is made from this interpreter) and
    the hosts' image; and the directories under them that no run reads."""
    own = {"corral": [REPO / ".venv", REPO / "src"], "pyinfra": [VENVS / "pyinfra"],
           "ansible": [VENVS / "ansible"]}[tool]
    stdlib = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    lib = [stdlib.parent / n for n in os.listdir(stdlib.parent) if n.startswith("libpython")]
    skip = (stdlib / "site-packages", stdlib / "test",
            *(stdlib / n for n in os.listdir(stdlib) if n.startswith("config-")))
    # the programs, libraries and state the hosts run on (not documentation, locales or
    # the lamp workload's package repository)
    hosts = [image / d for d in ("usr/bin", "usr/sbin", "usr/lib", "usr/libexec", "etc",
                                 "var/lib")] if image else []
    return [*own, stdlib, *lib, *hosts], skip


def host_data(index: int, name: str) -> dict[str, Any]:
    """The per-host variables the workloads' templates use."""
    return {"bench_name": name, "bench_port": 8000 + index, "bench_workers": 4}


def write_inventories(fleet: Any, directory: Path) -> dict[str, Path]:
    """A Python inventory (corral and pyinfra) and an INI one (Ansible) for the fleet."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = fleet.inventory()
    py = ["# benchmark inventory (corral and pyinfra)", "hosts = ["]
    ini = ["[bench]"]
    for i, (name, data) in enumerate(rows):
        data = {**data, **host_data(i, name)}
        py.append(f"    ({name!r}, {data!r}),")
        extra = " ".join(f"{k}={v}" for k, v in host_data(i, name).items())
        ini.append(f"{name} ansible_host={data['ssh_hostname']} {extra}")
    py.append("]")
    ssh_args = (f"-o UserKnownHostsFile={fleet.known_hosts_path} "
                "-o StrictHostKeyChecking=yes")
    ini += ["", "[bench:vars]", "ansible_user=root",
            f"ansible_ssh_private_key_file={fleet.key_path}",
            f"ansible_ssh_common_args='{ssh_args}'",
            "ansible_python_interpreter=/usr/bin/python3"]
    (directory / "inventory.py").write_text("\n".join(py) + "\n")
    (directory / "inventory.ini").write_text("\n".join(ini) + "\n")
    (directory / "ansible.cfg").write_text("[defaults]\n")
    return {"py": directory / "inventory.py", "ini": directory / "inventory.ini"}


def command(variant: Variant, workload: str, inventories: dict[str, Path], parallel: int | None,
            scratch: Path) -> tuple[list[str], dict[str, str], Path]:
    """argv, environment and working directory for one run. ``parallel=None``: the tool's
    own default."""
    cwd = WORKLOADS / workload
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "TERM": "dumb", "NO_COLOR": "1", "COLUMNS": "200"}
    if variant.tool == "corral":
        argv = [str(REPO / ".venv/bin/corral"), str(inventories["py"]), "corral_deploy.py",
                "-y", "--json"]
        if parallel:
            argv += ["--parallel", str(parallel)]
    elif variant.tool == "pyinfra":
        argv = [str(VENVS / "pyinfra/bin/pyinfra"), "-y", str(inventories["py"]),
                "pyinfra_deploy.py"]
        if parallel:
            argv += ["--parallel", str(parallel)]
    else:
        home = scratch / "ansible-home"
        home.mkdir(parents=True, exist_ok=True)
        # a new, short directory per run: ControlPath is a unix socket (108 bytes at most)
        cp = Path(tempfile.mkdtemp(prefix="cbcp-", dir="/tmp"))
        argv = [str(VENVS / "ansible/bin/ansible-playbook"), "-i", str(inventories["ini"]),
                "playbook.yml"]
        if parallel:
            argv += ["--forks", str(parallel)]
        env |= {"ANSIBLE_CONFIG": str(inventories["ini"].parent / "ansible.cfg"),
                "ANSIBLE_HOME": str(home), "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
                "ANSIBLE_SSH_CONTROL_PATH_DIR": str(cp), "ANSIBLE_NOCOLOR": "1",
                "ANSIBLE_RETRY_FILES_ENABLED": "0"}
        if variant.key == "ansible-fast":
            env |= {"ANSIBLE_PIPELINING": "True",
                    "ANSIBLE_SSH_ARGS": "-C -o ControlMaster=auto -o ControlPersist=600s"}
    return argv, env, cwd


# change counts, read from each tool's own output

def corral_changes(stdout: str) -> tuple[dict[str, int], dict[str, int]]:
    """Changed operations per host and corral's own remote-invocation count per host, from
    the ``operation`` and ``host_done`` events of ``--json`` (the run's end is its
    ``run_done`` event)."""
    changed: dict[str, int] = {}
    invocations: dict[str, int] = {}
    finished = False
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event.get("event") == "operation":
            op = event["result"]
            changed[op["host"]] = changed.get(op["host"], 0) + bool(op["changed"])
        elif event.get("event") == "host_done":
            h = event["result"]
            changed.setdefault(h["host"], 0)
            invocations[h["host"]] = h.get("invocations", 0)
        elif event.get("event") == "run_done":
            finished = True
    if not finished:
        raise ValueError("corral printed no run_done event")
    return changed, invocations


# pyinfra pads shorter host names after the bracket (``[db1]  Success``)
PYINFRA_OP = re.compile(r"^\s*\[([^\]]+)\]\s+(Success|No changes|Error|Skipped)", re.M)


def count_pyinfra_changes(output: str) -> dict[str, int]:
    """Changed operations per host: pyinfra prints ``[host] Success`` for an operation that
    ran commands and ``[host] No changes`` for one that had none to run."""
    changed: dict[str, int] = {}
    for host, word in PYINFRA_OP.findall(output):
        changed[host] = changed.get(host, 0) + (word == "Success")
    return changed


def pyinfra_changes(stdout: str) -> dict[str, int]:
    """:func:`count_pyinfra_changes` of a whole run's output (which ends in its results)."""
    if "--> Results:" not in stdout:
        raise ValueError("pyinfra printed no results table")
    return count_pyinfra_changes(stdout)


ANSIBLE_RECAP = re.compile(r"^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+"
                           r"failed=(\d+)", re.M)


def ansible_changes(stdout: str) -> dict[str, int]:
    """``changed=N`` of each host's PLAY RECAP line."""
    found = ANSIBLE_RECAP.findall(stdout)
    if not found:
        raise ValueError("ansible-playbook printed no PLAY RECAP")
    return {host: int(changed) for host, _ok, changed, _u, _f in found}


def changes(variant: Variant, stdout: str, stderr: str) -> tuple[dict[str, int], dict[str, int]]:
    if variant.tool == "corral":
        return corral_changes(stdout)
    if variant.tool == "pyinfra":  # pyinfra prints its progress and results on stderr
        return pyinfra_changes(stdout + "\n" + stderr), {}
    return ansible_changes(stdout), {}
