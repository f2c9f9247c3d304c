"""One named test per quoting or validation bug the hostile suite found and that was fixed,
each run for real on a sandbox (real dash, real programs or recording stubs); each failed
before its fix."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.operations import (
    apt,
    brew,
    dnf,
    files,
    git,
    http,
    iptables,
    npm,
    openrc,
    pip,
    server,
    systemd,
    sysvinit,
    ufw,
    yum,
)

from .cases import add_user, passwd_entries
from .sandbox import Sandbox, run_operation
from .strategies import CANARY

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def _stubs(sandbox: Sandbox) -> None:
    sandbox.stub("systemctl", "rc-service", "/usr/bin/mount", "curl")
    sandbox.stub("/etc/init.d/hsvc")


@pytest.fixture(autouse=True)
def _clean(sandbox: Sandbox) -> Iterator[None]:
    sandbox.reset()
    yield
    assert not sandbox.canary_hits(), sandbox.canary_hits()


def test_user_password_with_a_line_break_cannot_set_another_users_password(
        sandbox: Sandbox) -> None:
    before = passwd_entries(sandbox, "shadow")["root"]
    outcome = run_operation(sandbox, server.user, {"user": "pwuser",
                                                   "password": "x\nroot:HACKED"})
    assert outcome.kind == "refused", outcome.describe()
    assert passwd_entries(sandbox, "shadow")["root"] == before
    assert "pwuser" not in passwd_entries(sandbox)  # refused before anything ran


def test_user_password_with_a_control_character_is_refused_before_the_user_is_made(
        sandbox: Sandbox) -> None:
    outcome = run_operation(sandbox, server.user, {"user": "pwuser2", "password": "$6$a\x1f"})
    assert outcome.kind == "refused", outcome.describe()
    assert "pwuser2" not in passwd_entries(sandbox)


@pytest.mark.parametrize(("op", "program"), [
    (systemd.service, "systemctl"), (openrc.service, "rc-service"),
    (sysvinit.service, "hsvc"),
])
def test_service_command_is_one_word_not_shell_text(sandbox: Sandbox, op: object,
                                                    program: str) -> None:
    refused = run_operation(sandbox, op, {"service": "hsvc", "running": None,
                                          "command": f"status; {CANARY}"})
    assert refused.kind == "refused", refused.describe()
    quoted = run_operation(sandbox, op, {"service": "hsvc", "running": None,
                                         "command": "try-restart"})
    assert quoted.applied, quoted.describe()
    assert any("try-restart" in c.argv for c in sandbox.calls(program))


def test_mount_device_starting_with_a_dash_is_not_an_option(sandbox: Sandbox) -> None:
    outcome = run_operation(sandbox, server.mount, {"path": "/srv/mnt", "device": "-odd",
                                                    "fs_type": "tmpfs"})
    assert outcome.applied, outcome.describe()
    argv = sandbox.calls("mount")[-1].argv
    assert argv.index("--") < argv.index("-odd")


def test_crontab_command_with_a_carriage_return_is_refused(sandbox: Sandbox) -> None:
    outcome = run_operation(sandbox, server.crontab, {"command": "echo a\rb"})
    assert outcome.kind == "refused", outcome.describe()


def test_authorized_keys_lines_end_at_newlines_only(sandbox: Sandbox) -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIkeyline comment\x0cwith\u2028breaks"
    add_user(sandbox, "keyuser", 29001, "/srv/keyuser")
    sandbox.path("/srv/keyuser").mkdir(parents=True)
    outcome = run_operation(sandbox, server.user_authorized_keys,
                            {"user": "keyuser", "public_keys": [key]})
    assert outcome.applied, outcome.describe()
    assert sandbox.read("/srv/keyuser/.ssh/authorized_keys") == key + "\n"


def test_rsync_flags_with_an_unclosed_quote_are_refused(sandbox: Sandbox,
                                                        tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x\n")
    outcome = run_operation(sandbox, files.rsync, {"src": f"{tmp_path}/", "dest": "/srv/rs",
                                                   "flags": ["--exclude='a"]})
    assert outcome.kind == "refused", outcome.describe()
    assert "in operation" not in outcome.message


def test_sync_keeps_a_link_target_starting_with_a_dash(sandbox: Sandbox,
                                                       tmp_path: Path) -> None:
    (tmp_path / "l").symlink_to("-target")
    outcome = run_operation(sandbox, files.sync, {"src": str(tmp_path), "dest": "/srv/sy",
                                                  "add_deploy_dir": False})
    assert outcome.applied, outcome.describe()
    assert sandbox.path("/srv/sy/l").readlink() == Path("-target")


def test_unarchive_into_a_directory_with_a_backslash_in_its_name(sandbox: Sandbox) -> None:
    archive = sandbox.path("/srv/ua/a.tar")
    archive.parent.mkdir(parents=True)
    with tarfile.open(archive, "w") as tar:
        info = tarfile.TarInfo("f")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"x\n"))
    dest = "/srv/ua/a\\1b"  # GNU tar's -C would read \1 as the byte 001
    outcome = run_operation(sandbox, files.unarchive, {"src": "/srv/ua/a.tar", "dest": dest,
                                                       "remote_src": True})
    assert outcome.applied, outcome.describe()
    assert sandbox.read(dest + "/f") == "x\n"


def test_download_url_starting_with_a_dash_is_not_an_option(sandbox: Sandbox) -> None:
    outcome = run_operation(sandbox, files.download, {"src": "-x", "dest": "/srv/dl/f"})
    argv = sandbox.calls("curl")[-1].argv
    assert argv.index("--") < argv.index("-x"), outcome.describe()


def test_package_files_starting_with_a_dash_are_not_options(sandbox: Sandbox) -> None:
    sandbox.stub("dpkg", "dpkg-deb", "rpm", "virtualenv", "npm")
    for op, kwargs, program in (
        (apt.deb, {"src": "-x.deb"}, "dpkg"),
        (dnf.rpm, {"src": "-x.rpm"}, "rpm"),
        (yum.key, {"src": "-key"}, "rpm"),
        (pip.virtualenv, {"path": "-venv"}, "virtualenv"),
    ):
        sandbox.reset()
        outcome = run_operation(sandbox, op, kwargs)
        assert outcome.kind != "internal", outcome.describe()
        words = [w for call in sandbox.calls(program) for w in call.argv[1:]]
        assert not [w for w in words if w.startswith("-") and w.lstrip("-").startswith(
            ("x", "key", "venv"))], (op, words)


def test_npm_directory_starting_with_a_dash_is_entered(sandbox: Sandbox) -> None:
    sandbox.stub("npm")
    sandbox.path("/-npmdir").mkdir()
    outcome = run_operation(sandbox, npm.packages, {"packages": ["x"], "directory": "-npmdir"})
    assert outcome.applied, outcome.describe()


def test_yum_repo_values_with_a_line_break_are_refused(sandbox: Sandbox) -> None:
    outcome = run_operation(sandbox, yum.repo, {"src": "r1", "baseurl": "https://e.org/\n"
                                                "gpgcheck=0"})
    assert outcome.kind == "refused", outcome.describe()
    assert sandbox.read("/etc/yum.repos.d/r1.repo") is None


@pytest.mark.parametrize("headers", [{"X-A": "1\r\nX-Injected: 2"}, {"X A": "1"}])
def test_http_headers_that_would_add_lines_are_refused(sandbox: Sandbox,
                                                       headers: dict[str, str]) -> None:
    for op, kwargs in ((http.request, {"url": "http://127.0.0.1/", "method": "POST"}),
                       (files.download, {"src": "http://127.0.0.1/f", "dest": "/srv/h/f"})):
        outcome = run_operation(sandbox, op, {**kwargs, "headers": headers})
        assert outcome.kind == "refused", outcome.describe()


def test_http_method_must_be_a_token(sandbox: Sandbox) -> None:
    outcome = run_operation(sandbox, http.request, {"url": "http://127.0.0.1/",
                                                    "method": "GET / HTTP/1.1\r\nX"})
    assert outcome.kind == "refused", outcome.describe()


def test_iptables_policy_starting_with_a_dash_is_refused(sandbox: Sandbox) -> None:
    sandbox.stub("iptables", "iptables-save")
    outcome = run_operation(sandbox, iptables.chain, {"chain": "INPUT", "policy": "-F"})
    assert outcome.kind == "refused", outcome.describe()
    assert not [c for c in sandbox.calls("iptables") if "-F" in c.argv]


def test_ufw_words_cannot_relocate_ufw(sandbox: Sandbox) -> None:
    sandbox.stub("ufw")
    outcome = run_operation(sandbox, ufw.rule, {"action": "allow", "port": 22, "proto": "tcp",
                                                "comment": "--rootdir=/tmp"})
    assert outcome.kind == "refused", outcome.describe()


def test_brew_tap_url_starting_with_a_dash_is_refused(sandbox: Sandbox) -> None:
    sandbox.stub("brew")
    outcome = run_operation(sandbox, brew.tap, {"src": "a/b", "url": "--force"})
    assert outcome.kind == "refused", outcome.describe()


def test_openrc_runlevel_starting_with_a_dash_is_refused(sandbox: Sandbox) -> None:
    sandbox.stub("rc-update", "rc-status")
    outcome = run_operation(sandbox, openrc.service, {"service": "hsvc", "running": None,
                                                      "enabled": True, "runlevel": "-x"})
    assert outcome.kind == "refused", outcome.describe()


def test_git_config_value_with_line_breaks_is_read_back_whole(sandbox: Sandbox) -> None:
    for _ in range(2):  # the second run reads the value back: it is set, nothing to do
        outcome = run_operation(sandbox, git.config, {"key": "hostile.lines",
                                                      "value": "a\nb\rc"})
        assert outcome.applied, outcome.describe()
    assert outcome.unchanged, outcome.describe()
    later = run_operation(sandbox, git.config, {"key": "hostile.other", "value": "x"})
    assert later.applied, later.describe()


def test_git_remote_or_source_like_an_option_runs_nothing(sandbox: Sandbox) -> None:
    box = sandbox
    for argv in (["init", "-q", "-b", "main", "/srv/g/origin"],
                 ["-C", "/srv/g/origin", "-c", "user.email=a@b", "-c", "user.name=n",
                  "commit", "-q", "--allow-empty", "-m", "i"]):
        assert box.sh("git", *argv).returncode == 0
    assert box.sh("git", "-C", "/srv/g/origin", "worktree", "add", "-q", "--detach",
                  "/srv/g/wt", "main").returncode == 0
    pull = run_operation(box, git.worktree, {
        "worktree": "/srv/g/wt", "from_remote_branch": [f"--upload-pack={CANARY}", "main"]})
    clone = run_operation(box, git.repo, {"src": f"--upload-pack={CANARY}",
                                          "dest": "/srv/g/clone"})
    assert pull.kind != "applied" and clone.kind != "applied", (pull.describe(),
                                                                clone.describe())
    # the autouse fixture checks that the canary never ran


def test_venv_python_named_like_a_shell_keyword_is_run_as_a_program(
        sandbox: Sandbox) -> None:
    sandbox.stub("/usr/local/bin/else")
    outcome = run_operation(sandbox, pip.venv, {"path": "/srv/venv-kw", "python": "else"})
    assert outcome.kind != "failed", outcome.describe()
    assert sandbox.calls("else"), outcome.describe()


@pytest.mark.parametrize("field", [{"home": "/srv/h\x0bx"}, {"shell": "/bin/sh:x"},
                                   {"comment": "a\u2028b"}, {"password": "$6$" + "a" * 1200}])
def test_user_fields_the_user_database_cannot_hold_are_refused_before_anything_runs(
        sandbox: Sandbox, field: dict[str, str]) -> None:
    name = f"fielduser{len(passwd_entries(sandbox))}"
    outcome = run_operation(sandbox, server.user, {"user": name, **field})
    assert outcome.kind == "refused", outcome.describe()
    assert name not in passwd_entries(sandbox)
    assert run_operation(sandbox, server.user, {"user": name}).applied  # users still read
