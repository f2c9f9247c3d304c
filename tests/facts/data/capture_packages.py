"""Re-capture the package-manager fact outputs stored next to this script (root, Debian 12).

    .venv/bin/python tests/facts/data/capture_packages.py

Each capture runs a fact's command with ``sh -c`` and stores command, exit code and stdout
lines as ``pkg_<name>.json``. Where it runs:

- ``host``: this machine (apt's upgradable list and dry runs, npm).
- ``rootfs``: an overlay over the fleet test image, with ruby, python3-pip and pipx
  installed from its local repository, a wheel and a gem built here, deb822 sources,
  a generated key and yum/dnf repository files (``ROOTFS_SETUP``).
- ``rpm``: rpm on this machine (``apt-get install rpm``) with a private database
  (``%_dbpath`` in ``$HOME/.rpmmacros``) holding two empty packages built with rpmbuild.
- ``pacman``: pacman on this machine (``pacman-package-manager makepkg libarchive-tools``)
  in a mount namespace where /etc/pacman.conf points at a private root, database and a
  local repository of two packages of a group, built with makepkg and repo-add.

apk and brew have no Debian 12 package: their tests use documented sample output.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from corral.facts import apk, apt, deb, dnf, gem, npm, pacman, pip, pipx, rpm, yum
from corral.model.facts import FactBase
from corral.testing.image import overlay_root

HERE = Path(__file__).parent
WORK = Path("/tmp/corral-pkg-capture")


def demo_wheel(name: str = "corral_demo", version: str = "1.0") -> tuple[str, bytes]:
    """A tiny pure-Python wheel with a console script (enough for pip and pipx)."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": "def main():\n    print('corral demo')\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: corral-tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        f"{dist}/entry_points.txt": f"[console_scripts]\n{name.replace('_', '-')} = "
                                    f"{name}:main\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
        zf.writestr(f"{dist}/RECORD", "".join(f"{p},,\n" for p in files) + f"{dist}/RECORD,,\n")
    return f"{name}-{version}-py3-none-any.whl", buf.getvalue()


GEMSPEC = """Gem::Specification.new do |s|
  s.name = "corral-demo"
  s.version = "0.3.1"
  s.summary = "corral test gem"
  s.authors = ["corral"]
  s.files = ["lib/corral_demo.rb"]
  s.license = "MIT"
end
"""

ROOTFS_SETUP = """
set -e
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ruby python3-pip pipx >/dev/null
mkdir -p /srv/wheels /srv/gem/lib && cd /srv/gem
echo 'module CorralDemo; end' > lib/corral_demo.rb
gem build corral-demo.gemspec >/dev/null 2>&1 && \
gem install --local corral-demo-0.3.1.gem >/dev/null
python3 -m venv /srv/venv
/srv/venv/bin/pip install -q --no-index --find-links /srv/wheels corral_demo
pipx install --pip-args='--no-index --find-links /srv/wheels' corral_demo >/dev/null 2>&1
cat > /etc/apt/sources.list.d/extra.sources <<'EOF'
Types: deb deb-src
URIs: http://deb.example.com/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /etc/apt/keyrings/example.gpg

# a disabled one
Types: deb
URIs: http://old.example.com/debian
Suites: buster
Components: main
Enabled: no
EOF
echo 'deb [arch=amd64,arm64 signed-by=/etc/apt/keyrings/example.gpg] \
https://apt.example.com/x stable main  # c' > /etc/apt/sources.list.d/example.list
export GNUPGHOME=$(mktemp -d)
gpg --batch --passphrase '' --quick-gen-key 'Corral Test <test@corral.invalid>' \
  rsa2048 sign never 2>/dev/null
mkdir -p /etc/apt/keyrings && gpg --batch --export > /etc/apt/keyrings/example.gpg
mkdir -p /etc/yum.repos.d /etc/dnf
printf '[main]\\ngpgcheck=1\\ninstallonly_limit=3\\n' > /etc/dnf/dnf.conf
printf '[main]\\ncachedir=/var/cache/yum\\n' > /etc/yum.conf
cat > /etc/yum.repos.d/docker-ce.repo <<'EOF'
[docker-ce-stable]
name=Docker CE Stable - $basearch
baseurl=https://download.docker.com/linux/centos/$releasever/$basearch/stable
enabled=1
gpgcheck=1
gpgkey=https://download.docker.com/linux/centos/gpg

[docker-ce-test]
name=Docker CE Test - $basearch
baseurl = https://download.docker.com/linux/centos/$releasever/$basearch/test
enabled=0
EOF
printf '# comment\\n[corral]\\nname=corral\\n' > /etc/yum.repos.d/corral.repo
printf 'baseurl=file:///srv/repo\\n' >> /etc/yum.repos.d/corral.repo
printf 'gpgkey=file:///a\\n  file:///b\\n' >> /etc/yum.repos.d/corral.repo
"""

