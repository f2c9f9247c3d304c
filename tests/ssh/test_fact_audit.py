"""Every built-in fact, read on a test fleet host (the Debian test image) for something that
is not there: a missing file, package, user, repository, program... Each reads as its
default (or its own "none" answer), never as a failure: the exit codes a fact's command
gives for "not there" are declared (``FactBase.absent_exit_codes``, ``is_absent``), and a
missing ``requires_command`` is told apart from a failing command. And a failing command
fails what reads it."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import corral.facts
from corral import api, host
from corral.model.errors import FactError
from corral.model.facts import registered_facts
from corral.testing.fleet import Fleet

from .conftest import ROOT_HOST, SUDO_HOST, host_inventory, host_root

pytestmark = pytest.mark.integration

for _module in pkgutil.iter_modules(corral.facts.__path__):
    importlib.import_module(f"corral.facts.{_module.name}")

MISSING = "/srv/corral-absent/missing"
NO_PACKAGE = "corral-no-such-package"
NO_USER = "corral-no-such-user"
DEFAULT = object()  #: the fact's default()
ANY = object()  #: any value: the fact has no "absent" case (server.Arch), it must just read

#: fact name -> (keyword arguments naming something absent, the value expected)
ABSENT: dict[str, list[tuple[dict[str, Any], Any]]] = {
    # programs the test image does not have: their facts read as their defaults
    "apk.ApkPackages": [({}, DEFAULT)],
    # package managers the test image lacks (pkg: neither pkg nor pkg_info answers)
    "brew.BrewTrusted": [({}, DEFAULT)],
    "cargo.CargoPackages": [({}, DEFAULT)],
    "choco.ChocoPackages": [({}, DEFAULT)],
    "choco.ChocoVersion": [({}, DEFAULT)],
    "dnf.DnfDisabledModules": [({}, DEFAULT)],
    "dnf.DnfEnabledModules": [({}, DEFAULT)],
    "flatpak.FlatpakPackages": [({}, DEFAULT)],
    "go.GoPackages": [({}, DEFAULT)],
    "opkg.OpkgConf": [({}, DEFAULT)],
    "opkg.OpkgFeeds": [({}, DEFAULT)],
    "opkg.OpkgInstallableArchitectures": [({}, DEFAULT)],
    "opkg.OpkgPackages": [({}, DEFAULT)],
    "opkg.OpkgUpgradeablePackages": [({}, DEFAULT)],
    "pkg.PkgPackages": [({}, DEFAULT)],
    "pkgin.PkginPackages": [({}, DEFAULT)],
    "snap.SnapPackages": [({}, DEFAULT)],
    # docker is not on the test image (docker.DockerAuths: no config.json)
    "docker.DockerAuths": [({}, DEFAULT)],
    "docker.DockerContainer": [({"object_id": "corral-absent"}, DEFAULT)],
    "docker.DockerContainerEnvs": [({}, DEFAULT)],
    "docker.DockerContainerFsChanges": [({"container_id": "corral-absent"}, DEFAULT)],
    "docker.DockerContainerLabels": [({}, DEFAULT)],
    "docker.DockerContainerMounts": [({}, DEFAULT)],
    "docker.DockerContainerNetworks": [({}, DEFAULT)],
    "docker.DockerContainerPorts": [({}, DEFAULT)],
    "docker.DockerContainerProcesses": [({"container_id": "corral-absent"}, DEFAULT)],
    "docker.DockerContainerStats": [({}, DEFAULT)],
    "docker.DockerContainers": [({}, DEFAULT)],
    "docker.DockerImage": [({"object_id": "corral-absent"}, DEFAULT)],
    "docker.DockerImageHistory": [({"image_id": "corral-absent"}, DEFAULT)],
    "docker.DockerImageLabels": [({}, DEFAULT)],
    "docker.DockerImageLayers": [({}, DEFAULT)],
    "docker.DockerImages": [({}, DEFAULT)],
    "docker.DockerNetwork": [({"object_id": "corral-absent"}, DEFAULT)],
    "docker.DockerNetworkLabels": [({}, DEFAULT)],
    "docker.DockerNetworks": [({}, DEFAULT)],
    "docker.DockerPlugin": [({"object_id": "corral-absent"}, DEFAULT)],
    "docker.DockerPlugins": [({}, DEFAULT)],
    "docker.DockerSystemInfo": [({}, DEFAULT)],
    "docker.DockerVersion": [({}, DEFAULT)],
    "docker.DockerVolume": [({"object_id": "corral-absent"}, DEFAULT)],
    "docker.DockerVolumeLabels": [({}, DEFAULT)],
    "docker.DockerVolumes": [({}, DEFAULT)],
    "uv.UvAvailablePythonsByImplementation": [({}, DEFAULT)],
    "uv.UvAvailablePythonsByVersion": [({}, DEFAULT)],
    "uv.UvInstalledPythonsByImplementation": [({}, DEFAULT)],
    "uv.UvInstalledPythonsByVersion": [({}, DEFAULT)],
    "uv.UvPipPackages": [({}, DEFAULT)],
    "uv.UvPythonDir": [({}, DEFAULT)],
    "uv.UvToolBinDirInPath": [({}, DEFAULT)],
    "uv.UvToolDir": [({}, DEFAULT)],
    "uv.UvTools": [({}, DEFAULT)],
    "uv.UvVersion": [({}, DEFAULT)],
    "xbps.XbpsPackages": [({}, DEFAULT)],
    # podman is not on the test image
    "podman.PodmanPs": [({}, DEFAULT)],
    "podman.PodmanSystemInfo": [({}, DEFAULT)],
    "zypper.ZypperRepositories": [({}, DEFAULT)],
    "flatpak.FlatpakPackage": [({"package": NO_PACKAGE}, DEFAULT)],
    "snap.SnapPackage": [({"package": NO_PACKAGE}, DEFAULT)],
    "brew.BrewCasks": [({}, DEFAULT)],
    "brew.BrewPackages": [({}, DEFAULT)],
    "brew.BrewTaps": [({}, DEFAULT)],
    "brew.BrewVersion": [({}, DEFAULT)],
    "dnf.DnfRepositories": [({}, DEFAULT)],
    "files.Flags": [({"path": MISSING}, DEFAULT)],
    "gem.GemPackages": [({}, DEFAULT)],
    "mysql.MysqlDatabases": [({}, DEFAULT)],
    "mysql.MysqlUserGrants": [({"user": NO_USER}, DEFAULT)],
    "mysql.MysqlUsers": [({}, DEFAULT)],
    "npm.NpmPackages": [({}, DEFAULT), ({"directory": MISSING}, DEFAULT)],
    "bsdinit.RcdStatus": [({}, DEFAULT)],  # no /etc/rc.d
    "launchd.LaunchdStatus": [({}, DEFAULT)],
    "runit.RunitManaged": [({}, DEFAULT), ({"service": "corral-absent"}, DEFAULT),
                           ({"svdir": MISSING}, DEFAULT)],
    "runit.RunitStatus": [({}, DEFAULT), ({"service": "corral-absent"}, DEFAULT)],
    "upstart.UpstartStatus": [({}, DEFAULT)],
    "postgresql.PostgresqlDatabases": [({}, DEFAULT)],
    "postgresql.PostgresqlRoles": [({}, DEFAULT)],
    "selinux.SEBoolean": [({"boolean": "corral_absent"}, DEFAULT)],
    "selinux.FileContext": [({"path": MISSING}, DEFAULT)],
    "selinux.FileContextMapping": [({"target": "/srv/corral-absent(/.*)?"}, DEFAULT)],
    "selinux.SEPorts": [({}, DEFAULT)],
    "selinux.SEPort": [({"protocol": "tcp", "port": 2222}, DEFAULT)],
    "zfs.ZfsPools": [({}, DEFAULT)],
    "zfs.ZfsDatasets": [({}, DEFAULT)],
    "zfs.ZfsFilesystems": [({}, DEFAULT)],
    "zfs.ZfsSnapshots": [({}, DEFAULT)],
    "zfs.ZfsVolumes": [({}, DEFAULT)],
    "zfs.Pools": [({}, DEFAULT)],
    "zfs.Datasets": [({}, DEFAULT)],
    "zfs.Filesystems": [({}, DEFAULT)],
    "zfs.Snapshots": [({}, DEFAULT)],
    "zfs.Volumes": [({}, DEFAULT)],
    # FreeBSD's tools (Debian's service(8) has no -l: nothing listed, nothing running)
    "freebsd.ServiceScript": [({"srvname": "corral-absent"}, DEFAULT),
                              ({"srvname": "ssh", "jail": "corral-absent"}, DEFAULT)],
    "freebsd.ServiceStatus": [({"srvname": "corral-absent"}, DEFAULT)],
    "freebsd.Sysrc": [({"parameter": "corral_absent"}, DEFAULT)],
    "freebsd.PkgPackage": [({"package": NO_PACKAGE}, DEFAULT)],
    "lxd.LxdContainers": [({}, DEFAULT)],
    "vzctl.OpenvzContainers": [({}, DEFAULT)],
    "efibootmgr.EFIBootMgr": [({}, DEFAULT)],
    # gpg: a missing key file, keyring file or directory; root's keyring has no key
    "gpg.GpgKey": [({"src": MISSING}, DEFAULT)],
    "gpg.GpgKeys": [({}, DEFAULT), ({"keyring": MISSING}, DEFAULT)],
    "gpg.GpgSecretKeys": [({}, DEFAULT), ({"keyring": MISSING}, DEFAULT)],
    "gpg.GpgKeyrings": [({"directories": [MISSING]}, DEFAULT)],
    "openrc.OpenrcEnabled": [({}, DEFAULT)],
    "openrc.OpenrcStatus": [({}, DEFAULT)],
    "pacman.PacmanPackages": [({}, DEFAULT)],
    "pacman.PacmanUnpackGroup": [({"package": NO_PACKAGE}, DEFAULT)],
    "pip.PipPackages": [({}, DEFAULT), ({"pip": "/srv/corral-absent/venv/bin/pip"}, DEFAULT)],
    "pip.Pip3Packages": [({}, DEFAULT)],
    "pipx.PipxBinDirInPath": [({}, DEFAULT)],
    "pipx.PipxEnvironment": [({}, DEFAULT)],
    "pipx.PipxPackages": [({}, DEFAULT)],
    "postgres.PostgresDatabases": [({}, DEFAULT)],
    "postgres.PostgresRolePassword": [({"role": NO_USER}, DEFAULT)],
    "postgres.PostgresRoles": [({}, DEFAULT)],
    "rpm.RpmPackage": [({"package": NO_PACKAGE}, DEFAULT)],
    "rpm.RpmPackageProvides": [({"package": NO_PACKAGE}, DEFAULT)],
    "rpm.RpmPackages": [({}, DEFAULT)],
    "server.LsbRelease": [({}, DEFAULT)],
    "server.MacosVersion": [({}, DEFAULT)],
    "server.Selinux": [({}, DEFAULT)],
    "ufw.UfwRules": [({}, DEFAULT)],
    "ufw.UfwStatus": [({}, DEFAULT)],
    "yum.YumRepositories": [({}, DEFAULT)],
    # things that are not there
    "apt.AptCacheAge": [({}, DEFAULT)],
    "apt.AptKeys": [({"directories": [MISSING]}, DEFAULT)],
    "apt.SimulateOperationWillChange": [({"command": f"install {NO_PACKAGE}"}, DEFAULT)],
    "crontab.Crontab": [({}, DEFAULT), ({"user": NO_USER}, DEFAULT)],
    "server.Crontab": [({}, DEFAULT), ({"user": NO_USER}, DEFAULT)],
    "deb.DebPackage": [({"package": NO_PACKAGE}, {})],
    "files.Block": [({"path": MISSING}, DEFAULT), ({"path": "/etc/hostname"}, [])],
    "files.Directory": [({"path": MISSING}, DEFAULT)],
    "files.File": [({"path": MISSING}, DEFAULT)],
    "files.Link": [({"path": MISSING}, DEFAULT)],
    "files.Socket": [({"path": MISSING}, DEFAULT)],
    "files.FileContents": [({"path": MISSING}, DEFAULT)],
    "files.FileBytes": [({"path": MISSING}, DEFAULT), ({"path": "/srv"}, DEFAULT)],
    "files.FindDirectories": [({"path": MISSING}, DEFAULT)],
    "files.FindFiles": [({"path": MISSING}, DEFAULT)],
    "files.FindLinks": [({"path": MISSING}, DEFAULT)],
    "files.FindInFile": [({"path": MISSING, "pattern": "x"}, DEFAULT),
                         ({"path": "/etc/hostname", "pattern": "^corral-no-match$"}, [])],
    "files.Md5File": [({"path": MISSING}, DEFAULT)],
    "files.Sha1File": [({"path": MISSING}, DEFAULT)],
    "files.Sha256File": [({"path": MISSING}, DEFAULT)],
    "files.Sha384File": [({"path": MISSING}, DEFAULT)],
    "files.SecondsSinceModified": [({"path": MISSING}, DEFAULT)],
    "files.Tree": [({"path": MISSING}, DEFAULT)],
    "git.GitBranch": [({"repo": MISSING}, DEFAULT)],
    "git.GitConfig": [({}, DEFAULT), ({"repo": MISSING}, DEFAULT)],
    "git.GitKnownHost": [({"hostname": "corral-unknown.invalid"}, False)],
    "git.GitLocalCommit": [({"repo": MISSING}, DEFAULT)],
    "git.GitRemoteBranchCommit": [({"repo": MISSING}, DEFAULT)],
    "git.GitTag": [({"repo": MISSING}, DEFAULT)],
    "git.GitTrackingBranch": [({"repo": MISSING}, DEFAULT)],
    "http.HttpStatus": [({"url": "http://127.0.0.1:9/"}, ANY)],
    "server.Home": [({"user": NO_USER}, ANY)],
    "server.AuthorizedKeys": [({"user": NO_USER}, DEFAULT), ({"user": "nobody"}, DEFAULT),
                              ({"user": "root", "path": MISSING}, DEFAULT)],
    "server.EtcHosts": [({"path": MISSING}, DEFAULT)],
    "server.HasGui": [({}, False)],
    "server.LinuxGui": [({}, DEFAULT)],
    "server.Port": [({"port": 9}, DEFAULT)],
    "server.Processes": [({"pid": 999999}, DEFAULT)],
    "server.Sysctl": [({"keys": ["corral.no_such_key"]}, DEFAULT)],
    "server.SysctlWritable": [({"key": "corral.no_such_key"}, None)],
    "server.Which": [({"command": "corral-no-such-program"}, DEFAULT)],
    "systemd.SystemdEnabled": [({}, DEFAULT), ({"services": "corral-absent.service"}, ANY)],
    "systemd.SystemdStatus": [({}, DEFAULT), ({"services": "corral-absent.service"}, ANY)],
    "sysvinit.InitdStartLinks": [({"service": "corral-absent"}, [])],
    # facts about the host itself: nothing can be absent, they just read
    "apt.AptPackages": [({}, ANY)],
    "apt.AptSources": [({}, ANY)],
    "apt.AptUpgradablePackages": [({}, ANY)],
    "deb.DebArch": [({}, ANY)],
    "deb.DebPackages": [({}, ANY)],
    "hardware.BlockDevices": [({}, ANY)],
    "hardware.CpuInfo": [({}, ANY)],
    "hardware.Cpus": [({}, ANY)],
    "hardware.Ipv4Addresses": [({}, ANY)],
    "hardware.Ipv4Addrs": [({}, ANY)],
    "hardware.Ipv6Addresses": [({}, ANY)],
    "hardware.Ipv6Addrs": [({}, ANY)],
    "hardware.Memory": [({}, ANY)],
    "hardware.NetworkDevices": [({}, ANY)],
    "iptables.Ip6tablesChains": [({}, ANY)],
    "iptables.Ip6tablesRules": [({}, ANY)],
    "iptables.IptablesChains": [({}, ANY)],
    "iptables.IptablesDigest": [({"tables": ["filter"]}, ANY)],
    "iptables.IptablesRules": [({}, ANY)],
    "server.Arch": [({}, ANY)],
    "server.Command": [({"command": "true"}, ANY)],
    "server.Date": [({}, ANY)],
    "server.Groups": [({}, ANY)],
    "server.Hostname": [({}, ANY)],
    "server.Kernel": [({}, ANY)],
    "server.KernelVersion": [({}, ANY)],
    "server.Last": [({}, ANY)],
    "server.Lastb": [({}, ANY)],
    "server.LinuxName": [({}, "Debian")],
    "server.LoadAverage": [({}, ANY)],
    "server.OsVersion": [({}, ANY)],
    "server.User": [({}, "root")],
    "server.KernelModules": [({}, ANY)],
    "server.LinuxDistribution": [({}, ANY)],
    "server.Locales": [({}, ANY)],
    "server.Mounts": [({}, ANY)],
    "server.Os": [({}, ANY)],
    "server.OsRelease": [({}, ANY)],
    "server.Path": [({}, ANY)],
    "server.Ports": [({}, ANY)],
    "server.RebootRequired": [({}, False)],
    "server.SecurityLimits": [({}, ANY)],
    "server.Timezone": [({}, ANY)],
    "server.TmpDir": [({}, ANY)],
    "server.Uptime": [({}, ANY)],
    "server.UserAccounts": [({}, ANY)],
    "server.Users": [({}, ANY)],
    "sysvinit.InitdStatus": [({}, ANY)],
}

CASES = [(name, i) for name in sorted(ABSENT) for i in range(len(ABSENT[name]))]


def test_every_built_in_fact_has_an_absent_case() -> None:
    assert set(ABSENT) == set(registered_facts()), set(registered_facts()) ^ set(ABSENT)


def _read_all(inventory: Path) -> dict[tuple[str, int], Any]:
    """Each case's value, or the FactError it raised, read by deploy code on the host."""
    found: dict[tuple[str, int], Any] = {}

    def deploy() -> None:
        for name, i in CASES:
            kwargs = ABSENT[name][i][0]
            try:
                found[(name, i)] = host.get_fact(registered_facts()[name], **kwargs)
            except FactError as exc:
                found[(name, i)] = exc

    result = api.run(str(inventory), deploy)
    assert result.exit_code == 0, result
    return found


