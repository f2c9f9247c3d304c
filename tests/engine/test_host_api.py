"""What pyinfra 3.10's ``Host`` offers deploy code, on corral's host (real shells,
``@local``): loop, when, arguments, deploy, data defaults of ``@deploy``, host_data,
group_data, log, get_temp_filename and the deploy state."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from corral import api, host
from corral.api import deploy
from corral.engine.loader import load_inventory
from corral.facts.server import TmpDir
from corral.model.context import NoContextError
from corral.model.errors import BadInput
from corral.model.events import Event, HostLog
from corral.model.host import Host, HostData
from corral.model.results import HostStatus, OpStatus
from corral.operations import files, server


def run(deploy_fn: Any, **kwargs: Any) -> api.RunResult:
    return api.run("@local", deploy_fn, **kwargs)


def test_loop_yields_the_items_and_keeps_the_position(tmp_path: Path) -> None:
    seen: list[Any] = []

    def body() -> None:
        for name in host.loop(["a", "b"]):
            for n in host.loop(range(2)):
                seen.append((name, n, list(host.loop_position)))
                files.directory(path=str(tmp_path / f"{name}{n}"))
        seen.append(list(host.loop_position))
        for _ in host.loop(["x", "y"]):
            break  # left early: the position is dropped all the same
        seen.append(list(host.loop_position))

    result = run(body).hosts[0]
    assert seen == [("a", 0, [0, 0]), ("a", 1, [0, 1]), ("b", 0, [1, 0]),
                    ("b", 1, [1, 1]), [], []]
    assert result.changed == 4 and sorted(p.name for p in tmp_path.iterdir()) == [
        "a0", "a1", "b0", "b1"]


def test_a_when_condition_reads_its_hosts_data_when_it_runs(tmp_path: Path) -> None:
    """``host.when(lambda: host.name ...)``: the condition runs when the operation is
    about to run, outside the deploy code, and still reads the host and its data (it failed
    with "no host is bound here")."""

    def body() -> None:
        with host.when(lambda: host.name == "@local"):
            server.shell(name="data", commands=[f"touch {tmp_path / 'data'}"])
        with host.when(lambda: host.data.get("no such key", False)):
            server.shell(name="default", commands=[f"touch {tmp_path / 'default'}"])

    result = run(body).hosts[0]
    ops = {op.name: op for op in result.operations}
    assert result.status is HostStatus.CHANGED, ops
    assert ops["data"].status is OpStatus.CHANGED
    assert ops["default"].status is OpStatus.SKIPPED
    assert (tmp_path / "data").exists() and not (tmp_path / "default").exists()


def test_when_runs_the_block_only_if_the_condition_holds_when_it_runs(tmp_path: Path
                                                                      ) -> None:
    made = tmp_path / "made"

    def body() -> None:
        created = files.directory(path=str(made))
        with host.when(lambda: created.did_change()):
            server.shell(name="after a change", commands=[f"touch {tmp_path / 'yes'}"])
            with host.when(lambda: False):  # conditions add up: both must hold
                server.shell(name="inner", commands=[f"touch {tmp_path / 'inner'}"])
            # an operation's own _if is added to the block's
            server.shell(name="own if", commands=[f"touch {tmp_path / 'own'}"],
                         _if=lambda: False)
        with host.when(lambda: not created.did_change()):
            server.shell(name="no change", commands=[f"touch {tmp_path / 'no'}"])
        server.shell(name="outside", commands=[f"touch {tmp_path / 'outside'}"])

    first = {op.name: op for op in run(body).hosts[0].operations}
    assert first["after a change"].status is OpStatus.CHANGED
    assert first["inner"].status is OpStatus.SKIPPED
    assert first["own if"].status is OpStatus.SKIPPED
    assert first["no change"].status is OpStatus.SKIPPED
    assert first["outside"].status is OpStatus.CHANGED
    assert sorted(p.name for p in tmp_path.iterdir()) == ["made", "outside", "yes"]
    second = {op.name: op for op in run(body).hosts[0].operations}
    assert second["after a change"].status is OpStatus.SKIPPED
    assert second["no change"].status is OpStatus.CHANGED


def test_arguments_apply_global_arguments_to_the_block() -> None:
    outputs: dict[str, str] = {}

    def body() -> None:
        with host.arguments(_env={"GREETING": "hi"}, _chdir="/"):
            inside = server.shell(commands=["echo $GREETING; pwd"])
        outside = server.shell(commands=["echo ${GREETING:-none}"])
        outputs.update(inside=inside.stdout, outside=outside.stdout)

    run(body)
    assert outputs == {"inside": "hi\n/", "outside": "none"}


def test_a_bad_global_argument_in_a_block_is_bad_input() -> None:
    def body() -> None:
        with host.arguments(_sudo_user="root; rm -rf /"):
            server.shell(commands=["true"])

    with pytest.raises(BadInput, match="_sudo_user"):
        run(body)


@deploy("Web", data_defaults={"port": 8080, "bind": "0.0.0.0"})
def web(tmp: str, seen: dict[str, Any]) -> None:
    seen["outer"] = (host.data.port, host.data.get("bind"), host.current_deploy_name,
                     host.in_deploy, host.current_deploy_kwargs)
    with host.when(lambda: True):  # a block keeps the deploy's data defaults
        seen["when"] = host.data.get("port")
    inner(seen)
    # an operation planned later (by the engine) still sees the deploy's data defaults
    files.template(src=io.StringIO("port={{ host.data.port }}\n"), dest=f"{tmp}/web.conf")


@deploy("Inner", data_defaults={"port": 9090})
def inner(seen: dict[str, Any]) -> None:
    seen["inner"] = (host.data.port, host.data.get("bind"), host.current_deploy_name,
                     host.get_deploy_data())


def test_deploy_data_defaults_are_read_through_host_data(tmp_path: Path) -> None:
    seen: dict[str, Any] = {}

    def body() -> None:
        web(str(tmp_path), seen, _env={"A": "1"})
        seen["after"] = (host.data.get("port"), host.current_deploy_name, host.in_deploy)

    run(body)
    assert seen["outer"] == (8080, "0.0.0.0", "Web", True, {"_env": {"A": "1"}})
    assert seen["when"] == 8080
    # nested: as in pyinfra, the inner deploy's defaults replace the outer's
    assert seen["inner"] == (9090, None, "Web | Inner", {"port": 9090})
    assert seen["after"] == (None, None, False)
    assert (tmp_path / "web.conf").read_text() == "port=8080\n"


def test_inventory_data_wins_over_deploy_data_defaults(tmp_path: Path) -> None:
    inventory = tmp_path / "inventory.py"
    inventory.write_text("hosts = [('@local', {'port': 443})]\n")
    seen: dict[str, Any] = {}
    api.run(str(inventory), lambda: web(str(tmp_path), seen))
    assert seen["outer"][0] == 443 and seen["inner"][0] == 443
    assert (tmp_path / "web.conf").read_text() == "port=443\n"


def test_deploy_takes_name_as_its_operations_name_and_keeps_the_function() -> None:
    @deploy("Named")
    def named() -> None:
        server.shell(commands=["true"])

    @deploy("Takes a name")
    def takes(name: str) -> None:
        server.shell(name=f"hello {name}", commands=["true"])

    result = run(lambda: (named(name="custom"), takes(name="bob")))
    assert [op.name for op in result.hosts[0].operations] == ["custom", "hello bob"]
    assert named.deploy_name == "Named" and callable(named._inner)


def test_host_deploy_context_manager() -> None:
    seen: dict[str, Any] = {}

    def body() -> None:
        with host.deploy("Block", {"_env": {"B": "2"}}, {"size": 3}):
            op = server.shell(commands=["echo $B"])
            seen.update(name=host.current_deploy_name, size=host.data.size,
                        in_deploy=host.in_deploy)
        seen.update(out=op.stdout, after=host.current_deploy_name)
        with host.deploy("Quiet", None, None, in_deploy=False):
            seen["quiet"] = host.in_deploy

    run(body)
    assert seen == {"name": "Block", "size": 3, "in_deploy": True, "out": "2",
                    "after": None, "quiet": False}


def test_host_and_group_data(tmp_path: Path) -> None:
    (tmp_path / "group_data").mkdir()
    (tmp_path / "group_data" / "all.py").write_text("everywhere = 1\n")
    (tmp_path / "group_data" / "web.py").write_text("role = 'web'\nport = 80\n")
    inventory = tmp_path / "inventory.py"
    inventory.write_text("web = [('@local', {'port': 8080})]\nlocal = ['@local']\n")
    seen: dict[str, Any] = {}

    def body() -> None:
        seen.update(host=host.host_data, group=host.group_data, port=host.data.port,
                    groups=host.groups)

    api.run(str(inventory), body)
    assert seen["host"] == {"port": 8080}
    assert seen["group"] == {"role": "web", "port": 80}  # its groups' data, not all's
    assert seen["port"] == 8080
    h = load_inventory(str(inventory)).get_host("@local")
    assert h is not None and h.host_data == {"port": 8080}


def test_log_goes_to_the_run_output_masked() -> None:
    from corral.model.secrets import Secret

    events: list[Event] = []
    lines: list[str] = []

    def body() -> None:
        server.shell(commands=["true"], _env={"TOKEN": Secret("s3cret")})
        host.log("deploying with s3cret")
        host.log_styled("styled", fg="red")
        host.log("through a function", log_func=lines.append)

    run(body, on_event=events.append)
    logged = [(e.host, e.message) for e in events if isinstance(e, HostLog)]
    assert logged == [("@local", "deploying with ***"), ("@local", "styled")]
    assert lines == ["[@local] through a function"]
    assert Host("h", HostData({}), (), "local", "").print_prefix == "[h] "


def test_get_temp_filename() -> None:
    seen: dict[str, str] = {}

    def body() -> None:
        tmp = host.get_fact(TmpDir) or "/tmp"
        seen.update(
            tmp=tmp,
            keyed=host.get_temp_filename("abc"),
            plain=host.get_temp_filename("abc", hash_filename=False),
            given=host.get_temp_filename("k", temp_directory="/var/tmp/"),
            unique=host.get_temp_filename(),
            other=host.get_temp_filename(),
        )

    run(body)
    digest = "a9993e364706816aba3e25717850c26c9cd0d89d"  # sha1("abc")
    assert seen["keyed"] == f"{seen['tmp'].rstrip('/')}/corral-{digest}"
    assert seen["plain"].endswith("/corral-abc")
    assert seen["given"].startswith("/var/tmp/corral-") and "//" not in seen["given"]
    assert seen["unique"] != seen["other"]


def test_get_temp_filename_honours_config_temp_dir() -> None:
    seen: list[str] = []
    config = api.Config()
    config.TEMP_DIR = "/srv/tmp"  # type: ignore[attr-defined]
    run(lambda: seen.append(host.get_temp_filename("x", hash_filename=False)), config=config)
    assert seen == ["/srv/tmp/corral-x"]


def test_connector_data_and_deploy_state_outside_blocks() -> None:
    seen: dict[str, Any] = {}

    def body() -> None:
        host.connector_data["mine"] = 1
        seen.update(data=dict(host.connector_data), op=host.in_op,
                    kwargs=host.current_deploy_kwargs, ddata=host.current_deploy_data,
                    op_args=host.current_op_global_arguments, inv=len(host.inventory))

    run(body)
    assert seen == {"data": {"mine": 1}, "op": False, "kwargs": None, "ddata": None,
                    "op_args": None, "inv": 1}


def test_an_operation_sees_its_global_arguments_and_in_op() -> None:
    from corral.api import operation

    seen: list[Any] = []

    @operation()
    def look() -> Any:
        args = host.current_op_global_arguments
        seen.append((host.in_op, args["_sudo"], args["_env"], args["name"]))
        yield "true"

    run(lambda: look(name="looking", _env={"X": "1"}))
    assert seen and all(s == (True, False, {"X": "1"}, "looking") for s in seen)


def test_another_host_without_a_run_is_no_context() -> None:
    other = Host("other", HostData({}), (), "local", "")
    with pytest.raises(NoContextError):
        other.get_fact(TmpDir)


def test_the_host_is_changed_for_real_by_a_block(tmp_path: Path) -> None:
    """Not only planning: a host.when block's operations change the host."""
    def body() -> None:
        with host.when(lambda: True):
            files.put(src=io.StringIO("x\n"), dest=str(tmp_path / "f"))

    result = run(body)
    assert result.hosts[0].status is HostStatus.CHANGED
    assert (tmp_path / "f").read_text() == "x\n"
