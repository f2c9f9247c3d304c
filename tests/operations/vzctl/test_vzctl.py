"""vzctl.* as (args, facts) -> commands. They run every time (pyinfra's semantics), but
create, refused for a CTID in use: there is no "already correct" case but create's."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.vzctl import OpenvzContainers
from corral.model.errors import OperationError, OperationValueError
from corral.operations import vzctl
from corral.testing.optest import fact, plan

TABLE = {fact(OpenvzContainers): {101: {"hostname": "a"}}}


@pytest.mark.parametrize(("op", "args", "expected"), [
    (vzctl.start, {}, ["vzctl start 102"]),
    (vzctl.start, {"force": True}, ["vzctl start 102 --force"]),
    (vzctl.stop, {}, ["vzctl stop 102"]),
    (vzctl.restart, {"force": True}, ["vzctl stop 102", "vzctl start 102 --force"]),
    (vzctl.mount, {}, ["vzctl mount 102"]),
    (vzctl.unmount, {}, ["vzctl umount 102"]),
    (vzctl.delete, {}, ["vzctl delete 102"]),
    (vzctl.create, {}, ["vzctl create 102"]),
    (vzctl.create, {"template": "centos 7"}, ["vzctl create 102 '--ostemplate=centos 7'"]),
    (vzctl.set, {"hostname": "h.example", "nameserver": ["1.1.1.1", "9.9.9.9"]},
     ["vzctl set 102 --save --hostname=h.example --nameserver=1.1.1.1 --nameserver=9.9.9.9"]),
    (vzctl.set, {"save": False, "diskspace": "10G:11G"},
     ["vzctl set 102 --diskspace=10G:11G"]),
])
def test_commands(op: Any, args: dict[str, Any], expected: list[str]) -> None:
    assert plan(op, ctid=102, facts=TABLE, **args).shell == expected


@pytest.mark.parametrize("ctid", [101, "101"])
def test_create_refuses_a_ctid_in_use(ctid: Any) -> None:
    with pytest.raises(OperationError, match="already exists"):
        plan(vzctl.create, ctid=ctid, facts=TABLE)


@pytest.mark.parametrize(("op", "args"), [
    (vzctl.start, {"ctid": "-x"}), (vzctl.stop, {"ctid": ""}),
    (vzctl.set, {"ctid": 1, "a b": "x"}), (vzctl.set, {"ctid": 1, "--x": "y"}),
])
def test_refused(op: Any, args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(op, facts=TABLE, **args)