@pytest.fixture(scope="module")
def read_as_root(fleet: Fleet, tmp_path_factory: pytest.TempPathFactory
                 ) -> dict[tuple[str, int], Any]:
    return _read_all(host_inventory(fleet, ROOT_HOST, tmp_path_factory.mktemp("audit")))


@pytest.mark.parametrize(("name", "case"), CASES)
def test_a_fact_reads_something_absent_as_its_default(
        read_as_root: dict[tuple[str, int], Any], name: str, case: int) -> None:
    value = read_as_root[(name, case)]
    assert not isinstance(value, FactError), value
    expected = ABSENT[name][case][1]
    if expected is DEFAULT:
        assert value == registered_facts()[name].default()
    elif expected is not ANY:
        assert value == expected


def test_sudo_or_su_to_a_user_that_does_not_exist_yet_reads_as_the_default(
        fleet: Fleet, tmp_path: Path) -> None:
    """sudo -u and su to a user an earlier operation may create: the default, as pyinfra."""
    from corral.facts.files import File
    from corral.facts.server import Home

    seen: list[Any] = []

    def deploy() -> None:
        seen.append(host.get_fact(File, path="/etc/hostname", _sudo=True, _sudo_user=NO_USER))
        seen.append(host.get_fact(Home, _sudo=True, _su_user=NO_USER))

    inventory = host_inventory(fleet, SUDO_HOST, tmp_path, user="corral")
    result = api.run(str(inventory), deploy)
    assert result.exit_code == 0, result
    assert seen == [None, None]


