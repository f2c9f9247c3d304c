"""server.shell, server.script, server.group and server.user as (args, facts) -> commands."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from corral.facts.files import Directory, File, FileContents, Link
from corral.facts.server import Groups, Os, UserAccounts
from corral.model import keys
from corral.model.command import FileUploadCommand, StringCommand
from corral.model.context import current_host
from corral.model.errors import LocalFileMissing, OperationError, OperationValueError
from corral.model.host import Host, HostData
from corral.model.operation import OperationSpec
from corral.model.secrets import Secret
from corral.operations import server
from corral.testing.optest import Planned, _TableContext, fact, plan


def change_keys(op: Any, **kwargs: Any) -> frozenset[keys.Key]:
    spec: OperationSpec = op._spec
    return spec.change_keys((), kwargs)


KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA deploy@ci"
KEY_B = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ admin@laptop"
KEY_C = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC old@box"
HASH = "$6$salt$0123456789abcdef"


def user_entry(
    home: str = "/home/app",
    shell: str = "/bin/bash",
    group: str = "app",
    groups: list[str] | None = None,
    uid: int = 1001,
    comment: str | None = None,
    password: str = "!",
) -> dict[str, Any]:
    return {
        "home": home,
        "comment": comment,
        "shell": shell,
        "group": group,
        "groups": groups or [],
        "uid": uid,
        "gid": uid,
        "lastlog": None,
        "login_time": None,
        "password": password,
    }


def path_info(user: str = "app", group: str = "app", mode: int = 755) -> dict[str, Any]:
    when = datetime(2024, 1, 1)
    return {
        "user": user,
        "group": group,
        "mode": mode,
        "size": 4096,
        "atime": when,
        "mtime": when,
        "ctime": when,
    }


def users(kernel: str = "Linux", **entries: dict[str, Any]) -> dict[Any, Any]:
    return {fact(UserAccounts): entries, fact(Os): kernel}


def groups(*names: str) -> dict[Any, Any]:
    return {fact(Groups): list(names)}


def home(value: Any, path: str = "/home/app") -> dict[Any, Any]:
    return {fact(Directory, path=path): value}


def keys_state(
    contents: list[str] | None,
    file_info: Any = None,
    ssh_dir: Any = None,
    home_path: str = "/home/app",
) -> dict[Any, Any]:
    path = f"{home_path}/.ssh/authorized_keys"
    if contents is not None and file_info is None:
        file_info = path_info(mode=600)
    return {
        fact(Directory, path=f"{home_path}/.ssh"): ssh_dir,
        fact(File, path=path): file_info,
        fact(FileContents, path=path): contents,
    }


def merge(*tables: dict[Any, Any]) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for t in tables:
        out.update(t)
    return out


# --- shell ---------------------------------------------------------------------------------

SHELL_CASES = [
    pytest.param({"commands": "uptime"}, ["uptime"], id="one command"),
    pytest.param(
        {"commands": ["cd /srv && make", "echo 'done' > /tmp/x"]},
        ["cd /srv && make", "echo 'done' > /tmp/x"],
        id="several commands, raw shell",
    ),
    pytest.param({"commands": []}, [], id="no commands"),
]


@pytest.mark.parametrize(("args", "expected"), SHELL_CASES)
def test_shell(args: dict[str, Any], expected: list[str]) -> None:
    assert plan(server.shell, **args).shell == expected


def test_shell_rejects_an_empty_command() -> None:
    with pytest.raises(OperationValueError):
        plan(server.shell, commands=["ls", "  "])


# --- script --------------------------------------------------------------------------------


@pytest.fixture
def local_script(tmp_path: Path) -> str:
    path = tmp_path / "hello.sh"
    path.write_text('#!/bin/sh\necho hello "$@"\n')
    return str(path)


def test_script_uploads_runs_and_removes(local_script: str) -> None:
    result = plan(server.script, src=local_script, args=["--name", "my app"])
    upload, run = result.commands
    assert isinstance(upload, FileUploadCommand)
    assert upload.src == local_script
    assert upload.mode == "700"
    assert re.fullmatch(r"/tmp/corral-script-[0-9a-f]{24}", upload.dest)
    assert isinstance(run, StringCommand)
    dest = upload.dest
    assert run.render() == f"( {dest} --name 'my app' ; rc=$?; rm -f {dest} ; exit $rc )"


def test_script_name_is_stable_in_a_run_and_depends_on_the_call(local_script: str) -> None:
    first = plan(server.script, src=local_script).commands[0]
    again = plan(server.script, src=local_script).commands[0]
    other = plan(server.script, src=local_script, args=["x"]).commands[0]
    other_host = plan(server.script, src=local_script, host_name="web2").commands[0]
    assert first.dest == again.dest
    assert len({first.dest, other.dest, other_host.dest}) == 3


def test_script_without_args(local_script: str) -> None:
    result = plan(server.script, src=local_script)
    dest = result.commands[0].dest
    assert result.shell == [
        f"upload {dest}",
        f"( {dest} ; rc=$?; rm -f {dest} ; exit $rc )",
    ]


def test_script_relative_src_is_found_in_the_deploy_directory(local_script: str) -> None:
    deploy_dir = os.path.dirname(local_script)
    result = plan(server.script, src="hello.sh", data={"_deploy_dir": deploy_dir})
    assert result.commands[0].src == local_script


def test_script_missing_local_file(tmp_path: Path) -> None:
    with pytest.raises(LocalFileMissing, match="local script not found") as caught:
        plan(server.script, src=str(tmp_path / "nope.sh"))
    assert isinstance(caught.value, OSError)  # as pyinfra's (files.put's) OSError
    with pytest.raises(OperationValueError, match="not a local file"):
        plan(server.script, src=str(tmp_path))


# --- group ---------------------------------------------------------------------------------

GROUP_CASES = [
    pytest.param({"group": "docker"}, ["root", "docker"], [], id="already present"),
    pytest.param({"group": "docker", "present": False}, ["root"], [], id="already absent"),
    pytest.param({"group": "docker"}, ["root"], ["groupadd docker"], id="create"),
    pytest.param(
        {"group": "docker", "system": True, "gid": 999},
        ["root"],
        ["groupadd -r --gid 999 docker"],
        id="create system group with gid",
    ),
    pytest.param(
        {"group": "app", "gid": "1500"}, [], ["groupadd --gid 1500 app"], id="gid as text"
    ),
    pytest.param(
        {"group": "docker", "present": False},
        ["root", "docker"],
        ["groupdel docker"],
        id="remove",
    ),
    pytest.param(
        {"group": "docker", "gid": 4242}, ["docker"], [], id="existing gid is not changed"
    ),
]


@pytest.mark.parametrize(("args", "existing", "expected"), GROUP_CASES)
def test_group(args: dict[str, Any], existing: list[str], expected: list[str]) -> None:
    result = plan(server.group, facts={**groups(*existing), fact(Os): "Linux"}, **args)
    assert result.shell == expected


@pytest.mark.parametrize(("args", "existing", "expected"), [
    pytest.param({"group": "docker"}, ["docker"], [], id="already present"),
    pytest.param({"group": "docker", "system": True, "gid": 999}, ["wheel"],
                 ["pw groupadd -n docker -g 999"], id="create (pw has no -r)"),
    pytest.param({"group": "docker", "present": False}, ["docker"], ["pw groupdel -n docker"],
                 id="remove"),
])
def test_group_on_freebsd_uses_pw(args: dict[str, Any], existing: list[str],
                                  expected: list[str]) -> None:
    result = plan(server.group, facts={**groups(*existing), fact(Os): "FreeBSD"}, **args)
    assert result.shell == expected


    if not expected:
        assert result.notes


@pytest.mark.parametrize(
    "args",
    [
        {"group": "-oops"},
        {"group": "a:b"},
        {"group": ""},
        {"group": "docker", "gid": "12a"},
        {"group": "docker", "gid": -1},
    ],
)
def test_group_bad_arguments(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(server.group, facts=groups(), **args)


def test_group_changes() -> None:
    changed = change_keys(server.group, group="docker")
    assert ("groups",) in changed
    assert keys.path("/etc/group") in changed


# --- user ----------------------------------------------------------------------------------

OWNED = path_info()

USER_CASES = [
    # already correct
    pytest.param(
        {"user": "app", "shell": "/bin/bash", "groups": ["docker"]},
        merge(users(app=user_entry(groups=["docker"])), groups("app", "docker"), home(OWNED)),
        [],
        id="already correct",
    ),
    pytest.param(
        {"user": "app", "present": False},
        merge(users(root=user_entry(home="/root", group="root", uid=0)), groups("root")),
        [],
        id="already absent",
    ),
    pytest.param(
        {"user": "app", "groups": ["docker"], "append": True},
        merge(users(app=user_entry(groups=["docker", "adm"])), groups(), home(OWNED)),
        [],
        id="append: already a member",
    ),
    pytest.param(
        {"user": "app", "ensure_home": False},
        merge(users(app=user_entry()), groups()),
        [],
        id="ensure_home off reads no home fact",
    ),
    pytest.param(
        {"user": "app", "public_keys": [KEY_A, KEY_B]},
        merge(
            users(app=user_entry()),
            groups(),
            home(OWNED),
            keys_state([KEY_B, KEY_A], ssh_dir=path_info(mode=700)),
        ),
        [],
        id="keys already there",
    ),
    pytest.param(
        {"user": "app"},
        merge(users(app=user_entry(home="/srv/app")), groups(), home(OWNED, "/srv/app")),
        [],
        id="existing home is kept when none given",
    ),
    # create
    pytest.param(
        {"user": "app"},
        merge(users(), groups("root"), home(None)),
        ["useradd -d /home/app -M app", "mkdir -p /home/app", "chown app:app /home/app"],
        id="create",
    ),
    pytest.param(
        {"user": "app"},
        merge(users(), groups("root", "app"), home(None)),
        ["useradd -d /home/app -g app -M app", "mkdir -p /home/app", "chown app:app /home/app"],
        id="create: group of the same name exists",
    ),
    pytest.param(
        {
            "user": "app",
            "home": "/srv/app",
            "shell": "/bin/bash",
            "group": "apps",
            "groups": ["docker", "adm"],
            "system": True,
            "uid": 1500,
            "comment": "App user",
            "unique": False,
            "create_home": True,
            "password": HASH,
        },
        merge(users(), groups(), home(None, "/srv/app")),
        [
            "useradd -d /srv/app -s /bin/bash -g apps -G docker,adm -r --uid 1500"
            " -c 'App user' -o -m app",
            f"printf '%s:%s\\n' app '{HASH}' | chpasswd -e",
        ],
        id="create with everything, useradd makes the home",
    ),
    pytest.param(
        {"user": "app", "create_home": True},
        merge(users(), groups(), home(path_info(user="root", group="root"))),
        ["useradd -d /home/app -m app", "chown app:app /home/app"],
        id="create_home over an existing directory",
    ),
    pytest.param(
        {"user": "app", "ensure_home": False},
        merge(users(), groups()),
        ["useradd -d /home/app -M app"],
        id="create without ensuring the home",
    ),
    pytest.param(
        {"user": "app", "public_keys": KEY_A},
        merge(users(), groups(), home(None), keys_state(None)),
        [
            "useradd -d /home/app -M app",
            "mkdir -p /home/app",
            "chown app:app /home/app",
            "mkdir -p /home/app/.ssh",
            "chmod 700 /home/app/.ssh",
            "chown app:app /home/app/.ssh",
            "upload /home/app/.ssh/authorized_keys",
        ],
        id="create with a key",
    ),
    # modify
    pytest.param(
        {"user": "app", "shell": "/bin/zsh"},
        merge(users(app=user_entry()), groups(), home(OWNED)),
        ["usermod -s /bin/zsh app"],
        id="change shell",
    ),
    pytest.param(
        {"user": "app", "home": "/srv/app", "group": "apps", "comment": "The app"},
        merge(users(app=user_entry()), groups(), home(path_info(group="apps"), "/srv/app")),
        ["usermod -d /srv/app -g apps -c 'The app' app"],
        id="change home, group and comment",
    ),
    pytest.param(
        {"user": "app", "groups": ["docker", "www-data"]},
        merge(users(app=user_entry(groups=["docker", "adm"])), groups(), home(OWNED)),
        ["usermod -G docker,www-data app"],
        id="set exact groups",
    ),
    pytest.param(
        {"user": "app", "groups": ["www-data"], "append": True},
        merge(users(app=user_entry(groups=["docker"])), groups(), home(OWNED)),
        ["usermod -a -G www-data app"],
        id="append a group",
    ),
    pytest.param(
        {"user": "app", "uid": 1500, "unique": False},
        merge(users(app=user_entry(uid=1001)), groups(), home(OWNED)),
        ["usermod -u 1500 -o app"],
        id="change uid",
    ),
    pytest.param(
        {"user": "app", "password": HASH},
        merge(users(app=user_entry(password="!")), groups(), home(OWNED)),
        [f"printf '%s:%s\\n' app '{HASH}' | chpasswd -e"],
        id="change password",
    ),
    pytest.param(
        {"user": "app", "password": HASH},
        merge(users(app=user_entry(password=HASH)), groups(), home(OWNED)),
        [],
        id="password already set",
    ),
    pytest.param(
        {"user": "app"},
        merge(users(app=user_entry()), groups(), home(path_info(user="root", group="root"))),
        ["chown app:app /home/app"],
        id="fix home owner",
    ),
    pytest.param(
        {"user": "app"},
        merge(users(app=user_entry(group="users")), groups(), home(None)),
        ["mkdir -p /home/app", "chown app:users /home/app"],
        id="missing home gets the user's primary group",
    ),
    pytest.param(
        {"user": "app"},
        merge(
            users(app=user_entry()),
            groups(),
            home(False),
            {fact(Link, path="/home/app"): {**path_info(), "link_target": "/data/app"}},
        ),
        [],
        id="home that is a link is left alone",
    ),
    pytest.param(
        {"user": "app", "public_keys": [KEY_A]},
        merge(
            users(app=user_entry()),
            groups(),
            home(OWNED),
            keys_state([KEY_A], file_info=path_info(user="root", mode=644), ssh_dir=OWNED),
        ),
        [
            "chmod 700 /home/app/.ssh",
            "chmod 600 /home/app/.ssh/authorized_keys",
            "chown app:app /home/app/.ssh/authorized_keys",
        ],
        id="fix key file modes and owner",
    ),
    pytest.param(
        {"user": "app", "public_keys": [KEY_A, KEY_B]},
        merge(
            users(app=user_entry()),
            groups(),
            home(OWNED),
            keys_state([KEY_C, KEY_A], ssh_dir=path_info(mode=700)),
        ),
        ["upload /home/app/.ssh/authorized_keys"],
        id="add a missing key",
    ),
    pytest.param(
        {"user": "app", "public_keys": [KEY_A], "delete_keys": True},
        merge(
            users(app=user_entry()),
            groups(),
            home(OWNED),
            keys_state([KEY_C, KEY_A], ssh_dir=path_info(mode=700)),
        ),
        ["upload /home/app/.ssh/authorized_keys"],
        id="delete other keys",
    ),
    # remove
    pytest.param(
        {"user": "app", "present": False},
        merge(users(app=user_entry()), groups("app")),
        ["userdel app"],
        id="remove",
    ),
]


@pytest.mark.parametrize(("args", "facts", "expected"), USER_CASES)
def test_user(args: dict[str, Any], facts: dict[Any, Any], expected: list[str]) -> None:
    result = plan(server.user, facts=facts, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def _uploaded(result: Any) -> FileUploadCommand:
    uploads = [c for c in result.commands if isinstance(c, FileUploadCommand)]
    assert len(uploads) == 1
    upload: FileUploadCommand = uploads[0]
    assert (upload.mode, upload.user, upload.group) == ("600", "app", "app")
    return upload


def test_user_key_file_content_when_adding() -> None:
    facts = merge(
        users(app=user_entry()),
        groups(),
        home(OWNED),
        keys_state([KEY_C, KEY_A], ssh_dir=path_info(mode=700)),
    )
    result = plan(server.user, user="app", public_keys=[KEY_A, KEY_B], facts=facts)
    assert _uploaded(result).content() == f"{KEY_C}\n{KEY_A}\n{KEY_B}\n".encode()
    (diff,) = result.diffs
    assert (diff.old, diff.new) == (f"{KEY_C}\n{KEY_A}\n", f"{KEY_C}\n{KEY_A}\n{KEY_B}\n")


def test_user_key_file_content_when_deleting() -> None:
    facts = merge(
        users(app=user_entry()),
        groups(),
        home(OWNED),
        keys_state([KEY_C, KEY_A], ssh_dir=path_info(mode=700)),
    )
    result = plan(
        server.user, user="app", public_keys=[KEY_B, KEY_A], delete_keys=True, facts=facts
    )
    assert _uploaded(result).content() == f"{KEY_B}\n{KEY_A}\n".encode()


def test_user_keys_from_a_local_file(tmp_path: Path) -> None:
    key_file = tmp_path / "id.pub"
    key_file.write_text(f"{KEY_A}\n\n{KEY_B}\n")
    facts = merge(users(), groups(), home(None), keys_state(None))
    result = plan(server.user, user="app", public_keys=[str(key_file)], facts=facts)
    assert _uploaded(result).content() == f"{KEY_A}\n{KEY_B}\n".encode()


def test_user_password_is_masked_in_logs() -> None:
    facts = merge(users(app=user_entry()), groups(), home(OWNED))
    (cmd,) = plan(server.user, user="app", password=HASH, facts=facts).commands
    assert str(cmd) == "printf '%s:%s\\n' app *** | chpasswd -e"
    assert cmd.render() == f"printf '%s:%s\\n' app '{HASH}' | chpasswd -e"


def test_user_password_as_secret() -> None:
    facts = merge(users(app=user_entry(password=HASH)), groups(), home(OWNED))
    assert plan(server.user, user="app", password=Secret(HASH), facts=facts).commands == []
    facts = merge(users(app=user_entry()), groups(), home(OWNED))
    (cmd,) = plan(server.user, user="app", password=Secret(HASH), facts=facts).commands
    assert str(cmd) == "printf '%s:%s\\n' app *** | chpasswd -e"
    assert cmd.render() == f"printf '%s:%s\\n' app '{HASH}' | chpasswd -e"


def test_user_reads_every_fact_before_the_first_command() -> None:
    facts = merge(users(), groups(), home(None), keys_state(None))

    seen: list[int] = []
    inner: Any = server.user
    gen = inner._inner(user="app", public_keys=[KEY_A])
    planned = Planned()
    ctx = _TableContext(Host("h", HostData({}), (), "test", "h"), facts, planned)
    token = current_host.set(ctx)
    try:
        for _ in gen:
            seen.append(len(planned.facts_read))
    finally:
        current_host.reset(token)
    assert seen and len(set(seen)) == 1


@pytest.mark.parametrize(
    ("args", "facts", "error"),
    [
        ({"user": "app", "home": "srv/app"}, {}, OperationValueError),
        ({"user": "-app"}, {}, OperationValueError),
        ({"user": "app", "uid": "x"}, {}, OperationValueError),
        ({"user": "app", "groups": ["ok", "bad,name"]}, {}, OperationValueError),
        (
            {"user": "app"},
            merge(
                users(app=user_entry()),
                groups(),
                home(False),
                {fact(Link, path="/home/app"): None},
            ),
            OperationError,
        ),
        (
            {"user": "app", "public_keys": KEY_A},
            merge(users(app=user_entry()), groups(), home(OWNED), keys_state(None, ssh_dir=False)),
            OperationError,
        ),
    ],
)
def test_user_errors(args: dict[str, Any], facts: dict[Any, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        plan(server.user, facts=facts, **args)


def test_user_changes() -> None:
    changed = change_keys(server.user, user="app")
    assert {("users",), ("groups",), keys.path("/etc/passwd"), keys.path("/home/app")} <= changed
    changed = change_keys(server.user, user="app", home="/srv/app")
    assert keys.path("/srv/app") in changed


BSD_HOME = home(OWNED)


@pytest.mark.parametrize(("args", "facts", "expected"), [
    pytest.param({"user": "app", "shell": "/bin/sh"},
                 merge(users("FreeBSD", app=user_entry(shell="/bin/sh")), groups(), BSD_HOME),
                 [], id="already correct"),
    pytest.param({"user": "app", "system": True, "uid": 990, "comment": "App"},
                 merge(users("FreeBSD"), groups("wheel"), home(None)),
                 ["pw useradd -n app -d /home/app -u 990 -c App", "mkdir -p /home/app",
                  "chown app:app /home/app"], id="create: -u, no -r, no -M"),
    pytest.param({"user": "app", "create_home": True}, merge(users("FreeBSD"), groups(),
                                                             home(None)),
                 ["pw useradd -n app -d /home/app -m"], id="create with a home"),
    pytest.param({"user": "app", "shell": "/bin/csh", "groups": ["www"], "append": True},
                 merge(users("FreeBSD", app=user_entry(groups=["wheel"])), groups(), BSD_HOME),
                 ["pw usermod -n app -s /bin/csh -G wheel,www"],
                 id="append keeps the other groups (pw has no -a)"),
    pytest.param({"user": "app", "present": False},
                 merge(users("FreeBSD", app=user_entry()), groups()), ["pw userdel -n app"],
                 id="remove"),
])
def test_user_on_freebsd_uses_pw(args: dict[str, Any], facts: dict[Any, Any],
                                 expected: list[str]) -> None:
    assert plan(server.user, facts=facts, **args).shell == expected


def test_user_password_on_freebsd_goes_to_pw_on_stdin() -> None:
    facts = merge(users("FreeBSD", app=user_entry()), groups(), BSD_HOME)
    (cmd,) = plan(server.user, user="app", password=HASH, facts=facts).commands
    assert str(cmd).startswith("printf '%s\\n' ") and str(cmd).endswith(
        "| pw usermod -n app -H 0")
    assert HASH not in str(cmd)  # masked in what is shown
