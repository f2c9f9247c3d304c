"""The API's pure parts as tables (no host): make_hash, commands, the inventory's pyinfra
API, file paths, local.shell on the controller's sh."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from corral import local
from corral.api import HiddenValue, Inventory, QuoteString, StringCommand
from corral.api.command import FunctionCommand, make_formatted_string_command
from corral.api.exceptions import NoGroupError, NoHostError
from corral.api.util import get_file_path, make_hash
from corral.engine.loader import load_inventory
from corral.model.errors import BadInput, CorralError
from corral.model.secrets import Secret
from corral.operations import files

#: value -> pyinfra 3.10's make_hash of it (printed by pyinfra.api.util.make_hash)
HASHES: list[tuple[Any, str]] = [
    (None, "591a3ec2e800f08d8ae1423a043a2c79e0789e8d"),
    (True, "88b33e4e12f75ac8bf792aebde41f1a090f3a612"),
    (False, "97cdbdc7feff827efb082a6b6dd2727237cd49fd"),
    (0, "b6589fc6ab0dc82cf12099d1c2d40ab994e8410c"),
    (1, "356a192b7913b04c54574d18c28d46e6395428ab"),
    (1.0, "591a3ec2e800f08d8ae1423a043a2c79e0789e8d"),  # equal to True: a constant
    (0.0, "591a3ec2e800f08d8ae1423a043a2c79e0789e8d"),
    (2.5, "555a5c5c92b230dccab828d90e89ec66847ab9ce"),
    ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
    ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
    ([1, "a"], "d7deae5851700c2557424dcbd216abcd0b6c3915"),
    ((None,), "83d0a15b3e05a9a048d918109759868b97b9c0ff"),
    ({"a": 1, "b": [True, "x"]}, "d2a72a3916b7fe0088bd5eff81106a8a0f7db11d"),
    ({"k": {"n": None}}, "d35be84afede29eb217117ba46504a85dcf7768c"),
    (files.put, "132aeadf736728a3f874cd17615dda27830e8cbd"),  # by __name__
    (3 + 0j, "e8f4df94ce9f9e370bca64e1ca1f322d63d300b1"),
    (b"x", "125ce001f709f9122fc7e45c8cc09d11fe3313c9"),
]


@pytest.mark.parametrize(("value", "expected"), HASHES, ids=[repr(v) for v, _ in HASHES])
def test_make_hash_is_pyinfra_s(value: Any, expected: str) -> None:
    assert make_hash(value) == expected


FORMATTED = [
    (("curl -sSLf {0} -o {1}", QuoteString("http://x/a b"), QuoteString("/tmp/o'ut")), {},
     "curl -sSLf 'http://x/a b' -o '/tmp/o'\"'\"'ut'"),
    (("tar -C {dir} -xf {src}",), {"dir": QuoteString("/srv/my dir"), "src": "f.tar"},
     "tar -C '/srv/my dir' -xf f.tar"),
    (("echo {0}{1} x{0}y", "A", "B"), {}, "echo AB xAy"),  # fields inside words
    # the text's own quoting is kept (pyinfra's shlex split would make 'a b' two words)
    (("printf %s {0} 'a b'", QuoteString("$HOME")), {}, "printf %s '$HOME' 'a b'"),
    (("a {} {}", 1, 2), {}, "a 1 2"),
]


@pytest.mark.parametrize(("args", "kwargs", "expected"), FORMATTED)
def test_make_formatted_string_command(args: tuple[Any, ...], kwargs: dict[str, Any],
                                       expected: str) -> None:
    assert make_formatted_string_command(*args, **kwargs).render() == expected


def test_formatted_command_keeps_a_secret_masked() -> None:
    cmd = make_formatted_string_command("login {0}", QuoteString(Secret("s3 cret")))
    assert cmd.render() == "login 's3 cret'" and cmd.render(masked=True) == "login ***"
    assert cmd.has_secrets()


def test_string_command_takes_pyinfra_s_keywords() -> None:
    assert StringCommand("a", "b", _separator="").get_raw_value() == "ab"
    nested = StringCommand("a", StringCommand("b", "c"), _separator="-")
    assert nested.get_raw_value() == "a-b c"
    masked = StringCommand("pw", HiddenValue("hunter22"))
    assert masked.get_masked_value() == "pw ***" and masked.get_raw_value() == "pw hunter22"
    cmd = StringCommand("cat", _stdin=["a", "b\n", HiddenValue("c")], _sudo=True,
                        _success_exit_codes=[0, 3])
    assert cmd.stdin() == "a\nb\nc\n" and cmd.has_secrets()
    assert cmd.connector_arguments["_sudo"] is True
    assert StringCommand("cat", _stdin=io.StringIO("x\ny")).stdin() == "x\ny\n"
    assert StringCommand("cat", _stdin="one").stdin() == "one\n"
    assert StringCommand("x") != StringCommand("x", _sudo=True)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"_get_pty": True}, "unsupported argument _get_pty"),
    ({"_doas": True}, "unsupported argument _doas"),
    ({"_sudo": "yes"}, "_sudo must be bool"),
    ({"_env": {"A B": "1"}}, "shell variable names"),
    ({"_stdin": 5}, "_stdin must be text"),
    ({"_stdin": ["a\0b"]}, "NUL"),
    ({"_separator": 1}, "_separator must be str"),
    ({"separator": ""}, "given as _separator"),
])
def test_string_command_refuses_what_it_cannot_run(kwargs: dict[str, Any],
                                                   message: str) -> None:
    with pytest.raises(BadInput, match=message):
        StringCommand("true", **kwargs)


def test_function_command_as_pyinfra_makes_it() -> None:
    def f(a: int, b: int = 0) -> None: ...

    cmd = FunctionCommand(f, (1,), {"b": 2})
    assert (cmd.function, cmd.args, cmd.kwargs) == (f, (1,), {"b": 2}) and "f" in str(cmd)
    with pytest.raises(BadInput, match="not callable"):
        FunctionCommand("f", (), {})


@pytest.fixture
def inv(tmp_path: Path) -> Inventory:
    (tmp_path / "group_data").mkdir()
    (tmp_path / "group_data" / "all.py").write_text("region = 'eu'\n")
    (tmp_path / "group_data" / "web.py").write_text("port = 80\n")
    (tmp_path / "group_data" / "db.py").write_text("port = 5432\n")
    path = tmp_path / "inventory.py"
    path.write_text("web = [('@local', {'role': 'front'}), '@chroot/srv/a']\n"
                    "db = ['@chroot/srv/a']\n")
    return load_inventory(str(path))


def test_inventory_hosts_and_groups_are_pyinfra_s_shapes(inv: Inventory) -> None:
    local_host, chroot_host = inv  # iterates hosts in order
    assert inv.hosts == {"@local": local_host, "@chroot/srv/a": chroot_host}
    # the inventory's groups, the file's name and the connectors' groups, as pyinfra's
    assert inv.groups == {"web": [local_host, chroot_host], "db": [chroot_host],
                          "inventory": [local_host, chroot_host], "@local": [local_host],
                          "@chroot": [chroot_host]}
    assert [h.data.get("port") for h in inv.groups["web"]] == [80, 5432]
    assert len(inv) == 2 and "@local" in inv and inv.get_active_hosts() == [local_host,
                                                                             chroot_host]


@pytest.mark.parametrize(("call", "expected"), [
    (lambda i: i.get_host("@local").name, "@local"),
    (lambda i: i.get_host("nope", None), None),
    (lambda i: i.get_host("nope", "fallback"), "fallback"),
    (lambda i: [h.name for h in i.get_group("db")], ["@chroot/srv/a"]),
    (lambda i: i.get_group("nope", []), []),
    (lambda i: i.get_group("all", "no such group"), "no such group"),  # all is no group
    (lambda i: i.get_data(), {"region": "eu"}),
    (lambda i: i.get_group_data("web"), {"port": 80}),
    (lambda i: i.get_group_data("nope"), {}),
    (lambda i: i.get_groups_data(["web", "db"]), {"port": 5432}),  # the last group wins
    (lambda i: i.get_host_data("@local"), {"role": "front"}),
    (lambda i: i.get_host_data("nope"), {}),
    (lambda i: i.get_override_data(), {}),
])
def test_inventory_getters(inv: Inventory, call: Any, expected: Any) -> None:
    assert call(inv) == expected


def test_inventory_missing_host_or_group_raises_pyinfra_s_errors(inv: Inventory) -> None:
    with pytest.raises(NoHostError, match="no host nope") as host_err:
        inv.get_host("nope")
    assert isinstance(host_err.value, KeyError)
    with pytest.raises(NoGroupError, match="no group nope") as group_err:
        inv.get_group("nope")
    assert isinstance(group_err.value, KeyError)
    assert len(Inventory.empty()) == 0


class _State:
    cwd = "/work/project"
    current_exec_filename: str | None = "/work/project/tasks/web.py"


@pytest.mark.parametrize(("name", "expected"), [
    ("/etc/x.conf", "/etc/x.conf"),
    ("templates/a.j2", "/work/project/templates/a.j2"),  # the working directory
    ("./a.j2", "/work/project/tasks/a.j2"),  # the running file's directory
    ("../a.j2", "/work/project/../a.j2"),
    (Path("files/b"), "/work/project/files/b"),
])
def test_get_file_path_as_pyinfra_resolves_it(name: str | Path, expected: str) -> None:
    assert get_file_path(_State(), name) == expected


def test_get_file_path_without_a_running_file() -> None:
    state = _State()
    state.current_exec_filename = None
    assert get_file_path(state, "./a.j2") == "/work/project/a.j2"


def test_local_shell_on_the_controller() -> None:
    assert local.shell(["printf 'a \\n\\nb\\n'", "echo c"]) == "a \n\nb\nc"
    assert local.shell("printf 'x\\ny'", splitlines=True) == ["x", "y"]
    assert local.shell("echo out; exit 3", ignore_errors=True) == "out"
    with pytest.raises(CorralError, match=r"exit code 3.*\n.*err"):
        local.shell("echo err >&2; exit 3")


def test_local_include_outside_a_run_says_so() -> None:
    with pytest.raises(CorralError, match="no host is bound"):
        local.include("deploy.py")