def test_a_fact_that_cannot_read_fails_the_run_with_its_error(
        fleet: Fleet, tmp_path: Path) -> None:
    """Permission denied (no sudo) and a pattern grep rejects: the operation fails with the
    fact's error output, the run exits 1, and nothing is changed (before, both read as
    "the line is not there" and files.line appended it again on every run)."""
    from .conftest import corral

    (tmp_path / "deploy.py").write_text(
        "from corral.operations import files\n"
        "files.line(name='shadow', path='/etc/shadow', line='x')\n")
    inventory = host_inventory(fleet, SUDO_HOST, tmp_path, user="corral")
    ran = corral(inventory, "deploy.py", "-y", cwd=tmp_path)
    assert ran.code == 1, str(ran)
    assert "fact files.FindInFile(" in ran.out and "Permission denied" in ran.out, str(ran)

    root = host_root(fleet, ROOT_HOST)
    target = root / "srv/it-audit.txt"
    target.write_text("a\n")
    # files.line refuses such a regex when it is planned (bad input); an operation of the
    # deploy's own reading FindInFile with it gets grep's error
    (tmp_path / "line.py").write_text(
        "from corral.operations import files\n"
        "files.line(name='regex', path='/srv/it-audit.txt', line='x[' + 'y' * 100000)\n")
    (tmp_path / "regex.py").write_text(
        "from corral import host\n"
        "from corral.api import operation\n"
        "from corral.facts.files import FindInFile\n"
        "@operation\n"
        "def append(path, pattern):\n"
        "    if not host.get_fact(FindInFile, path=path, pattern=pattern):\n"
        "        yield f'echo x >> {path}'\n"
        "append(name='regex', path='/srv/it-audit.txt', pattern='x[' + 'y' * 100000)\n")
    inventory = host_inventory(fleet, ROOT_HOST, tmp_path)
    ran = corral(inventory, "line.py", "-y", cwd=tmp_path)
    assert ran.code == 4 and "bracket expression [...] is not closed" in ran.err, str(ran)
    for _ in range(2):
        ran = corral(inventory, "regex.py", "-y", cwd=tmp_path)
        assert ran.code == 1, str(ran)
        assert "exit code 1" in ran.out and "Unmatched [" in ran.out, str(ran)
        assert target.read_text() == "a\n"
