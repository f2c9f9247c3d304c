"""apt.* applied for real on a fleet host (Debian 12, no internet): packages from the image's
local repository and a second file: repository built here, apt.key with a key generated
here, apt.deb."""

from __future__ import annotations

import pytest

from corral.operations import apt
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration

EXTRA_SRC = "deb [trusted=yes] file:/srv/extra ./"
KEYRING = "/etc/apt/keyrings/corral-test.gpg"


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
