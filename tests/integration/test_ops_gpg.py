"""gpg.key and gpg.dearmor converged for real with the test image's gpg (GnuPG 2.2), on key
files placed on the target (the targets have no network: a URL or a keyserver as the source
is covered by the operations' table tests). tests/ssh/test_ops_gpgssh.py runs them again on
test fleet hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from corral.api import HostStatus
from corral.operations import gpg

from ._helpers import Target, converge, describe, run, single

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parent.parent / "facts" / "gpg"
FIXTURE = "43B3201E4E12EB37"  # fixture.asc's key (ed25519)
OTHER = "10B605185B1B638D"  # other.asc's key (RSA)


def _key_ids(t: Target, keyring: str) -> set[str]:
    """The keys in a keyring file, as the target's gpg reads it."""
    done = t.sh("sh", "-c", 'h=$(mktemp -d); gpg --homedir "$h" --batch --with-colons '
                '--show-keys -- "$1"; r=$?; rm -rf "$h"; exit $r', "sh", keyring, check=False)
    return {line.split(":")[4] for line in done.stdout.splitlines() if line.startswith("pub:")}


def test_key_and_dearmor(target: Target) -> None:
    t = target
    base = t.at("gpg", "it's a dir")
    for name in ("fixture.asc", "other.asc"):
        t.path(f"{base}/{name}").parent.mkdir(parents=True, exist_ok=True)
        t.path(f"{base}/{name}").write_bytes((DATA / name).read_bytes())
    both = (DATA / "fixture.asc").read_bytes() + (DATA / "other.asc").read_bytes()
    t.path(f"{base}/both.asc").write_bytes(both)
    keyrings = f"{base}/keyrings"

    def install() -> None:
        gpg.key(name="from a file", src=f"{base}/fixture.asc",
                dest=f"{keyrings}/fixture key.gpg")
        gpg.key(name="two keys", src=f"{base}/both.asc", dest=f"{keyrings}/both.gpg",
                mode="0640")
        gpg.key(name="by id", src=f"{base}/fixture.asc", keyid=f"0x{FIXTURE[-8:]}",
                dest=f"{keyrings}/by-id.gpg")
        gpg.key(name="kept armored", src=f"{base}/other.asc", dest=f"{keyrings}/other.asc",
                dearmor=False)
        gpg.dearmor(name="dearmor", src=f"{base}/fixture.asc", dest=f"{base}/out/d.gpg",
                    mode="0600")

    converge(t, install)
    assert _key_ids(t, f"{keyrings}/fixture key.gpg") == {FIXTURE}
    assert _key_ids(t, f"{keyrings}/both.gpg") == {FIXTURE, OTHER}
    assert _key_ids(t, f"{base}/out/d.gpg") == {FIXTURE}
    assert t.mode(f"{keyrings}/both.gpg") == 0o640
    assert t.mode(f"{base}/out/d.gpg") == 0o600
    assert t.mode(f"{keyrings}/fixture key.gpg") == 0o644
    assert not t.path(f"{keyrings}/fixture key.gpg").read_bytes().startswith(b"-----")
    assert t.read(f"{keyrings}/other.asc") == (DATA / "other.asc").read_text()
    assert not list(t.path(keyrings).glob("*.part"))

    # a changed key file is installed again
    t.path(f"{base}/fixture.asc").write_bytes((DATA / "other.asc").read_bytes())

    def changed() -> None:
        gpg.key(name="changed file", src=f"{base}/fixture.asc",
                dest=f"{keyrings}/fixture key.gpg")

    converge(t, changed)
    assert _key_ids(t, f"{keyrings}/fixture key.gpg") == {OTHER}

    def remove() -> None:
        # OTHER: deleted from both.gpg (FIXTURE stays), the files holding only it go
        gpg.key(name="remove by id", keyid=OTHER, present=False, working_dirs=[keyrings])
        gpg.key(name="remove a file", dest=f"{keyrings}/by-id.gpg", present=False)

    converge(t, remove)
    assert _key_ids(t, f"{keyrings}/both.gpg") == {FIXTURE}
    assert sorted(p.name for p in t.path(keyrings).iterdir()) == ["both.gpg"]


BAD_KEY = ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!!not radix64\n"
           "-----END PGP PUBLIC KEY BLOCK-----\n")


def test_a_key_gpg_cannot_read_leaves_the_keyring_as_it_was(target: Target) -> None:
    t = target
    base = t.at("gpg-fail")
    t.path(f"{base}/good.asc").parent.mkdir(parents=True, exist_ok=True)
    t.path(f"{base}/good.asc").write_bytes((DATA / "fixture.asc").read_bytes())
    t.path(f"{base}/bad.asc").write_text(BAD_KEY)

    def good() -> None:
        gpg.key(name="good", src=f"{base}/good.asc", dest=f"{base}/ring.gpg")

    converge(t, good)
    before = t.path(f"{base}/ring.gpg").read_bytes()

    def bad() -> None:
        gpg.key(name="bad", src=f"{base}/bad.asc", dest=f"{base}/ring.gpg")

    host = single(run(t, bad))
    assert host.status is HostStatus.FAILED, describe(host)
    assert t.path(f"{base}/ring.gpg").read_bytes() == before
    assert sorted(p.name for p in t.path(base).iterdir()) == ["bad.asc", "good.asc",
                                                              "ring.gpg"]
