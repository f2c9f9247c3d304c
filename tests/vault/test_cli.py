"""``corral vault ...`` as a user runs it: every command, exit codes, one-line errors,
``edit`` through a scripted $EDITOR, and keys never taken from the command line."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import click
import pytest

from corral.cli.vault import vault as vault_group

from ._helpers import FAST, PASSPHRASE, vault, with_passphrase


def init(cwd: Path, *extra: str) -> None:
    ran = vault("init", "--work-factor", FAST, *extra, cwd=cwd, **with_passphrase())
    assert ran.code == 0, ran


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    init(tmp_path)
    for key, value in (("db_password", "hunter2-db\n"), ("api_token", "tok-123456")):
        ran = vault("set", key, cwd=tmp_path, stdin=value, **with_passphrase())
        assert ran.code == 0, ran
    return tmp_path


def test_init_set_get_view_rm(filled: Path) -> None:
    path = filled / "secrets.vault"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "hunter2" not in path.read_text()
    ran = vault("get", "db_password", cwd=filled, **with_passphrase())
    assert (ran.code, ran.out) == (0, "hunter2-db\n")  # one trailing newline dropped by set
    ran = vault("view", cwd=filled, **with_passphrase())
    assert (ran.code, ran.out) == (0, "api_token: tok-123456\ndb_password: hunter2-db\n")
    assert vault("rm", "api_token", cwd=filled, **with_passphrase()).code == 0
    assert vault("view", cwd=filled, **with_passphrase()).out == "db_password: hunter2-db\n"


def test_init_refuses_an_existing_file_and_needs_a_key(filled: Path, tmp_path: Path) -> None:
    before = (filled / "secrets.vault").read_bytes()
    ran = vault("init", cwd=filled, **with_passphrase())
    assert ran.code == 4 and "exists already" in ran.err
    assert (filled / "secrets.vault").read_bytes() == before
    empty = tmp_path / "empty"
    empty.mkdir()
    ran = vault("init", cwd=empty)
    assert ran.code == 4 and "no passphrase" in ran.err
    ran = vault("init", "--no-passphrase", cwd=empty)
    assert ran.code == 4 and "needs at least one --recipient" in ran.err
    assert not list(empty.iterdir())


@pytest.mark.parametrize("args, env, message", [
    (("get", "nope"), with_passphrase(), "no key 'nope' in secrets.vault"),
    (("rm", "nope"), with_passphrase(), "no key 'nope' in secrets.vault"),
    (("view",), {"CORRAL_VAULT_PASSPHRASE": "wrong"}, "wrong passphrase"),
    (("view",), {}, "no key: set CORRAL_VAULT_PASSPHRASE or CORRAL_VAULT_IDENTITY"),
    (("view",), {"CORRAL_VAULT_IDENTITY": "/nonexistent"}, "cannot read identity"),
    (("set", "9bad"), with_passphrase(), "invalid key name"),
    (("--vault", "missing.vault", "view"), with_passphrase(), "no vault file missing.vault"),
    (("view",), with_passphrase(CORRAL_VAULT_FILE="other.vault"), "no vault file other.vault"),
    (("frobnicate",), with_passphrase(), "No such command"),
])
def test_bad_input_is_one_line_exit_4_and_changes_nothing(
        filled: Path, args: tuple[str, ...], env: dict[str, str], message: str) -> None:
    before = (filled / "secrets.vault").read_bytes()
    records = len(_audit_records(filled))
    ran = vault(*args, cwd=filled, stdin="", **env)
    assert ran.code == 4, ran
    assert ran.err.count("\n") == 1 and ran.err.startswith("error: ") and message in ran.err
    assert ran.out == ""
    assert (filled / "secrets.vault").read_bytes() == before
    # nothing else made; nothing audited (the audit log holds the fixture's two sets)
    assert sorted(p.name for p in filled.iterdir()) == [".corral", "secrets.vault"]
    assert len(_audit_records(filled)) == records == 2


def test_a_tampered_or_malformed_file_is_exit_4(filled: Path) -> None:
    path = filled / "secrets.vault"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines[:-1]))  # an entry removed
    ran = vault("get", "db_password", cwd=filled, **with_passphrase())
    assert ran.code == 4 and "integrity check failed" in ran.err and ran.out == ""
    path.write_text("".join(lines).replace("$mac: ", "$mac:"))
    ran = vault("view", cwd=filled, **with_passphrase())
    assert ran.code == 4 and "malformed vault file" in ran.err and ":3:" in ran.err
    # (root reads mode-0 files; a directory cannot be read as a file)
    ran = vault("--vault", str(filled), "view", cwd=filled, **with_passphrase())
    assert ran.code == 4 and "cannot read vault" in ran.err


def test_the_key_is_never_taken_from_the_command_line(filled: Path) -> None:
    for args in (("view", "--passphrase", PASSPHRASE), ("--passphrase", PASSPHRASE, "view"),
                 ("get", "db_password", PASSPHRASE), ("set", "x", "value-on-argv"),
                 ("view", "--identity", "/tmp/id"), ("view", "--key", PASSPHRASE)):
        ran = vault(*args, cwd=filled)
        assert ran.code == 4, (args, ran)
        assert ran.err.startswith("error: ") and ran.err.count("\n") == 1
    # no option of any vault command takes a value that could be a key
    for command in [vault_group, *vault_group.commands.values()]:
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag:
                assert param.name in ("vault_file", "recipients", "added", "dropped",
                                      "work_factor"), param.name


def test_keygen_add_recipient_and_open_with_the_identity(filled: Path, tmp_path: Path) -> None:
    ident = tmp_path / "carol"
    ran = vault("keygen", ident, cwd=tmp_path)
    assert ran.code == 0 and ran.out.startswith("corral-x25519-pub:")
    assert stat.S_IMODE(ident.stat().st_mode) == 0o600
    assert (tmp_path / "carol.pub").read_text() == ran.out
    assert vault("keygen", ident, cwd=tmp_path).code == 4  # never overwrites
    as_carol = {"CORRAL_VAULT_IDENTITY": str(ident)}
    ran = vault("get", "api_token", cwd=filled, **as_carol)
    assert ran.code == 4 and "is not a recipient" not in ran.out
    ran = vault("add-recipient", tmp_path / "carol.pub", cwd=filled, **with_passphrase())
    assert ran.code == 0, ran
    assert vault("get", "api_token", cwd=filled, **as_carol).out == "tok-123456\n"
    ran = vault("add-recipient", tmp_path / "carol.pub", cwd=filled, **with_passphrase())
    assert ran.code == 0 and "already" in ran.err
    # a recipient-only vault
    other = tmp_path / "other"
    other.mkdir()
    ran = vault("init", "--no-passphrase", "--recipient", tmp_path / "carol.pub", cwd=other)
    assert ran.code == 0, ran
    assert vault("set", "k", cwd=other, stdin="v1234", **as_carol).code == 0
    assert vault("get", "k", cwd=other, **as_carol).out == "v1234\n"


def test_rekey(filled: Path, tmp_path: Path) -> None:
    ident = tmp_path / "dave"
    vault("keygen", ident, cwd=tmp_path)
    as_dave = {"CORRAL_VAULT_IDENTITY": str(ident)}
    before = (filled / "secrets.vault").read_text().splitlines()
    ran = vault("rekey", "--recipient", f"{ident}.pub", cwd=filled, **with_passphrase())
    assert ran.code == 0, ran
    after = (filled / "secrets.vault").read_text().splitlines()
    assert set(before[1:]).isdisjoint(after[1:])  # a new data key: every line differs
    assert vault("get", "api_token", cwd=filled, **as_dave).out == "tok-123456\n"
    assert vault("get", "api_token", cwd=filled, **with_passphrase()).code == 0
    # opened with the identity, the passphrase cannot be kept without being given
    ran = vault("rekey", cwd=filled, **as_dave)
    assert ran.code == 4 and "to keep the passphrase" in ran.err
    ran = vault("rekey", "--new-passphrase", cwd=filled, CORRAL_VAULT_NEW_PASSPHRASE="new-pp",
                **as_dave)
    assert ran.code == 0, ran
    assert vault("view", cwd=filled, **with_passphrase()).code == 4
    assert vault("get", "api_token", cwd=filled, CORRAL_VAULT_PASSPHRASE="new-pp").code == 0
    ran = vault("rekey", "--no-passphrase", "--drop-recipient", f"{ident}.pub", cwd=filled,
                **as_dave)
    assert ran.code == 4 and "a passphrase or at least one recipient" in ran.err
    ran = vault("rekey", "--no-passphrase", cwd=filled, **as_dave)
    assert ran.code == 0
    assert vault("view", cwd=filled, CORRAL_VAULT_PASSPHRASE="new-pp").code == 4
    assert "$passphrase" not in (filled / "secrets.vault").read_text()


EDITOR = """\
import json, os, stat, sys
path = sys.argv[1]
st = os.stat(path)
with open(os.environ["EDIT_LOG"], "w") as log:
    json.dump({"path": os.path.realpath(path), "mode": stat.S_IMODE(st.st_mode),
               "dir_mode": stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode),
               "text": open(path).read()}, log)
