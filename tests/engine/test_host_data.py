"""Host data, SSH settings from data, and config, as pyinfra 3.10 has them; no host."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from corral.connectors.sshdata import ssh_settings
from corral.engine.loader import load_config
from corral.model.config import Config
from corral.model.errors import BadInput
from corral.model.host import Host, HostData
from corral.model.secrets import Secret


def made(*layers: dict[str, Any]) -> HostData:
    return Host("web1", HostData(*layers), (), "local", "").data


def test_a_missing_key_raises_attribute_error_as_pyinfra() -> None:
    data = made({"a": 1})
    with pytest.raises(AttributeError, match="Host `web1` has no data `missing`"):
        data.missing  # noqa: B018
    assert getattr(data, "missing", "dflt") == "dflt"
    assert data.get("missing") is None and data.get("missing", 3) == 3
    assert not hasattr(data, "missing") and hasattr(data, "a")
    assert data.get("a") == 1 and data.a == 1 and data["a"] == 1


def test_layers_and_the_override_layer() -> None:
    cli, own, group, everyone = {"c": "cli"}, {"c": "own", "o": "own"}, {"g": 1, "o": "g"}, {
        "all": 1, "g": 0}
    data = made(cli, own, group, everyone)
    assert (data.c, data.o, data.g, data.all) == ("cli", "own", 1, 1)
    data.c = "assigned"  # host.data.x = v: the highest layer, this host's only
    data.new = [1]
    assert (data.c, data.new) == ("assigned", [1])
    assert cli == {"c": "cli"} and "new" not in own  # the shared layers are untouched
    other = made(cli, own, group, everyone)
    assert other.c == "cli" and "new" not in other
    assert data.dict() == {"c": "assigned", "new": [1], "o": "own", "g": 1, "all": 1}


def test_reads_are_shallow_copies() -> None:
    shared = {"items": [1, 2], "conf": {"a": 1}}
    first, second = made({}, shared), made({}, shared)
    first.items.append(3)
    first.get("conf")["b"] = 2
    assert second.items == [1, 2] and second.conf == {"a": 1}  # nothing leaked
    # a data key named like a Mapping method is data, as in pyinfra
    assert first.items == [1, 2] and first.keys is not None
    lock_like = made({"mod": os})  # what copy cannot copy is given as it is
    assert lock_like.mod is os


def test_the_data_defaults_layer() -> None:
    data = made({"own": 1})
    assert data.current_defaults == {}
    outer = data.push_defaults({"port": 8080, "own": 0})
    assert (data.port, data.own) == (8080, 1)  # the lowest layer
    inner = data.push_defaults({"path": "/x"})  # replaced while inside, as pyinfra's
    assert data.path == "/x" and "port" not in data
    data.pop_defaults(inner)
    assert data.port == 8080 and "path" not in data
    data.pop_defaults(outer)
    assert "port" not in data
    with data.using_defaults({"d": 1}):
        assert data.d == 1
    assert "d" not in data
    data.set_default("_deploy_dir", "/srv")  # the engine's, under everything
    with data.using_defaults({"_deploy_dir": "/mine"}):
        assert data._deploy_dir == "/mine"
    assert data._deploy_dir == "/srv"


SSH_OK: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({}, {"policy": "accept-new", "port": None, "allow_agent": True, "look_for_keys": True,
          "retries": 0, "retry_min_delay": 0.1, "retry_max_delay": 0.5,
          "known_hosts_file": os.path.expanduser("~/.ssh/known_hosts")}),
    ({"ssh_strict_host_key_checking": "off"}, {"policy": "no"}),
    ({"ssh_strict_host_key_checking": "no"}, {"policy": "no"}),
    ({"ssh_strict_host_key_checking": "OFF"}, {"policy": "no"}),
    ({"ssh_strict_host_key_checking": "yes"}, {"policy": "yes"}),
    ({"ssh_strict_host_key_checking": "accept-new"}, {"policy": "accept-new"}),
    ({"ssh_strict_host_key_checking": "ask"}, {"policy": "ask"}),
    ({"ssh_strict_host_key_checking": None}, {"policy": "ask"}),
    ({"ssh_strict_host_key_checking": True}, {"policy": "yes"}),
    ({"ssh_strict_host_key_checking": False}, {"policy": "no"}),
    ({"ssh_port": 2222}, {"port": 2222}),
    ({"ssh_port": "2222"}, {"port": 2222}),
    ({"ssh_port": 0}, {"port": None}),
    ({"ssh_key": "~/k", "ssh_key_password": Secret("pw")}, {"key": os.path.expanduser("~/k")}),
    ({"ssh_look_for_keys": False, "ssh_allow_agent": False},
     {"look_for_keys": False, "allow_agent": False}),
    ({"ssh_connect_retries": 3, "ssh_connect_retry_min_delay": 1,
      "ssh_connect_retry_max_delay": 2.5},
     {"retries": 3, "retry_min_delay": 1.0, "retry_max_delay": 2.5}),
    ({"ssh_connect_retry_min_delay": 2}, {"retry_min_delay": 2.0, "retry_max_delay": 2.0}),
    ({"ssh_file_transfer_protocol": "scp", "ssh_paramiko_connect_kwargs": {"timeout": 3}},
     {}),
    ({"ssh_known_hosts_file": "/dev/null"}, {"known_hosts_file": "/dev/null"}),
]


@pytest.mark.parametrize(("data", "expected"), SSH_OK)
def test_ssh_keys_with_pyinfras_values(data: dict[str, Any], expected: dict[str, Any]) -> None:
    settings = ssh_settings(made(data))
    for key, value in expected.items():
        assert getattr(settings, key) == value, key


SSH_BAD: list[tuple[dict[str, Any], str]] = [
    ({"ssh_strict_host_key_checking": "maybe"}, "one of accept-new, yes, no, off, ask"),
    ({"ssh_strict_host_key_checking": 1}, "not int"),
    ({"ssh_port": "abc"}, "ssh_port must be an int, not str"),
    ({"ssh_port": 70000}, "ssh_port must be from 1 to 65535"),
    ({"ssh_port": True}, "ssh_port must be an int, not bool"),
    ({"ssh_user": 5}, "ssh_user must be str"),
    ({"ssh_password": 5}, "ssh_password must be str or Secret"),
    ({"ssh_allow_agent": "yes"}, "ssh_allow_agent must be True or False"),
    ({"ssh_look_for_keys": 1}, "ssh_look_for_keys must be True or False"),
    ({"ssh_connect_retries": -1}, "ssh_connect_retries must be from 0"),
    ({"ssh_connect_retry_min_delay": 2, "ssh_connect_retry_max_delay": 1}, "must not be below"),
    ({"ssh_connect_retry_max_delay": float("nan")}, "ssh_connect_retry_max_delay must be"),
    ({"ssh_file_transfer_protocol": "ftp"}, "sftp or scp"),
    ({"ssh_paramiko_connect_kwargs": [1]}, "must be a dict"),
    ({"ssh_key": "a\x00b"}, "without NUL"),
    ({"ssh_key": 3}, "ssh_key must be a path"),
]


@pytest.mark.parametrize(("data", "words"), SSH_BAD)
def test_wrong_ssh_values_are_bad_input(data: dict[str, Any], words: str) -> None:
    with pytest.raises(BadInput, match=None) as info:
        ssh_settings(made({**data, "ssh_password_canary": "x"}))
    assert words in str(info.value)


def test_a_password_is_never_in_the_error() -> None:
    with pytest.raises(BadInput) as info:
        ssh_settings(made({"ssh_password": ["hunter2"]}))
    assert "hunter2" not in str(info.value)


def test_config_py_sets_the_config_object(tmp_path: Path) -> None:
    """pyinfra 3: config.py acts through the config object; bare names do nothing."""
    path = tmp_path / "config.py"
    path.write_text("from corral import config\nconfig.SUDO = True\nconfig.RETRY = 2\n"
                    "config.ENV = {'A': '1'}\nSUDO_USER = 'ignored'\n")
    config = Config()
    load_config(path, config)
    assert (config.SUDO, config.RETRIES, config.ENV, config.SUDO_USER) == (
        True, 2, {"A": "1"}, None)
    path.write_text("from corral import config\nconfig.SUDO = (\n")
    with pytest.raises(BadInput, match="syntax error") as info:
        load_config(path, Config())
    assert info.value.file == str(path)


def test_a_config_copy_is_its_own() -> None:
    config = Config(ENV={"A": "1"})
    config.CUSTOM = "kept"  # type: ignore[attr-defined]
    copy = config.copy()
    copy.SUDO = True
    copy.ENV["B"] = "2"
    copy.INHERIT_ENV.append("PATH")
    assert not config.SUDO and config.ENV == {"A": "1"} and config.INHERIT_ENV == []
    assert copy.CUSTOM == "kept" and copy.RETRY == copy.RETRIES == 0  # type: ignore[attr-defined]
