"""The vault file through the Python API: round trips, tampering, wrong keys, recipients,
rekey (docs/vault.md)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corral.vault import crypto, text
from corral.vault.fileformat import BANNER, parse
from corral.vault.store import Keys, Vault, VaultError

from ._helpers import PASSPHRASE

FAST = 14


def identity() -> tuple[Keys, bytes]:
    private, public = crypto.generate_identity()
    return (Keys(identity=crypto.parse_private(private), identity_path="id"),
            crypto.parse_public(public))


def make(path: Path, passphrase: str | None = PASSPHRASE, recipients: list[bytes] | None = None,
         values: dict[str, str] | None = None) -> Vault:
    v = Vault.create(path, passphrase, recipients or [], FAST)
    for k, val in (values or {"db_password": "hunter2-db", "api_token": "tok-123456"}).items():
        v.set(k, val)
    v.save()
    return v


def test_round_trip_with_a_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "secrets.vault"
    make(path, values={"db_password": "p4ss word", "multi": "a\nb\n", "empty": "",
                       "unicode": "pässwörd ✓"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    body = path.read_text()
    assert body.startswith(BANNER + "\n")
    assert "p4ss" not in body and "pässwörd" not in body
    # key names readable, one line each, sorted
    names = [line.split(":")[0] for line in body.splitlines() if line[0] not in "#$"]
    assert names == ["db_password", "empty", "multi", "unicode"]
    v = Vault.open(path, Keys(passphrase=PASSPHRASE))
    assert v.values == {"db_password": "p4ss word", "multi": "a\nb\n", "empty": "",
                        "unicode": "pässwörd ✓"}
    assert v.passphrase == PASSPHRASE


def test_round_trip_with_recipients_only_and_with_both(tmp_path: Path) -> None:
    (alice, alice_pub), (bob, bob_pub) = identity(), identity()
    only = tmp_path / "only.vault"
    make(only, None, [alice_pub, bob_pub])
    assert Vault.open(only, alice)["db_password"] == "hunter2-db"
    assert Vault.open(only, bob)["api_token"] == "tok-123456"
    with pytest.raises(VaultError, match="opens with an identity only"):
        Vault.open(only, Keys(passphrase=PASSPHRASE))
    both = tmp_path / "both.vault"
    make(both, PASSPHRASE, [alice_pub])
    assert Vault.open(both, alice)["db_password"] == "hunter2-db"
    assert Vault.open(both, Keys(passphrase=PASSPHRASE))["db_password"] == "hunter2-db"
    with pytest.raises(VaultError, match="not a recipient"):
        Vault.open(both, bob)
    # an identity that is not a recipient falls back to the passphrase when it has one
    bob.passphrase = PASSPHRASE
    assert Vault.open(both, bob)["api_token"] == "tok-123456"


def test_an_unchanged_value_keeps_its_ciphertext(tmp_path: Path) -> None:
    path = tmp_path / "s.vault"
    make(path)
    before = path.read_text().splitlines()
    v = Vault.open(path, Keys(passphrase=PASSPHRASE))
    v.set("db_password", "changed-value")
    v.save()
    after = path.read_text().splitlines()
    changed = {a.split(":")[0] for a, b in zip(before, after, strict=True) if a != b}
    assert changed == {"$mac", "db_password"}  # the review shows which secret changed


def test_wrong_passphrase_and_no_key(tmp_path: Path) -> None:
    path = tmp_path / "s.vault"
    make(path)
    with pytest.raises(VaultError, match="wrong passphrase"):
        Vault.open(path, Keys(passphrase="not it"))
    with pytest.raises(VaultError, match="no key: set CORRAL_VAULT_PASSPHRASE"):
        Vault.open(path, Keys())
    asked: list[str] = []
    v = Vault.open(path, Keys(ask=lambda q: asked.append(q) or PASSPHRASE))
    assert v["api_token"] == "tok-123456" and len(asked) == 1


def test_flipping_any_byte_is_refused(tmp_path: Path) -> None:
    """Every byte of the file (header, recipients, MAC, names, values) is covered: a
    flipped bit is a malformed file, a wrong key or a failed integrity check."""
    alice, alice_pub = identity()
    path = tmp_path / "s.vault"
    make(path, PASSPHRASE, [alice_pub])
    good = path.read_bytes()
    for i in range(len(good)):
        for bit in (0x01, 0x20):
            bad = bytearray(good)
            bad[i] ^= bit
            path.write_bytes(bytes(bad))
            with pytest.raises(VaultError):
                Vault.open(path, alice)
    path.write_bytes(good)
    assert Vault.open(path, alice)["db_password"] == "hunter2-db"


def test_a_tampered_passphrase_entry_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.vault"
    make(path)
    lines = path.read_text().splitlines(keepends=True)
    assert lines[1].startswith("$passphrase: scrypt 14 ")
    for pos in range(len("$passphrase: scrypt 14 "), len(lines[1]) - 1, 7):
        bad = lines[1][:pos] + chr(ord(lines[1][pos]) ^ 1) + lines[1][pos + 1:]
        path.write_text("".join([lines[0], bad, *lines[2:]]))
        with pytest.raises(VaultError):
            Vault.open(path, Keys(passphrase=PASSPHRASE))


def _entries(path: Path) -> tuple[list[str], list[str]]:
    lines = path.read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line[0] not in "#$")
    return lines[:first], lines[first:]


def test_swapped_removed_or_reordered_entries_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.vault"
    make(path, values={"a": "value-of-a", "b": "value-of-b", "c": "value-of-c"})
    head, body = _entries(path)
    (na, va), (nb, vb) = (body[0].split(": "), body[1].split(": "))
    cases = {
        "swapped": [*head, f"{na}: {vb}", f"{nb}: {va}", body[2]],
        "removed": head + body[1:],
        "reordered": [*head, body[1], body[0], body[2]],
        "duplicated": head + body + [body[0]],
    }
    for case, lines in cases.items():
        path.write_text("".join(lines))
        with pytest.raises(VaultError) as err:
            Vault.open(path, Keys(passphrase=PASSPHRASE))
        assert "integrity check failed" in str(err.value) or "twice" in str(err.value), case


def test_a_value_moved_to_another_key_fails_even_with_a_valid_mac(tmp_path: Path) -> None:
    """Defence in depth: the key name is the value's associated data, so even someone who
    could recompute the MAC cannot move a value to another key."""
    path = tmp_path / "s.vault"
    v = make(path, values={"a": "value-of-a", "b": "value-of-b"})
    vf = parse(path.read_text())
    vf.entries["a"], vf.entries["b"] = vf.entries["b"], vf.entries["a"]
    vf.mac = crypto.mac(v._data_key, vf.authenticated())
    path.write_text(vf.render())
    with pytest.raises(VaultError, match="value of a fails authentication"):
        Vault.open(path, Keys(passphrase=PASSPHRASE))


@pytest.mark.parametrize("content, message", [
    (b"", "not a corral vault file"),
    (b"db_password: hunter2\n", "not a corral vault file"),
    (b"# corral-vault v9: future\n", "unsupported vault format"),
    (BANNER.encode() + b"\n$mac: AAAA\n", "no \\$passphrase and no \\$recipient"),
    (BANNER.encode() + b"\n$passphrase: scrypt 30 AAAA AAAA\n", "work factor"),
    (b"\xff\xfe binary", "not ASCII"),
    (BANNER.encode(), "truncated"),
])
def test_malformed_files_are_one_clear_error(tmp_path: Path, content: bytes,
                                             message: str) -> None:
    path = tmp_path / "s.vault"
    path.write_bytes(content)
    with pytest.raises(VaultError, match=message) as err:
        Vault.open(path, Keys(passphrase=PASSPHRASE))
    assert "\n" not in str(err.value)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match=r"no vault file .*corral vault init"):
        Vault.open(tmp_path / "none.vault", Keys(passphrase=PASSPHRASE))
    with pytest.raises(VaultError, match="cannot read vault"):
        Vault.open(tmp_path, Keys(passphrase=PASSPHRASE))  # a directory


def test_add_recipient_then_open_with_that_identity(tmp_path: Path) -> None:
    path = tmp_path / "s.vault"
    make(path)
    carol, carol_pub = identity()
    with pytest.raises(VaultError, match="identity carol is not a recipient"):
        Vault.open(path, Keys(identity=carol.identity, identity_path="carol"))
    v = Vault.open(path, Keys(passphrase=PASSPHRASE))
    assert v.add_recipient(carol_pub) and not v.add_recipient(carol_pub)
    v.save()
    opened = Vault.open(path, carol)
    assert opened["db_password"] == "hunter2-db"
    assert opened.recipients == [crypto.PUBLIC_PREFIX + crypto.b64(carol_pub)]


def test_rekey_changes_every_line_and_the_keys(tmp_path: Path) -> None:
    alice, alice_pub = identity()
    path = tmp_path / "s.vault"
    make(path, PASSPHRASE, [alice_pub])
    before = path.read_text().splitlines()
    v = Vault.open(path, Keys(passphrase=PASSPHRASE))
    v.rekey("a new passphrase", [], FAST)
    v.save()
    after = path.read_text().splitlines()
    assert [a for a, b in zip(before[1:], after[1:], strict=False) if a == b] == []
    with pytest.raises(VaultError, match="wrong passphrase"):
        Vault.open(path, Keys(passphrase=PASSPHRASE))
    with pytest.raises(VaultError):
        Vault.open(path, alice)  # dropped
    assert Vault.open(path, Keys(passphrase="a new passphrase")).values == {
        "db_password": "hunter2-db", "api_token": "tok-123456"}
    with pytest.raises(VaultError, match="a passphrase or at least one recipient"):
        v.rekey(None, [])


def test_writes_are_atomic_and_leave_no_temporary_file(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.vault"
    make(path)
    good = path.read_bytes()
    v = Vault.open(path, Keys(passphrase=PASSPHRASE))
    v.set("x", "new-value")

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("corral.vault.store.os.replace", crash)
    with pytest.raises(OSError):
        v.save()
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["s.vault"]
    monkeypatch.undo()
    v.save()
    assert Vault.open(path, Keys(passphrase=PASSPHRASE))["x"] == "new-value"
    assert [p.name for p in tmp_path.iterdir()] == ["s.vault"]


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,20}", fullmatch=True),
                       st.text(st.characters(blacklist_categories=["Cs"]), max_size=40),
                       max_size=6))
def test_the_edit_text_reads_back_as_written(values: dict[str, str]) -> None:
    assert text.load(text.dump(values, "secrets.vault")) == values
