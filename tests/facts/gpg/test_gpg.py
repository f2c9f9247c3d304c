"""gpg facts, parsed from real output of GnuPG 2.2.40 (Debian 12's gpg), captured on keys
made for the tests: ``list_keys.txt`` (``gpg --list-keys --with-colons``: an ed25519 key with
two user ids and an encryption subkey, an RSA key, a one-uid key), ``list_secret_keys.txt``
(``--list-secret-keys``), ``show_keys.txt`` (GpgKey's own command on an armored export) and
``keyrings.txt`` (GpgKeyrings' own command over a directory holding a binary keyring, a
keybox, an armored key in a subdirectory, an empty keyring and a file that is no key)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corral.facts import gpg
from corral.model.errors import FactParseError

HERE = Path(__file__).parent
ED = "E0CD6609AF970203"
RSA = "10B605185B1B638D"
FIXTURE = "43B3201E4E12EB37"


def lines(name: str) -> list[str]:
    return (HERE / name).read_text().splitlines()


def test_keys_in_pyinfra_shape() -> None:
    found = gpg.GpgKeys().process(lines("list_keys.txt"))
    assert set(found) == {ED, RSA, FIXTURE}
    assert found[ED] == {
        "validity": "u", "length": 255,
        "fingerprint": "849010B5BEECE14086DF9FDFE0CD6609AF970203",
        # the last user id gpg lists, as pyinfra's parser gives it
        "uid_hash": "9B3E88EED8C534F58EE6E678FAE91FCE13C1AB8F",
        "uid": "Corral Test <corral@example.org>",
        "subkeys": {"59834C433257236E": {
            "validity": "u", "length": 255,
            "fingerprint": "83EA164DE11D4E8B4950F74959834C433257236E"}},
    }
    assert found[RSA]["length"] == 2048 and found[RSA]["subkeys"] == {}


def test_secret_keys_read_sec_and_ssb_records() -> None:
    found = gpg.GpgSecretKeys().process(lines("list_secret_keys.txt"))
    assert set(found) == {ED, RSA, FIXTURE}
    assert set(found[ED]["subkeys"]) == {"59834C433257236E"}
    # a public listing has no sec record: nothing
    assert gpg.GpgSecretKeys().process(lines("list_keys.txt")) == {}


def test_key_file() -> None:
    found = gpg.GpgKey().process(lines("show_keys.txt"))
    assert set(found) == {ED, RSA, FIXTURE}
    assert found[FIXTURE]["uid"] == "Corral Fixture <fixture@example.org>"
    assert found[FIXTURE]["validity"] == "-"  # a throw-away home trusts nothing


def test_keyrings() -> None:
    found = gpg.GpgKeyrings().process(lines("keyrings.txt"))
    base = "/tmp/gpgcap/kr"
    assert set(found) == {f"{base}/vendor.gpg", f"{base}/pubring.kbx",
                          f"{base}/sub/fixture.asc", f"{base}/empty.gpg"}
    assert found[f"{base}/vendor.gpg"]["format"] == "gpg"
    assert set(found[f"{base}/vendor.gpg"]["keys"]) == {ED}
    assert set(found[f"{base}/pubring.kbx"]["keys"]) == {ED, RSA, FIXTURE}
    assert found[f"{base}/sub/fixture.asc"] == {
        "format": "asc", "keys": gpg.GpgKey().process(lines("show_keys.txt")[-3:])}
    assert found[f"{base}/empty.gpg"] == {"format": "gpg", "keys": {}}


def test_a_line_that_is_no_record_fails_the_fact() -> None:
    with pytest.raises(FactParseError):
        gpg.GpgKeys().process(["gpg: WARNING: unsafe ownership"])
    with pytest.raises(FactParseError):
        gpg.GpgKeys().process(["pub:-:x:22:ABCD"])
    assert gpg.GpgKeys().process([]) == {}


def test_missing_file_is_absent_other_failures_are_not() -> None:
    fact = gpg.GpgKey()
    assert fact.is_absent(2, "gpg: can't open '/x': No such file or directory\n")
    assert not fact.is_absent(2, "gpg: no valid OpenPGP data found.\n")


def test_commands() -> None:
    assert gpg.GpgKeys().command() == "gpg --batch --with-colons --list-keys"
    assert gpg.GpgSecretKeys().command("pubring.kbx") == (
        "gpg --batch --with-colons --list-secret-keys --no-default-keyring "
        "--keyring=pubring.kbx")
    # a keyring file is read only if it exists: gpg would create it
    assert gpg.GpgKeys().command("/k/a b.gpg").startswith("if [ -e '/k/a b.gpg' ]; then")
    assert "curl -sSLf -- https://example.org/key" in gpg.GpgKey().command(
        "https://example.org/key")


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` on dash; its output as the engine reads it (no newline translation)."""
    done = subprocess.run(["sh", "-c", command], cwd=cwd, capture_output=True,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "surrogateescape"),
                                       done.stderr.decode("utf-8", "surrogateescape"))


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                      blacklist_characters="\0/\n"), min_size=1, max_size=30))
def test_any_directory_name_is_read_by_name(name: str) -> None:
    """Whatever a directory's name holds (a line break aside: the listing is lines),
    GpgKeyrings lists its keyring by that name and GpgKey reads the file, on dash."""
    if name in (".", ".."):
        return
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp) / name
        where.mkdir()
        (where / "k.asc").write_bytes((HERE / "fixture.asc").read_bytes())
        done = _run(gpg.GpgKeyrings().command([name]), Path(tmp))
        assert done.returncode == 0, done.stderr
        listed = name if not name.startswith(("-", "!", "(")) else f"./{name}"
        found = gpg.GpgKeyrings().process(done.stdout.split("\n")[:-1])
        assert list(found) == [f"{listed}/k.asc"]
        done = _run(gpg.GpgKey().command(str(where / "k.asc")), Path(tmp))
        assert set(gpg.GpgKey().process(done.stdout.split("\n")[:-1])) == {FIXTURE}


def test_commands_on_a_real_sh(tmp_path: Path) -> None:
    """The commands on dash with real gpg: names with quotes, spaces and a leading dash;
    a missing keyring file is not created; nothing is left in the home directory."""
    key = HERE / "fixture.asc"
    odd = tmp_path / "-it's a $(dir)"
    odd.mkdir()
    (odd / "k y.asc").write_bytes(key.read_bytes())
    done = _run(gpg.GpgKeyrings().command(["-it's a $(dir)", "missing"]), tmp_path)
    assert done.returncode == 0, done.stderr
    found = gpg.GpgKeyrings().process(done.stdout.splitlines())
    assert list(found) == ["./-it's a $(dir)/k y.asc"]
    assert set(found["./-it's a $(dir)/k y.asc"]["keys"]) == {FIXTURE}

    done = _run(gpg.GpgKey().command(str(odd / "k y.asc")), tmp_path)
    assert set(gpg.GpgKey().process(done.stdout.splitlines())) == {FIXTURE}
    done = _run(gpg.GpgKey().command(str(odd / "missing")), tmp_path)
    assert gpg.GpgKey().is_absent(done.returncode, done.stderr)

    missing = tmp_path / "no.gpg"
    done = _run(gpg.GpgKeys().command(str(missing)), tmp_path)
    assert (done.returncode, done.stdout) == (0, "") and not missing.exists()
    assert not (tmp_path / ".gnupg").exists()
