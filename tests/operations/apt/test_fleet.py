"""Package managers applied for real on a fleet host (Debian 12, no internet): apt from the
image's local repository and a second file: repository built here, apt.key with a key
generated here, apt.deb, pip and pipx with a wheel built here, gem with a gem built here."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest

from corral.operations import apt, gem, pip, pipx
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

EXTRA_SRC = "deb [trusted=yes] file:/srv/extra ./"
KEYRING = "/etc/apt/keyrings/corral-test.gpg"
WHEELS = "/srv/wheels"


def put(fleet: Fleet, path: str, data: bytes) -> None:
    encoded = base64.b64encode(data).decode()
    sh(fleet, f"mkdir -p $(dirname {path}) && echo {encoded} | base64 -d > {path}")


def demo_wheel(name: str = "corral_demo", version: str = "1.0") -> tuple[str, bytes]:
    """A tiny pure-Python wheel with a console script, enough for pip and pipx."""
    dist = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f"def main():\n    print('corral demo {version}')\n",
        f"{dist}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: corral-tests\nRoot-Is-Purelib: true\n"
                         "Tag: py3-none-any\n",
        f"{dist}/entry_points.txt": f"[console_scripts]\ncorral-demo = {name}:main\n",
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
        zf.writestr(f"{dist}/RECORD", "".join(f"{p},,\n" for p in files) + f"{dist}/RECORD,,\n")
    return f"{name}-{version}-py3-none-any.whl", buf.getvalue()


def add_demo_deb(fleet: Fleet, version: str) -> None:
    """Build corral-demo_<version>_all.deb into /srv/extra and rewrite its Packages index."""
    sh(fleet, f"""set -e
        d=$(mktemp -d); mkdir -p $d/DEBIAN $d/usr/share/corral-demo /srv/extra
        printf 'Package: corral-demo\\nVersion: {version}\\nArchitecture: all\\n\
Maintainer: corral <t@corral.invalid>\\nDescription: corral test package\\n' > $d/DEBIAN/control
        echo {version} > $d/usr/share/corral-demo/version
        dpkg-deb --build $d /srv/extra/corral-demo_{version}_all.deb >/dev/null
        cd /srv/extra; : > Packages
        for f in *.deb; do dpkg-deb --field $f >> Packages
          printf 'Filename: ./%s\\nSize: %s\\nSHA256: %s\\n\\n' $f $(stat -c %s $f) \
            $(sha256sum $f | cut -d' ' -f1) >> Packages; done""")


def test_apt_repo_key_packages_deb(host_fleet: Fleet) -> None:
    add_demo_deb(host_fleet, "1.0")
    sh(host_fleet, "export GNUPGHOME=$(mktemp -d) && gpg --batch --passphrase '' "
                   "--quick-gen-key 'Corral Test <t@corral.invalid>' rsa2048 sign never "
                   "2>/dev/null && gpg --batch --armor --export > /srv/key.asc")
    sh(host_fleet, "cp /var/local/corral-repo/tree_*.deb /srv/tree.deb")

    def deploy() -> None:
        apt.key(src="/srv/key.asc", dest="corral-test")
        apt.repo(src=EXTRA_SRC, filename="extra")
        apt.packages(packages=["hello", "corral-demo"], update=True, cache_time=3600)
        apt.upgrade()
        apt.dist_upgrade()
        apt.deb(src="/srv/tree.deb")

    converge(host_fleet, deploy)
    assert sh(host_fleet, "cat /etc/apt/sources.list.d/extra.list") == EXTRA_SRC + "\n"
    shown = sh(host_fleet, f"gpg --show-keys --with-colons {KEYRING} 2>/dev/null")
    assert "Corral Test <t@corral.invalid>" in shown
    assert sh(host_fleet, f"stat -c %a {KEYRING}").strip() == "644"
    status = sh(host_fleet, "dpkg-query -W -f '${Package} ${Version}\\n' hello corral-demo tree")
    assert set(status.splitlines()) == {"hello 2.10-3", "corral-demo 1.0", "tree 2.1.0-1"}

    # a newer version in the extra repository: latest=True upgrades once, then rests
    add_demo_deb(host_fleet, "2.0")
    sh(host_fleet, "apt-get update -qq")

    def upgrade() -> None:
        apt.packages(packages=["corral-demo", "hello"], latest=True)

    first = converge(host_fleet, upgrade)
    assert first.changed == 1
    assert sh(host_fleet, "cat /usr/share/corral-demo/version") == "2.0\n"

    def remove() -> None:
        apt.deb(src="/srv/tree.deb", present=False)
        apt.repo(src=EXTRA_SRC, filename="extra", present=False)
        apt.key(dest="corral-test", present=False)

    converge(host_fleet, remove)
    assert sh(host_fleet, "dpkg-query -W -f '${Status}' tree 2>&1", check=False) \
        != "install ok installed"
    assert sh(host_fleet, "cat /etc/apt/sources.list.d/extra.list") == ""
    assert sh(host_fleet, f"test -e {KEYRING} || echo gone") == "gone\n"


def test_pip_virtualenv_offline(host_fleet: Fleet) -> None:
    name, data = demo_wheel()
    put(host_fleet, f"{WHEELS}/{name}", data)
    offline = f"--no-index --find-links {WHEELS}"

    def deploy() -> None:
        pip.virtualenv(path="/srv/venv", venv=True)
        pip.packages(packages=["corral_demo==1.0"], virtualenv="/srv/venv",
                     extra_install_args=offline)
        pip.packages(packages=["Corral-Demo"], virtualenv="/srv/venv2",
                     virtualenv_kwargs={"venv": True}, extra_install_args=offline)

    converge(host_fleet, deploy)
    assert sh(host_fleet, "/srv/venv/bin/corral-demo") == "corral demo 1.0\n"
    assert sh(host_fleet, "/srv/venv2/bin/corral-demo") == "corral demo 1.0\n"

    def remove() -> None:
        pip.packages(packages=["corral-demo"], virtualenv="/srv/venv", present=False)
        pip.virtualenv(path="/srv/venv2", present=False)

    converge(host_fleet, remove)
    assert "corral" not in sh(host_fleet, "/srv/venv/bin/pip freeze --all").lower()
    assert sh(host_fleet, "test -e /srv/venv2 || echo gone") == "gone\n"


def test_pipx_offline(host_fleet: Fleet) -> None:
    name, data = demo_wheel()
    put(host_fleet, f"{WHEELS}/{name}", data)

    def deploy() -> None:
        apt.packages(packages=["pipx"])
        pipx.packages(packages=["corral_demo"],
                      extra_args=f"--pip-args='--no-index --find-links {WHEELS}'")
        pipx.ensure_path()

    converge(host_fleet, deploy)
    assert sh(host_fleet, "/root/.local/bin/corral-demo") == "corral demo 1.0\n"
    assert "/root/.local/bin" in sh(host_fleet, "bash -l -i -c 'echo $PATH' 2>/dev/null")

    def remove() -> None:
        pipx.packages(packages=["corral-demo"], present=False)

    converge(host_fleet, remove)
    assert "corral" not in sh(host_fleet, "pipx list --short")


GEMSPEC = """Gem::Specification.new do |s|
  s.name = "corral-demo"
  s.version = "0.3.1"
  s.summary = "corral test gem"
  s.authors = ["corral"]
  s.files = ["lib/corral_demo.rb"]
  s.license = "MIT"
end
"""


def test_gem_local(host_fleet: Fleet) -> None:
    def ruby() -> None:
        apt.packages(packages=["ruby"])

    converge(host_fleet, ruby)
    put(host_fleet, "/srv/gem/corral-demo.gemspec", GEMSPEC.encode())
    sh(host_fleet, "cd /srv/gem && mkdir -p lib && echo 'module CorralDemo; end' > "
                   "lib/corral_demo.rb && gem build corral-demo.gemspec >/dev/null 2>&1 && "
                   "printf 'install: --local\\n' > /root/.gemrc")

    def deploy() -> None:
        gem.packages(packages=["corral-demo:0.3.1"], _chdir="/srv/gem")

    converge(host_fleet, deploy)
    assert "corral-demo (0.3.1)" in sh(host_fleet, "gem list --local corral-demo")

    def remove() -> None:
        gem.packages(packages=["corral-demo"], present=False)

    converge(host_fleet, remove)
    assert "corral-demo" not in sh(host_fleet, "gem list --local corral-demo")
