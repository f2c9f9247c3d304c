"""Every fact pyinfra 3.10 and corral both have, read from the same test fleet host by each
tool, gives the same value.

pyinfra reads them in one process (its own interpreter runs ``_pyinfra_probe.py facts``,
which connects with pyinfra's API and calls ``host.get_fact`` for each), corral in one run
of ``corral.api`` (a deploy function calling ``host.get_fact`` for each). Both sides' values
go through the probe's ``plain``: the one normalisation is that a tuple and a list are the
same JSON array (corral returns lists or tuples where pyinfra returns the other, with no
meaning in the choice); a set stays distinct from a list.

A fact with required arguments is read with the arguments in ``ARGUMENTS`` (things the
test image has, or that ``SETUP`` makes on the host first). Facts whose value changes
between two reads (clock, load, processes, and what the host shares with the machine: disk
usage, and in the network namespace the ports and firewall rules of other test fleets) are
compared by shape only (``VOLATILE``); addresses, interfaces and firewall chains are
compared by value. A fact where corral differs on purpose is in ``DELIBERATE`` with the
reason (and in docs/compat.md's deviations table); any other
difference fails the test, naming the fact and both values.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from corral import api, catalog
from corral.testing.fleet import Fleet

from ._harness import fresh_fleet

PROBE = Path(__file__).resolve().parent / "_pyinfra_probe.py"
RUN_TIMEOUT = 120


def _probe() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("corral_pyinfra_probe", PROBE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


probe = _probe()

#: made on the host before either tool reads it (as root, with dash)
SETUP = r"""
set -e
git config --global user.email parity@example.invalid
git config --global user.name parity
git config --global init.defaultBranch main
git init -q /root/repo
cd /root/repo
echo one > one
git add one
git commit -q -m one
git tag v1
git clone -q /root/repo /root/clone
printf '# BEGIN PYINFRA BLOCK\ninside the block\n# END PYINFRA BLOCK\n' > /root/block.txt
echo '*/5 * * * * echo parity' | crontab -
ln -s /etc/hostname /root/link
mkdir -p /root/keyrings
cat > /root/keyrings/fixture.asc <<'CORRAL_KEY'
""" + (Path(__file__).resolve().parent.parent / "facts" / "gpg" / "fixture.asc").read_text() + """\
CORRAL_KEY
gpg --batch --quiet --import /root/keyrings/fixture.asc
gpg --batch --quiet --dearmor -o /root/keyrings/fixture.gpg /root/keyrings/fixture.asc
"""

#: the arguments each fact is read with (facts not listed are read without any)
ARGUMENTS: dict[str, dict[str, Any]] = {
    "apt.SimulateOperationWillChange": {"command": "install bash"},
    "crontab.Crontab": {"user": "root"},
    "deb.DebPackage": {"package": "bash"},
    "files.Block": {"path": "/root/block.txt"},
    "files.Directory": {"path": "/etc/apt"},
    "files.File": {"path": "/etc/passwd"},
    "files.FileContents": {"path": "/etc/passwd"},
    "files.FindDirectories": {"path": "/etc/apt"},
    "files.FindFiles": {"path": "/etc/apt"},
    "files.FindInFile": {"path": "/etc/passwd", "pattern": "root"},
    "files.FindLinks": {"path": "/etc", "maxdepth": 1},
    "files.Flags": {"path": "/etc/passwd"},
    "files.Link": {"path": "/root/link"},
    "files.Md5File": {"path": "/etc/passwd"},
    "files.Sha1File": {"path": "/etc/passwd"},
    "files.Sha256File": {"path": "/etc/passwd"},
    "files.Sha384File": {"path": "/etc/passwd"},
    "git.GitBranch": {"repo": "/root/clone"},
    "gpg.GpgKey": {"src": "/root/keyrings/fixture.asc"},
    "gpg.GpgKeyrings": {"directories": ["/root/keyrings"]},
    "git.GitConfig": {"repo": "/root/clone"},
    "git.GitLocalCommit": {"repo": "/root/clone"},
    "git.GitRemoteBranchCommit": {"repo": "/root/clone", "branch": "main"},
    "git.GitTag": {"repo": "/root/repo"},
    "git.GitTrackingBranch": {"repo": "/root/clone"},
    "mysql.MysqlUserGrants": {"user": "root"},
    "pacman.PacmanUnpackGroup": {"package": "base"},
    "rpm.RpmPackage": {"package": "bash"},
    "rpm.RpmPackageProvides": {"package": "bash"},
    "server.AuthorizedKeys": {"user": "root"},
    "server.Command": {"command": "echo parity"},
    "server.Home": {"user": "root"},
    "server.Port": {"port": 22},
    "server.Processes": {"pid": 1},
    "server.Sysctl": {"keys": ["kernel.ostype", "net.ipv4.ip_forward"]},
    "server.Which": {"command": "sh"},
}

#: facts whose value changes between two reads: compared by shape (types, not values)
VOLATILE: dict[str, str] = {
    "hardware.BlockDevices": "the disk is the machine's: used and available change",
    "hardware.Memory": "free memory",
    "iptables.Ip6tablesRules": "the machine's firewall: other fleets cut hosts with rules",
    "iptables.IptablesRules": "the machine's firewall: other fleets cut hosts with rules",
    "server.Date": "the clock",
    "server.LoadAverage": "the load",
    "server.Port": "the network namespace is the machine's: other fleets' sshds come and go",
    "server.Ports": "the network namespace is the machine's: other fleets' sshds come and go",
    "server.Processes": "CPU time and memory of the process",
    "server.Uptime": "the clock",
}

_PYINFRA_SERVICE_NAME = re.compile(r"[a-zA-Z0-9-]+")


def _apt_keys(value: Any) -> Any:
    return {key_id: [key["length"], key.get("uid"), sorted(key["subkeys"])]
            for key_id, key in value.items()}


def _gpg_keys(value: Any) -> Any:
    return {key_id: [key["length"], key.get("uid"), sorted(key["subkeys"])]
            for key_id, key in (value or {}).items()}


def _listed_ports(value: Any) -> Any:
    return [{k: v for k, v in port.items() if k != "pid"} for port in value
            if port.get("process") is not None]


def _cut_at_colon(value: Any) -> Any:
    """lscpu's fields as pyinfra keeps them: a value up to its first colon."""
    if not isinstance(value, dict):
        return value
    return {k: v.split(":")[0].strip() if isinstance(v, str) else v for k, v in value.items()}