RPM_SETUP = r"""
set -e
W=/tmp/corral-pkg-capture/rpm; rm -rf $W; mkdir -p $W/home $W/db $W/SPECS
echo "%_dbpath $W/db" > $W/home/.rpmmacros
for p in corral-demo:1.2.3:4 corral-other:0.9:1.el9; do
  IFS=: read n v r <<EOF
$p
EOF
  printf 'Name: %s\nVersion: %s\nRelease: %s\nSummary: t\nLicense: MIT\n' $n $v $r \
    > $W/SPECS/$n.spec
  printf 'BuildArch: noarch\n%%description\nt\n%%files\n' >> $W/SPECS/$n.spec
  HOME=$W/home rpmbuild --define "_topdir $W" -bb $W/SPECS/$n.spec >/dev/null 2>&1
done
HOME=$W/home rpm --initdb
HOME=$W/home rpm -i --nodeps $W/RPMS/noarch/*.rpm 2>/dev/null
"""

PACMAN_SETUP = r"""
set -e
W=/tmp/corral-pkg-capture/pacman; rm -rf $W; mkdir -p $W/build $W/repo $W/db $W/root $W/cache
for p in corral-alpha:1.0.2:1 corral-beta:2.3:2; do
  IFS=: read n v r <<EOF
$p
EOF
  mkdir -p $W/build/$n
  printf "pkgname=$n\npkgver=$v\npkgrel=$r\npkgdesc=t\narch=('any')\n" > $W/build/$n/PKGBUILD
  printf "groups=('corral-group')\nlicense=('MIT')\n" >> $W/build/$n/PKGBUILD
  printf 'package() { mkdir -p "$pkgdir/usr/share/%s"; }\n' $n >> $W/build/$n/PKGBUILD
done
chown -R nobody $W/build
for n in corral-alpha corral-beta; do
  (cd $W/build/$n && runuser -u nobody -- env PKGDEST=$W/build PKGEXT=.pkg.tar.gz \
    makepkg -f >/dev/null 2>&1 || true)
done
cp $W/build/*.pkg.tar.gz $W/repo/ && repo-add -q $W/repo/corral.db.tar.gz $W/repo/*.pkg.tar.gz
printf "[options]\nRootDir = $W/root\nDBPath = $W/db/\nCacheDir = $W/cache/\n" > $W/pacman.conf
printf "LogFile = $W/log\nSigLevel = Never\n[corral]\nServer = file://$W/repo\n" >> $W/pacman.conf
pacman --config $W/pacman.conf -Sy >/dev/null
pacman --config $W/pacman.conf --noconfirm -U $W/repo/corral-alpha-*.pkg.tar.gz >/dev/null
"""

