"""server.* applied for real in a chroot over the test image: shell, script, group, user.
(tests/ssh runs these tests again against test fleet hosts over SSH.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from corral.api import HostStatus, OpStatus
from corral.operations import server

from ._helpers import Target, converge, describe, ops, run, single

pytestmark = pytest.mark.integration

KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa alice@a"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb alice@b"
KEY_C = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCccccccccccccccccccccccccccccccccc alice@c"


def _ids(t: Target, user: str) -> list[str]:
    """The groups of a user, as the target's own ``id`` sees them."""
    return t.sh("id", "-Gn", user).stdout.split()


def test_shell_runs_every_time(target: Target) -> None:
    t = target
    log = "/srv/shell/log"

    def deploy() -> None:
        server.shell(name="append", commands=["mkdir -p /srv/shell", f"echo run >> {log}"])
        server.shell(name="output", commands="echo hello; echo oops >&2")

    first = ops(converge(t, deploy, always_changed={"append", "output"}))
    assert first["output"].stdout == "hello\n"
    assert first["output"].stderr == "oops\n"
    # it ran on the first and the second run; the dry run ran nothing
    assert t.read(log) == "run\nrun\n"


def test_shell_stops_at_the_first_failing_command(target: Target) -> None:
    t = target
    marker = "/srv/shell-stop/after"

    def deploy() -> None:
        server.shell(name="stops", commands=["mkdir -p /srv/shell-stop", "exit 7",
                                             f"touch {marker}"])

    host = single(run(t, deploy))
    assert host.status is HostStatus.FAILED, describe(host)
    op = ops(host)["stops"]
    assert op.status is OpStatus.FAILED
    assert op.error is not None and "exit code 7" in op.error
    assert t.path("/srv/shell-stop").is_dir()
    assert not t.path(marker).exists()


def _script_leftovers(t: Target) -> list[str]:
    return [p.name for p in t.path("/tmp").iterdir() if p.name.startswith("corral-script-")]


def test_script(target: Target, tmp_path: Path) -> None:
    t = target
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "record.sh").write_text(
        '#!/bin/sh\nmkdir -p /srv/script\nprintf "%s|" "$@" >> /srv/script/log\necho >> '
        "/srv/script/log\necho recorded\n"
    )
    deploy = tmp_path / "deploy.py"
    deploy.write_text(
        "from corral.operations import server\n"
        "server.script(name='record', src='scripts/record.sh', args=['a b', '$HOME', \"'q'\"])\n"
    )
    first = ops(converge(t, deploy, always_changed={"record"}))
    assert first["record"].stdout.endswith("recorded\n")
    # each argument arrived as one word, unexpanded; ran twice (the dry run ran nothing)
    assert t.read("/srv/script/log") == "a b|$HOME|'q'|\n" * 2
    assert _script_leftovers(t) == []


def test_script_failure_is_reported_and_cleaned_up(target: Target, tmp_path: Path) -> None:
    t = target
    script = tmp_path / "fail.sh"
    script.write_text("#!/bin/sh\necho failing >&2\nexit 5\n")

    def deploy() -> None:
        server.script(name="fail", src=str(script))

    host = single(run(t, deploy))
    assert host.status is HostStatus.FAILED
    op = ops(host)["fail"]
    assert op.status is OpStatus.FAILED
    assert op.error is not None and "exit code 5" in op.error
    assert "failing" in op.stderr
    assert _script_leftovers(t) == []


def test_group(target: Target) -> None:
    t = target
    t.sh("groupadd", "oldgroup")

    def deploy() -> None:
        server.group(name="devs", group="devs", gid=2345)
        server.group(name="system", group="sysgrp", system=True)
        server.group(name="existing", group="staff")
        server.group(name="remove", group="oldgroup", present=False)

    first = ops(converge(t, deploy))
    assert first["devs"].changed and first["system"].changed and first["remove"].changed
    assert not first["existing"].changed

    devs, sysgrp = t.group_entry("devs"), t.group_entry("sysgrp")
    assert devs is not None and devs[2] == "2345"
    assert sysgrp is not None and int(sysgrp[2]) < 1000
    assert t.group_entry("oldgroup") is None
    assert t.sh("getent", "gshadow", "devs").returncode == 0