#: facts where corral differs from pyinfra on purpose (docs/compat.md, deviations): fact ->
#: (why, view). The view, applied to both tools' values, keeps what must still agree (None:
#: nothing can be compared, the fact is reported as skipped)
DELIBERATE: dict[str, tuple[str, Callable[[Any], Any] | None]] = {
    "apt.AptKeys": (
        "corral reads every keyring file in name order with gpg --show-keys and gives each "
        "key's fingerprint, uid hash and keyring file; pyinfra's value depends on find's "
        "order and lacks the fingerprint and uid hash of keys read from some files",
        _apt_keys),
    "gpg.GpgKey": (
        "corral reads the file with gpg --show-keys in a throw-away home, which gives each "
        "key's fingerprint and uid hash; pyinfra's gpg --with-colons FILE (no command: gpg "
        "guesses) gives neither, and creates ~/.gnupg", _gpg_keys),
    "gpg.GpgKeyrings": (
        "every file is read in a throw-away gpg home (armored ones with --show-keys: "
        "fingerprints and uid hashes as for the others); pyinfra reads armored files "
        "without them, and binary ones through the user's home (which a missing --keyring "
        "file is created in)",
        lambda value: {path: [ring["format"], _gpg_keys(ring["keys"])]
                       for path, ring in (value or {}).items()}),
    "gpg.GpgSecretKeys": (
        "{} for a keyring without secret keys (pyinfra: None, which its own gpg.key "
        "cannot take)", lambda value: value or None),
    "files.Flags": (
        "[] where the system has no chflags (pyinfra: None, which its own files.flags "
        "cannot take)", lambda value: value or None),
    "git.GitBranch": (
        "the checked-out branch first (git symbolic-ref); pyinfra's git describe --all "
        "names a tag on the same commit instead, so its git.repo checks the branch out again "
        "on every run", None),
    "hardware.CpuInfo": (
        "an lscpu value holding a colon (Vulnerability Spec rstack overflow: Vulnerable: "
        "Safe RET, no microcode) is kept whole; pyinfra cuts it at that colon",
        _cut_at_colon),
    "server.Ports": (
        "corral lists sockets whose owner is not visible too (process and pid None) and "
        "gives each socket's pid", _listed_ports),
    "sysvinit.InitdStatus": (
        "every LSB script of /etc/init.d; pyinfra's pattern skips names with a dot or an "
        "underscore (hwclock.sh)",
        lambda value: {k: v for k, v in value.items() if _PYINFRA_SERVICE_NAME.fullmatch(k)}),
}