action = os.environ["EDIT_ACTION"]
if action == "fail":
    sys.exit(3)
text = open(path).read()
if action == "change":
    text = text.replace("api_token: tok-123456", "api_token: 'tok: changed'")
    text += "new_key: |\\n  line one\\n  line two\\n"
elif action == "break":
    text += "oops: [unclosed\\n"
open(path, "w").write(text)
"""


def _edit(cwd: Path, tmp_path: Path, action: str) -> tuple[int, str, dict[str, object]]:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    log = tmp_path / "edit.json"
    ran = vault("edit", cwd=cwd, EDITOR=f"{sys.executable} {script}", EDIT_LOG=str(log),
                EDIT_ACTION=action, **with_passphrase())
    return ran.code, ran.err, json.loads(log.read_text())


def test_edit_through_editor(filled: Path, tmp_path: Path) -> None:
    code, err, seen = _edit(filled, tmp_path, "change")
    assert code == 0, err
    path = str(seen["path"])
    if Path("/dev/shm").is_dir():
        assert path.startswith("/dev/shm/")
    assert seen["mode"] == 0o600 and seen["dir_mode"] == 0o700
    assert "db_password: hunter2-db" in str(seen["text"])
    assert not Path(path).exists() and not Path(path).parent.exists()
    ran = vault("view", cwd=filled, **with_passphrase())
    assert ran.out == ("api_token: 'tok: changed'\ndb_password: hunter2-db\n"
                       "new_key: |\n  line one\n  line two\n")
    assert vault("get", "new_key", cwd=filled, **with_passphrase()).out == \
        "line one\nline two\n"
    # nothing edited: nothing written
    before = (filled / "secrets.vault").read_bytes()
    code, err, _ = _edit(filled, tmp_path, "nothing")
    assert code == 0 and "no changes" in err
    assert (filled / "secrets.vault").read_bytes() == before


@pytest.mark.parametrize("action, code, message", [
    ("break", 4, "not 'KEY: value' text"),
    ("fail", 1, "the editor exited with 3; nothing changed"),
])
def test_a_failed_edit_changes_nothing(filled: Path, tmp_path: Path, action: str, code: int,
                                       message: str) -> None:
    before = (filled / "secrets.vault").read_bytes()
    got, err, seen = _edit(filled, tmp_path, action)
    assert got == code and message in err and err.count("\n") == 1, err
    assert (filled / "secrets.vault").read_bytes() == before
    assert not Path(str(seen["path"])).parent.exists()
    assert not list(filled.glob(".secrets.vault*"))


def test_help_mentions_the_vault(tmp_path: Path) -> None:
    import subprocess

    out = subprocess.run([sys.executable, "-m", "corral", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "corral vault --help" in out
    ran = vault("--help", cwd=tmp_path)
    assert ran.code == 0 and "add-recipient" in ran.out


def _audit_records(cwd: Path) -> list[dict[str, object]]:
    from ._helpers import corral

    listed = corral("audit", "list", "--json", cwd=cwd)
    assert listed.code == 0, listed
    return list(reversed(json.loads(listed.out)))


def test_reads_and_changes_are_in_the_audit_log_by_key_name(filled: Path,
                                                            tmp_path: Path) -> None:
    assert vault("get", "db_password", cwd=filled, **with_passphrase()).code == 0
    assert vault("view", cwd=filled, **with_passphrase()).code == 0
    code, err, _ = _edit(filled, tmp_path, "change")
    assert code == 0, err
    assert vault("rm", "api_token", cwd=filled, **with_passphrase()).code == 0
    seen = [(r["kind"], r["detail"]["command"], r["detail"]["keys"])  # type: ignore[index]
            for r in _audit_records(filled)]
    assert seen == [
        ("vault.change", "corral vault set", ["db_password"]),
        ("vault.change", "corral vault set", ["api_token"]),
        ("vault.read", "corral vault get", ["db_password"]),
        ("vault.read", "corral vault view", ["api_token", "db_password"]),
        ("vault.read", "corral vault edit", ["api_token", "db_password"]),
        ("vault.change", "corral vault edit", ["api_token", "new_key"]),
        ("vault.change", "corral vault rm", ["api_token"]),
    ]
    # the values never reach the store (the canary, as for runs)
    for db in (filled / ".corral").glob("history.db*"):
        data = db.read_bytes()
        assert not any(value in data for value in (b"hunter2", b"tok-", b"line one"))
    from ._helpers import corral

    assert corral("audit", "verify", cwd=filled).code == 0


def test_a_store_that_cannot_be_written_is_said_once_and_the_command_works(
        filled: Path) -> None:
    ran = vault("get", "db_password", cwd=filled, **with_passphrase(
        CORRAL_HISTORY_URL="postgresql://nobody@127.0.0.1:9/none"))
    assert ran.code == 0 and ran.out == "hunter2-db\n", ran
    assert ran.err.count("\n") == 1 and "not recorded in the audit log" in ran.err, ran
    off = vault("get", "db_password", cwd=filled, **with_passphrase(CORRAL_NO_HISTORY="1"))
    assert off.code == 0 and off.err == "", off
