"""iptables.rules_file: apply an iptables-restore file atomically, only when needed."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from corral.facts.files import FileContents
from corral.facts.iptables import IptablesDigest, digest_command, iptables_key
from corral.model import keys
from corral.model.command import FileUploadCommand, QuoteString, StringCommand
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.keys import Key
from corral.model.operation import OpGenerator, operation
from corral.operations.files._util import local_path, read_local

STATE_DIR = "/var/lib/corral/iptables"
_NAME = r"[A-Za-z0-9_.:+-]{1,64}"


def parse_restore_file(text: str) -> tuple[list[str], list[str], list[str]]:
    """Tables, declared chains, and chains given rules (``-A``) of an iptables-restore file."""
    tables: list[str] = []
    declared: list[str] = []
    appended: list[str] = []
    open_table: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if match := re.fullmatch(rf"\*({_NAME})", line):
            if open_table:
                raise OperationValueError(f"line {number}: table {open_table} has no COMMIT")
            open_table = match.group(1)
            tables.append(open_table)
        elif line == "COMMIT":
            if not open_table:
                raise OperationValueError(f"line {number}: COMMIT outside a table")
            open_table = None
        elif not open_table:
            raise OperationValueError(f"line {number}: outside a table: {line!r}")
        elif match := re.match(rf":({_NAME})\s", line + " "):
            declared.append(match.group(1))
        elif match := re.match(rf"-[AI]\s+({_NAME})\s", line + " "):
            appended.append(match.group(1))
    if open_table:
        raise OperationValueError(f"table {open_table} has no COMMIT")
    if not tables:
        raise OperationValueError("no table in the rules file")
    return tables, declared, appended


def _changes(*_args: Any, version: int = 4, **_kwargs: Any) -> list[Key]:
    return [iptables_key(version), keys.path(STATE_DIR)]


@operation(changes=_changes, name="iptables.rules_file")
def rules_file(src: str, version: int = 4, noflush: bool = False) -> OpGenerator:
    """Apply an ``iptables-restore`` file atomically, and again only when it or the rules
    it set changed (a corral operation).

    + src: the local rules file (relative to the deploy directory), in iptables-save form
    + version: 4 for ``iptables-restore``, 6 for ``ip6tables-restore``
    + noflush: keep what the file does not name (``--noflush``): only the chains it
      declares (``:NAME - [0:0]``) are replaced, each of which must be a chain of its own

    Without ``noflush`` the file replaces every table it names. Each table is replaced in
    one step. After applying it, corral stores the file's digest and a digest of the
    resulting rules under ``/var/lib/corral/iptables``; the next run applies the file
    again only when one of them differs (the file changed, or someone changed the rules).

    Example:
        iptables.rules_file(
            name="The app's firewall chain",
            src="files/app-chain.rules",
            noflush=True,
        )
    """
    if version not in (4, 6):
        raise OperationValueError(f"version is 4 or 6, not {version}")
    content = read_local(local_path(src))
    tables, declared, appended = parse_restore_file(content.decode("utf-8", "replace"))
    chains: list[str] | None = None
    if noflush:
        builtin = {"INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"}
        outside = sorted({c for c in appended if c not in declared} | (set(declared) & builtin))
        if outside:
            raise OperationValueError(
                "with noflush=True, rules go only in chains the file declares, and not "
                f"built-in chains: {', '.join(outside)}"
            )
        chains = sorted(set(declared))
    scope = hashlib.sha256(repr((version, tables, chains)).encode()).hexdigest()[:16]
    base = f"{STATE_DIR}/{scope}.v{version}"
    file_sha = hashlib.sha256(content).hexdigest()

    recorded = host.get_fact(FileContents, path=f"{base}.state")
    digest = host.get_fact(IptablesDigest, tables=tables, chains=chains, version=version)
    if recorded == [f"{file_sha} {digest}"]:
        host.noop("the iptables rules file is applied and the rules are unchanged")
        return

    program = "iptables-restore" if version == 4 else "ip6tables-restore"
    yield StringCommand("mkdir", "-p", "-m", "700", QuoteString(STATE_DIR))
    yield FileUploadCommand(content, f"{base}.rules", mode="600")
    yield StringCommand(
        program, "--noflush" if noflush else None, "<", QuoteString(f"{base}.rules"),
        "&&", "printf", "'%s %s\\n'", file_sha,
        f'"$({digest_command(version, tables, chains)})"',
        ">", QuoteString(f"{base}.state"),
    )