#: deliberate differences that show only on some machines (the two reads agree elsewhere)
DIFFERS_ON_SOME_MACHINES = {
    "hardware.CpuInfo",  # only where the kernel's lscpu text has a value holding a colon
}


def common_facts() -> list[str]:
    """The facts both tools have (pyinfra's names, as listed by the probe)."""
    pyinfra_names = set(probe_names()["facts"])
    return sorted(pyinfra_names & set(catalog.facts()))


_NAMES: dict[str, Any] = {}


def probe_names() -> dict[str, list[str]]:
    if "names" not in _NAMES:
        from ._harness import pyinfra_bin

        found = pyinfra_bin()
        assert not isinstance(found, str), found
        done = subprocess.run([str(found.parent / "python"), str(PROBE), "names"],
                              capture_output=True, text=True, check=True)
        _NAMES["names"] = json.loads(done.stdout)
    names: dict[str, list[str]] = _NAMES["names"]
    return names


def shape(value: Any) -> Any:
    """A plain value's types: a dict's and a list's members by their shapes (keys and order
    left out), a scalar by its type's name."""
    if isinstance(value, dict):
        return {"dict": sorted({json.dumps(shape(v), sort_keys=True) for v in value.values()})}
    if isinstance(value, list):
        return {"list": sorted({json.dumps(shape(v), sort_keys=True) for v in value})}
    return type(value).__name__


def pyinfra_values(python: Path, host: str, data: dict[str, Any],
                   facts: list[str]) -> dict[str, Any]:
    spec = {"host": host, "data": data,
            "facts": {name: ARGUMENTS.get(name, {}) for name in facts}}
    done = subprocess.run([str(python), str(PROBE), "facts"], input=json.dumps(spec),
                          capture_output=True, text=True, timeout=RUN_TIMEOUT,
                          env={"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8",
                               "HOME": tempfile.gettempdir()})
    assert done.returncode == 0, f"pyinfra's probe failed:\n{done.stderr[-3000:]}"
    values: dict[str, Any] = json.loads(done.stdout)
    return values


def corral_values(inventory: Path, facts: list[str]) -> dict[str, Any]:
    from corral import host

    found: dict[str, Any] = {}
    classes = catalog.facts()

    def read() -> None:
        for name in facts:
            try:
                value = host.get_fact(classes[name], **ARGUMENTS.get(name, {}))
            except Exception as exc:  # recorded: the table says which fact failed
                found[name] = {"error": f"{type(exc).__name__}: {exc}"}
            else:
                found[name] = {"value": probe.plain(value)}

    result = api.run(str(inventory), read)
    assert result.exit_code == 0, result
    return found


def compare(name: str, ours: dict[str, Any], theirs: dict[str, Any]) -> tuple[str, str]:
    """``(verdict, detail)`` for one fact's two reads: ``equal``, ``equal-default`` (both the
    fact's default: the tool it reads is not on the host), ``shape`` (a volatile fact whose
    types agree), ``deliberate`` (agrees in what its view keeps), ``skipped`` (a deliberate
    difference with nothing left to compare) or ``differs``."""
    if "error" in ours or "error" in theirs:
        if "error" in ours and "error" in theirs:
            return "equal", "both fail"
        return "differs", f"corral {ours} / pyinfra {theirs}"
    mine, their = ours["value"], theirs["value"]
    verdict = "equal"
    if name in DELIBERATE:
        why, view = DELIBERATE[name]
        if view is None:
            return "skipped", why
        mine, their, verdict = view(mine), view(their), "deliberate"
    if name in VOLATILE:
        if shape(mine) == shape(their):
            return "shape", VOLATILE[name]
        return "differs", f"shape: corral {shape(mine)} / pyinfra {shape(their)}"
    if mine != their:
        return "differs", (f"corral {json.dumps(mine)[:600]} / pyinfra "
                           f"{json.dumps(their)[:600]}")
    if verdict == "equal" and mine == probe.plain(catalog.facts()[name].default()):
        return "equal-default", "both the fact's default (what it reads is not on the host)"
    return verdict, DELIBERATE[name][0] if verdict == "deliberate" else ""


