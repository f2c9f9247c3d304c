"""The ``ssh_*`` keys of host data, read and checked as pyinfra 3.10 reads them.

Kept apart from the connector (no asyncssh here): the loader checks every SSH host's
settings as the inventory loads, so a wrong value is bad input naming the key, before
anything connects.

The keys, their types and defaults are pyinfra's (docs/ssh.md lists them): notably
``ssh_strict_host_key_checking`` defaults to ``accept-new`` and takes ``off`` as ``no``;
``ssh_allow_agent`` and ``ssh_look_for_keys`` apply only without ``ssh_key`` (a key given
is the key used); ``ssh_file_transfer_protocol`` and ``ssh_paramiko_connect_kwargs`` are
accepted (checked) and change nothing: files travel inside corral's scripts, and corral's
SSH is asyncssh, not paramiko.

Beyond pyinfra: ``ssh_proxy_jump`` (``user@host:port[,...]``) and ``ssh_keepalive_interval``
(seconds, default 15).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from corral.model.errors import BadInput
from corral.model.secrets import Secret

#: ``ssh_strict_host_key_checking`` values, and the policy each means. A host key that
#: differs from the one known_hosts records is refused under every policy (as paramiko,
#: and so pyinfra, refuses it): the policies differ only on keys known_hosts lacks.
POLICIES = {"yes": "yes", "accept-new": "accept-new", "no": "no", "off": "no", "ask": "ask"}
DEFAULT_POLICY = "accept-new"


@dataclass(frozen=True)
class SSHSettings:
    port: int | None
    user: str | None
    password: Any
    key: str | None
    key_password: Any
    allow_agent: bool
    look_for_keys: bool
    forward_agent: bool
    config_file: str | None
    known_hosts_file: str
    #: ``yes``, ``accept-new``, ``no`` or ``ask`` (corral does not ask: as ``yes``)
    policy: str
    retries: int
    retry_min_delay: float
    retry_max_delay: float
    proxy_jump: str | None
    keepalive_interval: float


def _bool(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BadInput(f"{key} must be True or False, not {type(value).__name__}")
    return value


def _text(data: Mapping[str, Any], key: str, secret: bool = False) -> Any:
    value = data.get(key)
    if value is None:
        return None
    kinds: tuple[type, ...] = (str, Secret) if secret else (str,)
    if not isinstance(value, kinds):
        allowed = "str or Secret" if secret else "str"
        raise BadInput(f"{key} must be {allowed}, not {type(value).__name__}")
    if isinstance(value, str) and "\x00" in value:
        raise BadInput(f"{key} holds a NUL byte")
    return value


def _path(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str | os.PathLike):
        raise BadInput(f"{key} must be a path (str), not {type(value).__name__}")
    text = os.fspath(value)
    if not isinstance(text, str) or "\x00" in text:
        raise BadInput(f"{key} must be a path (str) without NUL bytes")
    return os.path.expanduser(text)


def _number(data: Mapping[str, Any], key: str, default: float, low: float,
            high: float, integer: bool = False) -> float:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, str) and integer and value.strip().isdigit():
        value = int(value)
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        what = "an int" if integer else "a number"
        raise BadInput(f"{key} must be {what}, not {type(value).__name__}")
    if not (math.isfinite(value) and low <= value <= high):
        raise BadInput(f"{key} must be from {low:g} to {high:g}, not {value!r}")
    return value


def policy_of(data: Mapping[str, Any]) -> str:
    """The host key policy ``ssh_strict_host_key_checking`` asks for (pyinfra's values;
    True and False too). Not given: ``accept-new``, pyinfra's default; given as None:
    ``ask``, as in pyinfra."""
    if "ssh_strict_host_key_checking" not in data:
        return DEFAULT_POLICY
    value = data["ssh_strict_host_key_checking"]
    if value is None:
        return "ask"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if not isinstance(value, str) or value.lower() not in POLICIES:
        shown = repr(value) if isinstance(value, str) else type(value).__name__
        raise BadInput("ssh_strict_host_key_checking must be one of accept-new, yes, no, "
                       f"off, ask; not {shown[:40]}")
    return POLICIES[value.lower()]


def ssh_settings(data: Mapping[str, Any]) -> SSHSettings:
    """A host's SSH settings from its data; a wrong value is bad input naming the key
    (never the value: it may be a password)."""
    port = data.get("ssh_port")
    if port is not None and port != 0 and port != "":
        port = int(_number(data, "ssh_port", 22, 1, 65535, integer=True))
    else:
        port = None
    protocol = data.get("ssh_file_transfer_protocol")
    if protocol is not None and protocol not in ("sftp", "scp"):
        raise BadInput("ssh_file_transfer_protocol must be sftp or scp")
    extra = data.get("ssh_paramiko_connect_kwargs")
    if extra is not None and not isinstance(extra, dict):
        raise BadInput("ssh_paramiko_connect_kwargs must be a dict, not "
                       f"{type(extra).__name__}")
    low = _number(data, "ssh_connect_retry_min_delay", 0.1, 0, 3600)
    high = _number(data, "ssh_connect_retry_max_delay", max(0.5, low), 0, 3600)
    if high < low:
        raise BadInput("ssh_connect_retry_max_delay must not be below "
                       "ssh_connect_retry_min_delay")
    return SSHSettings(
        port=port,
        user=_text(data, "ssh_user"),
        password=_text(data, "ssh_password", secret=True),
        key=_path(data, "ssh_key"),
        key_password=_text(data, "ssh_key_password", secret=True),
        allow_agent=_bool(data, "ssh_allow_agent", True),
        look_for_keys=_bool(data, "ssh_look_for_keys", True),
        forward_agent=_bool(data, "ssh_forward_agent", False),
        config_file=_path(data, "ssh_config_file"),
        known_hosts_file=(_path(data, "ssh_known_hosts_file")
                          or os.path.expanduser("~/.ssh/known_hosts")),
        policy=policy_of(data),
        retries=int(_number(data, "ssh_connect_retries", 0, 0, 1000, integer=True)),
        retry_min_delay=float(low),
        retry_max_delay=float(high),
        proxy_jump=_text(data, "ssh_proxy_jump"),
        keepalive_interval=float(_number(data, "ssh_keepalive_interval", 15, 0, 86400)
                                 or 15),
    )
