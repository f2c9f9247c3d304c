"""The sandbox the hostile strings run in, and what one run of an operation came to.

A sandbox is a throw-away overlay root over the cached Debian test image, entered through
corral's own engine (``corral.api``) with a connector that is ``@chroot/PATH`` run inside
fresh UTS, network, IPC, mount and PID namespaces: whatever a string that escaped its
quoting would run, and whatever an operation does on purpose (``hostname``, ``iptables``,
``mount``, ``sysctl``, ``reboot``), cannot reach this machine. One persistent ``sh`` per
run, as on any host.

Programs an operation cannot run there (package managers of other systems, database
clients, init systems) are replaced by *recording stubs*: a script that writes its argv
(NUL-separated) and its standard input to ``/var/log/hostile-calls``, prints what the test
configured and exits with the configured code. The shell that parses the commands is the
image's real dash either way.

Every hostile string that could run something runs ``hostilecanary`` (strategies.CANARY),
a program that only records that it ran.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corral import api
from corral.connectors.chroot import ChrootConnector
from corral.model.errors import BadInput
from corral.model.host import Host
from corral.model.results import HostResult, OpResult, OpStatus

from .strategies import CANARY, REDIRECT_CANARY

CALLS = "/var/log/hostile-calls"
CANARY_LOG = "/var/log/hostile-canary"
STUB_CONFIG = "/etc/hostile-stubs"

CANARY_PROGRAM = f"""#!/bin/sh
# a hostile string got out of its quoting: record it (tests/hostile)
printf '%s\\n' "{CANARY} ran: $*" >> {CANARY_LOG}
"""

STUB_PROGRAM = f"""#!/bin/sh
# a recording stub (tests/hostile): argv NUL-separated, then standard input
n=$(/usr/bin/mktemp {CALLS}/$(/usr/bin/date +%s%N).XXXXXX) || exit 99
printf '%s\\0' "$0" "$@" > "$n"
/usr/bin/cat > "$n.in"
c={STUB_CONFIG}/${{0##*/}}
[ ! -f "$c.sh" ] || . "$c.sh"
[ ! -f "$c.out" ] || /usr/bin/cat "$c.out"
[ ! -f "$c.rc" ] || exit "$(/usr/bin/cat "$c.rc")"
exit 0
"""

#: where the sandbox's shell looks for programs (the usual PATH; /bin and /sbin are links)
_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin"]
_UNSHARE = ["unshare", "--uts", "--net", "--ipc", "--mount", "--pid", "--fork"]


class HostileSandboxConnector(ChrootConnector):
    """``@hostile/PATH``: ``@chroot/PATH`` inside namespaces of its own."""

    name = "hostile"

    def __init__(self, host: Host) -> None:
        # the loader makes a chroot target's path absolute; this one's is kept as given
        super().__init__(Host(host.name, host.data, host.groups, host.connector,
                              "/" + host.target.lstrip("/")))

    def argv(self) -> list[str]:
        # the sandbox's own /proc (facts such as server.Mounts read /proc/self/mountinfo)
        return [*_UNSHARE, f"--mount-proc={self.host.target.rstrip('/')}/proc",
                *super().argv()]


@dataclass(frozen=True)
class Call:
    """One run of a stubbed program."""

    argv: tuple[str, ...]  #: argv[0] is the path it was run by
    stdin: str

    @property
    def program(self) -> str:
        return self.argv[0].rsplit("/", 1)[-1]


def _text(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


class Sandbox:
    """An overlay root prepared for hostile runs: canary program, stub machinery."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.target = f"@hostile{root}"
        self._stubbed: set[str] = set()
        self.install()

    # -- paths ----------------------------------------------------------------------------
    def path(self, remote: str) -> Path:
        """A path on the sandbox, as seen from this process (no ``..`` may climb out)."""
        parts = [p for p in remote.split("/") if p and p != "."]
        if ".." in parts:
            raise ValueError(f"refusing to resolve {remote!r} outside the sandbox")
        return self.root.joinpath(*parts)

    def write(self, remote: str, text: str | bytes, mode: int = 0o644) -> None:
        path = self.path(remote)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode() if isinstance(text, str) else text
        path.write_bytes(data)
        path.chmod(mode)

    def read(self, remote: str) -> str | None:
        path = self.path(remote)
        return _text(path.read_bytes()) if path.is_file() else None

    def sh(self, *argv: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run a program in the sandbox directly (argv, no shell), to read state back. Its
        output is decoded as is (no newline translation: a carriage return stays one)."""
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C", "HOME": "/root"}
        done = subprocess.run([*_UNSHARE, "chroot", str(self.root), *argv], env=env,
                              capture_output=True,
                              input=input.encode() if input is not None else None)
        return subprocess.CompletedProcess(done.args, done.returncode, _text(done.stdout),
                                           _text(done.stderr))

    # -- set-up ---------------------------------------------------------------------------
    def install(self) -> None:
        for name in ("/usr/bin", "/usr/local/bin"):
            self.write(f"{name}/{CANARY}", CANARY_PROGRAM, 0o755)
        self.path(CALLS).mkdir(parents=True, exist_ok=True)
        self.path(STUB_CONFIG).mkdir(parents=True, exist_ok=True)

    def stub(self, *programs: str, out: str = "", rc: int = 0) -> None:
        """Replace programs by recording stubs printing ``out`` and exiting with ``rc``: an
        absolute path on the sandbox, or a name, replaced wherever the PATH has it (and put
        in /usr/bin when it has it nowhere)."""
        for program in programs:
            if program.startswith("/"):
                places = [program]
            else:
                places = [f"{d}/{program}" for d in _PATH
                          if os.path.lexists(self.path(f"{d}/{program}"))] or [
                    f"/usr/bin/{program}"]
            for remote in places:
                path = self.path(remote)
                if path.is_symlink() or path.exists():
                    path.unlink()
                self.write(remote, STUB_PROGRAM, 0o755)
                self._stubbed.add(remote)
            self.configure(program.rsplit("/", 1)[-1], out=out, rc=rc)

    def configure(self, program: str, out: str = "", rc: int = 0, hook: str | None = None
                  ) -> None:
        """What a stub prints and how it exits; ``hook``: sh code it runs first (with the
        stub's arguments), e.g. to write the file a download names."""
        base = self.path(f"{STUB_CONFIG}/{program}")
        Path(f"{base}.out").write_text(out)
        Path(f"{base}.rc").write_text(str(rc))
        if hook is not None:
            Path(f"{base}.sh").write_text(hook)

    def reset(self) -> None:
        """Forget calls and canary records (between examples)."""
        calls = self.path(CALLS)
        shutil.rmtree(calls, ignore_errors=True)
        calls.mkdir(parents=True)
        for remote in (CANARY_LOG, REDIRECT_CANARY):
            self.path(remote).unlink(missing_ok=True)

    # -- what happened --------------------------------------------------------------------
    def calls(self, program: str | None = None) -> list[Call]:
        out = []
        directory = self.path(CALLS)
        for entry in sorted(directory.iterdir()):
            if entry.suffix == ".in":
                continue
            argv = tuple(_text(a) for a in entry.read_bytes().split(b"\0")[:-1])
            stdin_path = Path(f"{entry}.in")
            stdin = _text(stdin_path.read_bytes()) if stdin_path.exists() else ""
            call = Call(argv, stdin)
            if argv and (program is None or call.program == program):
                out.append(call)
        return out

    def canary_hits(self) -> list[str]:
        hits = []
        log = self.read(CANARY_LOG)
        if log:
            hits.extend(log.splitlines())
        if self.path(REDIRECT_CANARY).exists():
            hits.append(f"a redirection created {REDIRECT_CANARY}")
        return hits


# -- one run -------------------------------------------------------------------------------

#: what an operation's planning raises for a bug of its own (not a deliberate refusal)
_INTERNAL = re.compile(r"^(?!OperationError|OperationValueError|OperationTypeError)"
                       r"[A-Z]\w*(Error|Exception|Exit|Interrupt)\b.* in operation: ")
#: what dash says when a command it was given does not parse: quoting went wrong
_SH_SYNTAX = re.compile(r"Syntax error:|Bad substitution")


@dataclass
class Outcome:
    """How a run of one operation ended."""

    kind: str  #: applied | refused | rejected | failed | internal
    message: str = ""
    result: OpResult | None = None
    host: HostResult | None = None
    #: the operation planned no command (already as wanted)
    unchanged: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return self.kind == "applied"

    def describe(self) -> str:
        lines = [f"{self.kind}: {self.message}"]
        r = self.result
        if r is not None:
            lines.append(f"  status={r.status} changed={r.changed} error={r.error!r}")
            lines.extend(f"  $ {c[:600]!r}" for c in r.commands)
            for out in r.outputs:
                if out.stderr.strip():
                    lines.append(f"  stderr: {out.stderr.strip()[-600:]!r}")
        if self.host is not None and self.host.error:
            lines.append(f"  host error: {self.host.error!r}")
        return "\n".join(lines)


def run_operation(sandbox: Sandbox, op: Callable[..., Any], kwargs: dict[str, Any],
                  deploy_dir: str | None = None) -> Outcome:
    """Run ``op(**kwargs)`` on the sandbox through ``corral.api``; classify the end."""

    def deploy() -> None:
        op(**kwargs)

    try:
        result = api.run(sandbox.target, deploy)
    except BadInput as exc:
        return Outcome("refused", str(exc))
    host = result.hosts[0]
    if not host.operations:
        return Outcome("internal", f"no operation result (host error: {host.error})",
                       host=host)
    r = host.operations[0]
    if host.error and host.error.startswith("internal error"):
        return Outcome("internal", host.error, r, host)
    if r.status in (OpStatus.OK, OpStatus.CHANGED):
        return Outcome("applied", "", r, host, unchanged=not r.commands)
    error = r.error or host.error or ""
    if _INTERNAL.match(error):
        return Outcome("internal", error, r, host)
    if not r.commands:  # refused while planning (OperationValueError, OperationError)
        return Outcome("refused", error, r, host)
    stderr = "".join(o.stderr for o in r.outputs)
    if _SH_SYNTAX.search(stderr):
        return Outcome("failed", f"the shell could not parse a command: {stderr[-300:]}",
                       r, host)
    return Outcome("rejected", error, r, host)


def quote_calls(calls: Iterable[Call]) -> str:
    return "\n".join(f"  {c.argv!r} stdin={c.stdin[:200]!r}" for c in calls) or "  (none)"


def prepare_root(root: Path) -> None:
    """What every hostile sandbox needs besides the image: /etc/hosts naming this machine
    (sudo and others look it up), a home for root's dot files."""
    hosts = root / "etc/hosts"
    if not hosts.exists():
        hosts.write_text("127.0.0.1\tlocalhost\n")
    os.makedirs(root / "srv/hostile", exist_ok=True)