def ssh_setup(fleet: Fleet) -> None:
    host = fleet.hosts[0]
    done = subprocess.run(
        ["ssh", "-i", str(fleet.key_path), "-o", f"UserKnownHostsFile={fleet.known_hosts_path}",
         "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", f"root@{host.address}",
         "sh", "-s"],
        input=SETUP, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"setting the host up failed: {done.stderr}"


def test_facts_read_the_same_as_pyinfra(pyinfra: Path, tmp_path: Path) -> None:
    facts = common_facts()
    assert len(facts) > 90  # 3.10 and corral today share about a hundred
    fleet = fresh_fleet(1, "fp")
    try:
        ssh_setup(fleet)
        inventory = fleet.write_inventory(tmp_path / "inventory.py")
        (name, data), = fleet.inventory()
        theirs = pyinfra_values(pyinfra.parent / "python", name, data, facts)
        ours = corral_values(inventory, facts)
    finally:
        fleet.stop()
    table = {fact: compare(fact, ours[fact], theirs[fact]) for fact in facts}
    report = "\n".join(f"{fact:40} {verdict:8} {detail}" for fact, (verdict, detail)
                       in table.items())
    print(report)
    verdicts = [verdict for verdict, _ in table.values()]
    # what was compared is real values, not only defaults or errors on both sides
    assert verdicts.count("equal") >= 40, report
    unexpected = {fact: detail for fact, (verdict, detail) in table.items()
                  if verdict == "differs"}
    assert not unexpected, "facts read otherwise than pyinfra 3.10 reads them:\n" + "\n".join(
        f"{fact}: {detail}" for fact, detail in unexpected.items())
    same = sorted(f for f in DELIBERATE
                  if f in ours and ours[f] == theirs[f] and f not in DIFFERS_ON_SOME_MACHINES)
    assert not same, f"these facts read as pyinfra's now; remove them from DELIBERATE: {same}"

def test_shape_tells_types_apart_but_not_values() -> None:
    assert shape({"a": [1, 2]}) == shape({"b": [3]})
    assert shape({"a": [1]}) != shape({"a": ["1"]})
    assert shape([1.0]) != shape([1])
    assert shape(None) != shape("")


def test_plain_keeps_a_set_apart_from_a_list() -> None:
    assert probe.plain((1, 2)) == probe.plain([1, 2])
    assert probe.plain({2, 1}) != probe.plain([1, 2])
    assert probe.plain({2, 1}) == {"set": [1, 2]}


def test_compare_finds_a_difference_of_value_of_shape_and_of_failure() -> None:
    assert compare("server.Hostname", {"value": "a"}, {"value": "a"}) == ("equal", "")
    assert compare("server.Hostname", {"value": "a"}, {"value": "b"})[0] == "differs"
    assert compare("server.Hostname", {"error": "E"}, {"value": "a"})[0] == "differs"
    assert compare("server.Uptime", {"value": 3}, {"value": 9})[0] == "shape"
    assert compare("server.Uptime", {"value": 3}, {"value": "9"})[0] == "differs"
    assert compare("deb.DebPackages", {"value": {}}, {"value": {}})[0] == "equal-default"


def test_a_deliberate_difference_still_compares_what_its_view_keeps() -> None:
    ok = {"hwclock.sh": False, "ssh": True}
    assert compare("sysvinit.InitdStatus", {"value": ok}, {"value": {"ssh": True}})[0] == \
        "deliberate"
    assert compare("sysvinit.InitdStatus", {"value": ok}, {"value": {"ssh": False}})[0] == \
        "differs"
    assert compare("git.GitBranch", {"value": "main"}, {"value": "v1"})[0] == "skipped"
