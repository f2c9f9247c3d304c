"""gpg.* over SSH on test fleet hosts, as root and as the user ``corral`` with sudo (the
tests of tests/integration/test_ops_gpg.py); ssh.* run on one host of a fleet of two towards
the other (real ssh, scp and ssh-keyscan of the test image, over loopback)."""

from __future__ import annotations

from pathlib import Path

import pytest
from integration import test_ops_gpg
from integration._helpers import Target, converge, describe, run, single

from corral.operations import ssh
from corral.testing.fleet import Fleet
from corral.testing.fleet_host import children
from corral.testing.pytest_fleet import fleet_fixture

from .test_ops import target  # noqa: F401 (the fixture: a fleet host as root and with sudo)

pytestmark = pytest.mark.integration


test_gpg_key_and_dearmor = test_ops_gpg.test_key_and_dearmor
test_a_key_gpg_cannot_read_leaves_the_keyring_as_it_was = (
    test_ops_gpg.test_a_key_gpg_cannot_read_leaves_the_keyring_as_it_was)


# -- ssh.*: from one host of a fleet of two to the other, for real -----------------------

pair = fleet_fixture(2, scope="module")


@pytest.fixture(scope="module")
def two_hosts(pair: Fleet, tmp_path_factory: pytest.TempPathFactory) -> tuple[Target, str]:
    """Host one as a target, and host two's address; one's root may log in to two's
    root with a key of its own (made here; two knows nothing else of one)."""
    one = Target.ssh(pair, pair.hosts[0].name, tmp_path_factory.mktemp("ssh-one"))
    two = pair.hosts[1]
    one.sh("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "/root/.ssh/id_ed25519")
    public = one.read("/root/.ssh/id_ed25519.pub")
    two_root = Path(f"/proc/{children(two.pid)[0]}/root")
    with (two_root / "root/.ssh/authorized_keys").open("a") as keys:
        keys.write(public)
    return one, two.address


def test_ssh_between_two_hosts(two_hosts: tuple[Target, str]) -> None:
    one, two = two_hosts
    odd = "/tmp/it's a file"
    one.path(odd).write_text("from one\n")
    back = "/tmp/back from two"

    def deploy() -> None:
        ssh.keyscan(name="keyscan", hostname=two)
        ssh.command(name="command", hostname=two, command="hostname > /tmp/who")
        ssh.upload(name="upload", hostname=two, filename=odd, remote_filename="/tmp/got it")
        ssh.download(name="download", hostname=two, filename="/tmp/who", local_filename=back)
        ssh.upload(name="upload with sudo", hostname=two, filename=odd,
                   remote_filename="/root/it's moved", use_remote_sudo=True)

    converge(one, deploy, always_changed=["command", "upload", "upload with sudo"])
    known = one.read("/root/.ssh/known_hosts")
    assert known.startswith(f"{two} ") and known.count("\n") >= 1
    assert one.mode("/root/.ssh") == 0o700
    assert one.read(back).strip() == two_hostname(one, two)

    def forced() -> None:
        ssh.keyscan(name="keyscan again", hostname=two, force=True)

    result = single(run(one, forced))
    assert result.operations[0].changed, describe(result)
    # the old keys went (ssh-keygen -R), the scanned ones are there once
    lines = one.read("/root/.ssh/known_hosts").splitlines()
    assert sorted(lines) == sorted(known.splitlines())


def two_hostname(one: Target, two: str) -> str:
    """Two's host name, read over ssh from one (as the operations did)."""
    done = one.sh("ssh", "-o", "BatchMode=yes", "--", two,
                  "cat /tmp/who '/tmp/got it' \"/root/it's moved\"")
    who, content = done.stdout.split("\n", 1)
    assert content == "from one\n" * 2
    return who