CAPTURES: list[tuple[str, str, type[FactBase[Any]], dict[str, Any]]] = [
    ("host", "apt_upgradable", apt.AptUpgradablePackages, {}),
    ("host", "apt_simulate_upgrade", apt.SimulateOperationWillChange, {"command": "upgrade"}),
    ("host", "deb_arch", deb.DebArch, {}),
    ("host", "npm_global", npm.NpmPackages, {}),
    ("host", "npm_project", npm.NpmPackages, {"directory": str(WORK / "npm-project")}),
    ("host", "npm_missing_dir", npm.NpmPackages, {"directory": "/nonexistent"}),
    ("rootfs", "apt_sources", apt.AptSources, {}),
    ("rootfs", "apt_keys", apt.AptKeys, {}),
    ("rootfs", "apt_keys_keyrings", apt.AptKeys, {"directories": ["/etc/apt/keyrings"]}),
    ("rootfs", "apt_simulate_nothing", apt.SimulateOperationWillChange,
     {"command": "upgrade"}),
    ("rootfs", "apt_upgradable_none", apt.AptUpgradablePackages, {}),
    ("rootfs", "deb_package_installed", deb.DebPackage, {"package": "dpkg"}),
    ("rootfs", "deb_package_missing", deb.DebPackage, {"package": "hello"}),
    ("rootfs", "deb_package_file", deb.DebPackage,
     {"package": "/var/local/corral-repo/hello_2.10-3_amd64.deb"}),
    ("rootfs", "deb_package_no_file", deb.DebPackage, {"package": "/srv/nothing.deb"}),
    ("rootfs", "dnf_repositories", dnf.DnfRepositories, {}),
    ("rootfs", "yum_repositories", yum.YumRepositories, {}),
    ("rootfs", "pip_venv", pip.PipPackages, {"pip": "/srv/venv/bin/pip"}),
    ("rootfs", "pip3_system", pip.Pip3Packages, {}),
    ("rootfs", "pipx_packages", pipx.PipxPackages, {}),
    ("rootfs", "pipx_environment", pipx.PipxEnvironment, {}),
    ("rootfs", "pipx_bin_dir_in_path", pipx.PipxBinDirInPath, {}),
    ("rootfs", "gem_packages", gem.GemPackages, {}),
    ("rpm", "rpm_packages", rpm.RpmPackages, {}),
    ("rpm", "rpm_package_installed", rpm.RpmPackage, {"package": "corral-demo"}),
    ("rpm", "rpm_package_file", rpm.RpmPackage,
     {"package": str(WORK / "rpm/RPMS/noarch/corral-other-0.9-1.el9.noarch.rpm")}),
    ("rpm", "rpm_package_missing", rpm.RpmPackage, {"package": "nosuch"}),
    ("pacman", "pacman_packages", pacman.PacmanPackages, {}),
    ("pacman", "pacman_group", pacman.PacmanUnpackGroup, {"package": "corral-group"}),
    ("pacman", "pacman_group_package", pacman.PacmanUnpackGroup, {"package": "corral-beta"}),
    ("pacman", "pacman_group_unknown", pacman.PacmanUnpackGroup, {"package": "nosuch"}),
]
assert apk  # apk and brew: documented samples only, see the module docstring


def _sh(argv: list[str], env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    proc = subprocess.run(argv, capture_output=True, check=False, env=env)
    text = proc.stdout.decode("utf-8", "replace")
    if text.endswith("\n"):
        text = text[:-1]
    return proc.returncode, text.split("\n") if text else []


def run(where: str, command: str, root: Path | None) -> tuple[int, list[str]]:
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    env = {"PATH": path, "HOME": "/root", "LC_ALL": "C", "USER": "root", "SHELL": "/bin/bash"}
    if where == "rootfs":
        assert root is not None
        return _sh(["chroot", str(root), "/usr/bin/env", "-i", *(f"{k}={v}" for k in env
                                                                 for v in [env[k]]),
                    "sh", "-c", command])
    if where == "rpm":
        env["HOME"] = str(WORK / "rpm/home")
    if where == "pacman":
        conf = WORK / "pacman/pacman.conf"
        command = f"mount --bind {conf} /etc/pacman.conf && {command}"
        return _sh(["unshare", "-m", "sh", "-c", command], env)
    return _sh(["sh", "-c", command], env)


def setup_host() -> None:
    project = WORK / "npm-project"
    (project / "dep").mkdir(parents=True, exist_ok=True)
    (project / "dep/package.json").write_text('{"name": "@corral/dep", "version": "0.2.0"}')
    (project / "package.json").write_text('{"name": "p", "version": "1.0.0"}')
    subprocess.run(["npm", "install", "--offline", "--no-audit", "--no-fund", "./dep"],
                   cwd=project, check=True, capture_output=True)
    for script in (RPM_SETUP, PACMAN_SETUP):
        subprocess.run(["sh", "-c", script], check=True)


def setup_rootfs(root: Path) -> None:
    wheel, data = demo_wheel()
    (root / "srv/wheels").mkdir(parents=True, exist_ok=True)
    (root / "srv/wheels" / wheel).write_bytes(data)
    (root / "srv/gem").mkdir(parents=True, exist_ok=True)
    (root / "srv/gem/corral-demo.gemspec").write_text(GEMSPEC)
    subprocess.run(["mount", "-t", "proc", "proc", str(root / "proc")], check=True)
    rc, out = run("rootfs", ROOTFS_SETUP, root)
    if rc:
        raise RuntimeError(f"rootfs setup failed ({rc}): {out[-5:]}")


def main() -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    setup_host()
    with overlay_root() as root:
        try:
            setup_rootfs(root)
            for where, name, cls, kwargs in CAPTURES:
                command = cls().command(**kwargs)
                rc, lines = run(where, command, root)
                record = {"fact": cls.name, "kwargs": kwargs, "where": where,
                          "command": command, "exit": rc, "output": lines}
                (HERE / f"pkg_{name}.json").write_text(json.dumps(record, indent=1) + "\n")
                print(f"{name}: exit {rc}, {len(lines)} lines")
        finally:
            subprocess.run(["umount", "-l", str(root / "proc")], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
