"""Helpers shared by the integration tests: targets, and the converge-twice-then-dry check."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corral import api
from corral.api import Config, HostResult, HostStatus, OpResult, OpStatus, RunResult
from corral.testing.fleet import Fleet
from corral.testing.fleet_host import children

Deploy = Callable[[], Any] | str | Path


@dataclass(frozen=True)
class Target:
    """A host to run against, and how to inspect its file system from this process."""

    name: str  #: the host's name in results: "@chroot/PATH", "@local", "fleet-001"
    base: str  #: a directory on the target the tests may fill (a path on the target)
    user: str  #: an existing unprivileged user on the target, to own files
    group: str  #: an existing group on the target
    locate: Callable[[], Path]  #: where the target's "/" is on this machine, right now
    inventory: str = ""  #: what corral runs against (an inventory file); default: name
    data: Mapping[str, Any] = field(default_factory=dict)  #: the host's inventory data
    config: Mapping[str, Any] = field(default_factory=dict)  #: Config settings for runs

    @classmethod
    def chroot(cls, root: Path) -> Target:
        return cls(f"@chroot{root}", "/srv/it", "corral", "corral", lambda: root)

    @classmethod
    def local(cls, base: Path) -> Target:
        """This machine, limited to a temporary directory (nothing else is changed)."""
        return cls("@local", str(base), "nobody", "nogroup", lambda: Path("/"))

    @classmethod
    def ssh(cls, fleet: Fleet, host: str, directory: Path, user: str = "root",
            **config: Any) -> Target:
        """A test fleet host over SSH, logging in as ``user`` (``SUDO=True`` in ``config``
        for a user that is not root). Its file system is seen through its sshd's
        ``/proc/PID/root`` (looked up on each use: a restarted host has a new sshd)."""
        name = fleet.host(host).name
        data = dict(fleet.inventory(user))[name]
        inventory = directory / f"{name}-{user}.py"
        inventory.write_text(f"hosts = [({name!r}, {data!r})]\n")

        def locate() -> Path:
            pid = fleet.host(name).pid
            sshd = children(pid)
            if not pid or not sshd:
                raise RuntimeError(f"fleet host {name} is not running")
            return Path(f"/proc/{sshd[0]}/root")

        return cls(name, "/srv/it", "corral", "corral", locate, str(inventory), data, config)

    @property
    def root(self) -> Path:
        return self.locate()

    @property
    def target(self) -> str:
        """The inventory to give corral."""
        return self.inventory or self.name

    def run_config(self) -> Config | None:
        """A fresh run configuration (deploy code may change it), or None for defaults."""
        return Config(**self.config) if self.config else None

    def with_data(self, directory: Path, **data: Any) -> Target:
        """This target, from an inventory file (in ``directory``) giving it more data."""
        merged = {**self.data, **data}
        inventory = write_inventory(directory, self.name, **merged)
        return replace(self, inventory=str(inventory), data=merged)

    def path(self, remote: str) -> Path:
        """A path on the target, as seen from this process."""
        return self.root / remote.lstrip("/")

    def at(self, *parts: str) -> str:
        """A path under the tests' directory, as seen on the target."""
        return "/".join([self.base.rstrip("/"), *parts])

    def _names(self, table: str) -> dict[int, str]:
        out: dict[int, str] = {}
        for line in self.path(f"/etc/{table}").read_text().splitlines():
            fields = line.split(":")
            if len(fields) >= 3 and fields[2].isdigit():
                out.setdefault(int(fields[2]), fields[0])
        return out

    def owner(self, remote: str) -> tuple[str, str]:
        """(user, group) owning a path, named with the target's own passwd and group."""
        st = os.lstat(self.path(remote))
        return self._names("passwd")[st.st_uid], self._names("group")[st.st_gid]

    def mode(self, remote: str) -> int:
        """A path's permission bits, e.g. 0o640."""
        return os.lstat(self.path(remote)).st_mode & 0o7777

    def read(self, remote: str) -> str:
        return self.path(remote).read_text()

    def passwd(self, user: str) -> list[str] | None:
        """The fields of a user's /etc/passwd entry on the target, or None."""
        for line in self.read("/etc/passwd").splitlines():
            fields = line.split(":")
            if fields[0] == user:
                return fields
        return None

    def group_entry(self, name: str) -> list[str] | None:
        """The fields of a group's /etc/group entry on the target, or None."""
        for line in self.read("/etc/group").splitlines():
            fields = line.split(":")
            if fields[0] == name:
                return fields
        return None

    def sh(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command on the target directly (not through corral)."""
        root = self.root
        cmd = list(argv) if root == Path("/") else ["chroot", str(root), *argv]
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HOME": "/root"}
        return subprocess.run(cmd, capture_output=True, text=True, env=env, check=check)


Inventory = Target | str | Path


def run(inventory: Inventory, deploy: Deploy | Sequence[Deploy], **kwargs: Any) -> RunResult:
    """Run against a target (with its settings), or an inventory file or target string."""
    if isinstance(inventory, Target):
        kwargs.setdefault("config", inventory.run_config())
        inventory = inventory.target
    return api.run(str(inventory), deploy, **kwargs)


def describe(host: HostResult) -> str:
    lines = [f"host {host.host}: {host.status} {host.error or ''}"]
    for op in host.operations:
        lines.append(f"  {op.name}: {op.status} changed={op.changed} error={op.error}")
        lines.extend(f"    $ {c}" for c in op.commands)
        for out in op.outputs:
            if out.stderr.strip():
                lines.append(f"    stderr: {out.stderr.strip()[-300:]}")
    return "\n".join(lines)


def single(result: RunResult) -> HostResult:
    assert len(result.hosts) == 1, result
    return result.hosts[0]


def ops(host: HostResult) -> dict[str, OpResult]:
    """A host's operation results by name (names are unique in these tests' deploys)."""
    out = {op.name: op for op in host.operations}
    assert len(out) == len(host.operations), "operation names must be unique in a test"
    return out


def converge(
    inventory: Inventory,
    deploy: Deploy | Sequence[Deploy],
    always_changed: Iterable[str] = (),
) -> HostResult:
    """Apply a deploy, apply it again, then plan it dry; return the first run's host result.

    The first run must succeed. The second must change nothing and the dry run must plan
    no change, except for the operations named in ``always_changed`` (not idempotent by
    design), which must report a change every time. Operations skipped (``_if``) on the
    first run must be skipped on the second.
    """
    always = set(always_changed)

    first = single(run(inventory, deploy))
    assert first.status in (HostStatus.OK, HostStatus.CHANGED), describe(first)
    for op in first.operations:
        assert op.status in (OpStatus.OK, OpStatus.CHANGED, OpStatus.SKIPPED), describe(first)
        assert op.error is None, describe(first)
    skipped = {op.name for op in first.operations if op.status is OpStatus.SKIPPED}
    for name in always:
        assert ops(first)[name].changed, describe(first)

    second = single(run(inventory, deploy))
    assert second.status in (HostStatus.OK, HostStatus.CHANGED), describe(second)
    assert [op.name for op in second.operations] == [op.name for op in first.operations]
    for op in second.operations:
        if op.name in always:
            assert (op.status, op.changed) == (OpStatus.CHANGED, True), describe(second)
        elif op.name in skipped:
            assert (op.status, op.changed) == (OpStatus.SKIPPED, False), describe(second)
        else:
            assert (op.status, op.changed) == (OpStatus.OK, False), describe(second)
            assert op.diffs == (), describe(second)
    assert second.changed == len(always & {op.name for op in second.operations})

    dry = single(run(inventory, deploy, dry=True))
    assert dry.status is not HostStatus.FAILED, describe(dry)
    for op in dry.operations:
        assert op.changed is (op.name in always), describe(dry)
        assert op.error is None, describe(dry)
    return first


def write_inventory(directory: Path, target: str, **data: Any) -> Path:
    """An inventory file holding one host with data (values must have a Python repr)."""
    path = directory / "inventory.py"
    path.write_text(f"hosts = [({target!r}, {data!r})]\n")
    return path


def write_hosts(root: Path) -> None:
    """Give the root an /etc/hosts naming this machine: a chroot shares its host name, and
    without an entry sudo asks DNS for it on every call (up to a 5 s resolver timeout)."""
    hosts = root / "etc/hosts"
    if not hosts.exists():
        hosts.write_text(
            f"127.0.0.1\tlocalhost\n127.0.1.1\t{socket.gethostname()}\n"
            "::1\t\tlocalhost ip6-localhost ip6-loopback\n"
        )