def test_user_lifecycle(target: Target, tmp_path: Path) -> None:
    t = target
    home = "/home/alice"
    auth = f"{home}/.ssh/authorized_keys"

    # create, with keys given inline and in a local key file
    key_file = tmp_path / "alice_b.pub"
    key_file.write_text(KEY_B + "\n")

    def create() -> None:
        server.group(name="group", group="ops")
        server.user(name="alice", user="alice", shell="/bin/bash", groups=["ops"],
                    comment="Alice", public_keys=[KEY_A, str(key_file)])
        server.user(name="bob", user="bob", uid=1500, create_home=True, shell="/bin/sh")

    first = ops(converge(t, create))
    assert first["alice"].changed and first["bob"].changed

    alice = t.passwd("alice")
    assert alice is not None
    assert (alice[4], alice[5], alice[6]) == ("Alice", home, "/bin/bash")
    own_group = t.group_entry("alice")
    assert own_group is not None and alice[3] == own_group[2]
    assert "ops" in _ids(t, "alice")
    assert t.owner(home) == ("alice", "alice")
    assert t.mode(f"{home}/.ssh") == 0o700
    assert t.owner(f"{home}/.ssh") == ("alice", "alice")
    assert t.mode(auth) == 0o600
    assert t.owner(auth) == ("alice", "alice")
    assert t.read(auth) == f"{KEY_A}\n{KEY_B}\n"

    bob = t.passwd("bob")
    assert bob is not None and bob[2] == "1500" and bob[6] == "/bin/sh"
    assert t.path("/home/bob/.bashrc").is_file()  # create_home copies /etc/skel
    assert t.owner("/home/bob") == ("bob", "bob")

    # modify: shell, groups, and the keys (replacing the others)
    def modify() -> None:
        server.user(name="alice", user="alice", shell="/bin/sh", groups=["ops", "staff"],
                    public_keys=[KEY_C], delete_keys=True)
        server.user(name="bob more groups", user="bob", groups=["ops"], append=True)

    second = ops(converge(t, modify))
    assert second["alice"].changed and second["bob more groups"].changed
    alice = t.passwd("alice")
    assert alice is not None and alice[6] == "/bin/sh"
    assert sorted(_ids(t, "alice")) == ["alice", "ops", "staff"]
    assert sorted(_ids(t, "bob")) == ["bob", "ops"]
    assert t.read(auth) == f"{KEY_C}\n"
    assert t.mode(auth) == 0o600
    assert t.owner(auth) == ("alice", "alice")

    # remove: the account goes, the home directory stays
    def remove() -> None:
        server.user(name="alice", user="alice", present=False)
        server.user(name="bob", user="bob", present=False)
        server.user(name="nobody-here", user="ghost", present=False)

    third = ops(converge(t, remove))
    assert third["alice"].changed and third["bob"].changed
    assert not third["nobody-here"].changed
    assert t.passwd("alice") is None and t.passwd("bob") is None
    assert "alice" not in t.read("/etc/shadow")
    assert t.path(home).is_dir()


def test_timezone_utc_on_debian_12(target: Target) -> None:
    """server.timezone("UTC") on the Debian 12 image, whose /usr/share/zoneinfo/UTC is a
    link to Etc/UTC (it was refused: "the host has no time zone UTC"); then back."""
    t = target
    assert t.path("/usr/share/zoneinfo/UTC").is_symlink()

    def to_utc() -> None:
        server.timezone(name="utc", timezone="UTC")

    first = ops(converge(t, to_utc))
    assert first["utc"].changed, first
    assert t.sh("readlink", "/etc/localtime").stdout.strip() == "/usr/share/zoneinfo/UTC"
    assert t.read("/etc/timezone") == "UTC\n"

    def back() -> None:
        server.timezone(name="back", timezone="Etc/UTC")

    converge(t, back)
    assert t.read("/etc/timezone") == "Etc/UTC\n"


def test_sysctl_persist_uncomments_the_example_line(target: Target) -> None:
    """A persisted sysctl takes the place of the distribution's commented example line for
    the key (Debian's /etc/sysctl.conf has ``#net.ipv4.ip_forward=1``), as pyinfra does; a
    key the host does not have is only persisted (a key no kernel has, so nothing is set)."""
    t = target
    conf = t.at("sysctl-example.conf")
    t.path(t.base).mkdir(parents=True, exist_ok=True)
    t.path(conf).write_text("# an example\n#kernel.corral_example = 1\nvm.other = 2\n")

    def deploy() -> None:
        server.sysctl(name="persist", key="kernel.corral_example", value=1, persist=True,
                      persist_file=conf)

    converge(t, deploy)
    assert t.read(conf) == "# an example\nkernel.corral_example = 1\nvm.other = 2\n"
