"""What the hostile suite found outside the operations and facts: a fact's output is cut
into lines at newlines only (``str.splitlines`` also cut at \\r, \\v, \\f, \\x1c-\\x1e, \\x85,
U+2028 and U+2029: files.block rewrote CRLF files with LF, and a group name holding one
broke the Users facts)."""

from __future__ import annotations

import pytest

from corral.operations import files, server

from .sandbox import Sandbox, run_operation

pytestmark = pytest.mark.integration


def test_a_block_added_to_a_file_keeps_its_other_bytes(sandbox: Sandbox) -> None:
    sandbox.write("/srv/findings/crlf.conf", "a = 1\r\nb = 2\x0cc\n")
    outcome = run_operation(sandbox, files.block, {"path": "/srv/findings/crlf.conf",
                                                   "content": "x"})
    assert outcome.applied, outcome.describe()
    text = sandbox.read("/srv/findings/crlf.conf") or ""
    assert text.startswith("a = 1\r\nb = 2\x0cc\n"), repr(text)


def test_a_group_name_with_a_carriage_return_does_not_stop_user_management(
        sandbox: Sandbox) -> None:
    with sandbox.path("/etc/group").open("a") as group:
        group.write("odd\rname:x:45000:root\n")  # root is a member: its line names it
    outcome = run_operation(sandbox, server.user, {"user": "findings1"})
    assert outcome.applied, outcome.describe()
