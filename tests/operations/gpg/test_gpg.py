"""gpg.key and gpg.dearmor as (args, facts) -> commands."""

from __future__ import annotations

from typing import Any

import pytest

from corral.facts.files import File
from corral.facts.gpg import GpgKey, GpgKeyrings
from corral.model.errors import OperationError, OperationValueError
from corral.operations import gpg
from corral.testing.optest import fact, plan

FPR_A = "849010B5BEECE14086DF9FDFE0CD6609AF970203"
FPR_B = "7E531EB44A77A20E0A29710810B605185B1B638D"
KEY_A = {"E0CD6609AF970203": {"validity": "-", "length": 255, "fingerprint": FPR_A,
                              "subkeys": {}}}
KEY_B = {"10B605185B1B638D": {"validity": "-", "length": 2048, "fingerprint": FPR_B,
                              "subkeys": {}}}
FILE = {"mode": 644, "user": "root", "group": "root", "size": 100}
DIR = "/etc/apt/keyrings"
SHARE = "/usr/share/keyrings"
KEYRINGS = {
    f"{DIR}/one.gpg": {"format": "gpg", "keys": KEY_A},
    f"{DIR}/both.gpg": {"format": "gpg", "keys": {**KEY_A, **KEY_B}},
    f"{DIR}/both.asc": {"format": "asc", "keys": {**KEY_A, **KEY_B}},
    f"{DIR}/b.asc": {"format": "asc", "keys": KEY_B},
}


def facts(**files: Any) -> dict[Any, Any]:
    """A host with the keyrings above, the key files /tmp/a.asc (key A) and /tmp/b.asc (key
    B), and the File facts given (path -> details, None: missing)."""
    table: dict[Any, Any] = {
        fact(GpgKeyrings, directories=[DIR]): KEYRINGS,
        fact(GpgKeyrings, directories=[SHARE, DIR]): {
            f"{SHARE}/b.gpg": {"format": "gpg", "keys": KEY_B},
            f"{DIR}/b.asc": {"format": "asc", "keys": KEY_B},
            f"{DIR}/both.gpg": {"format": "gpg", "keys": {**KEY_A, **KEY_B}},
        },
        fact(GpgKey, src="/tmp/a.asc"): KEY_A,
        fact(GpgKey, src="/tmp/b.asc"): KEY_B,
        fact(GpgKey, src=f"{DIR}/one.gpg"): KEY_A,
    }
    for path, info in files.items():
        table[fact(File, path=path)] = info
    return table


ONE = f"{DIR}/one.gpg"
NEW = f"{DIR}/new.gpg"

INSTALL_A = (
    "{ if grep -q 'BEGIN PGP PUBLIC KEY BLOCK' -- /tmp/a.asc ; then gpg --batch --yes "
    f"--dearmor -o {NEW}.part -- /tmp/a.asc ; else cp -- /tmp/a.asc {NEW}.part ; fi "
    f"&& chmod 644 {NEW}.part && mv -f {NEW}.part {NEW} ; }} || {{ rm -f {NEW}.part ; false; }}"
)


@pytest.mark.parametrize(("args", "files", "expected"), [
    # already as wanted: the same keys as the file, by id, a URL's file exists
    ({"src": "/tmp/a.asc", "dest": ONE}, {ONE: FILE}, []),
    ({"keyserver": "hkps://k.example", "keyid": "0xAF970203", "dest": ONE}, {ONE: FILE}, []),
    ({"src": "/tmp/a.asc", "keyid": FPR_A, "dest": ONE}, {ONE: FILE}, []),
    ({"src": "https://example.org/key.asc", "dest": ONE}, {ONE: FILE}, []),
    # only the mode differs
    ({"src": "/tmp/a.asc", "dest": ONE, "mode": "0600"}, {ONE: FILE}, [f"chmod 600 {ONE}"]),
    # a missing file; a file holding other keys; an id it does not hold
    ({"src": "/tmp/a.asc", "dest": NEW}, {NEW: None}, [f"mkdir -p -- {DIR}", INSTALL_A]),
    ({"src": "/tmp/b.asc", "dest": ONE}, {ONE: FILE}, [
        f"mkdir -p -- {DIR}", INSTALL_A.replace("a.asc", "b.asc").replace(NEW, ONE)]),
    ({"src": "/tmp/a.asc", "dest": NEW, "dearmor": False}, {NEW: None}, [
        f"mkdir -p -- {DIR}", f"{{ cp -- /tmp/a.asc {NEW}.part && chmod 644 {NEW}.part && "
        f"mv -f {NEW}.part {NEW} ; }} || {{ rm -f {NEW}.part ; false; }}"]),
])
def test_key_install(args: dict[str, Any], files: dict[str, Any], expected: list[str]) -> None:
    result = plan(gpg.key, facts=facts(**files), **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_key_from_url_downloads_installs_and_removes_the_download() -> None:
    result = plan(gpg.key, facts=facts(**{NEW: None}), src="https://example.org/k.asc",
                  dest=NEW)
    assert result.shell[0] == f"mkdir -p -- {DIR}"
    assert "curl -fsSL -o" in result.shell[1] and "https://example.org/k.asc" in result.shell[1]
    download = result.shell[1].split("mv -f ")[1].split()[1]
    assert download.startswith("/var/cache/corral/downloads/")
    assert f"cp -- {download} {NEW}.part" in result.shell[2]
    assert result.shell[3] == f"rm -f {download}"


def test_key_from_keyserver() -> None:
    result = plan(gpg.key, facts=facts(**{NEW: None}), keyserver="hkps://keys.example",
                  keyid=["0xD88E42B4", "7ea0a9c3"], dest=NEW, mode="640")
    assert result.shell[0] == f"mkdir -p -- {DIR}"
    assert "--keyserver hkps://keys.example --recv-keys D88E42B4 7EA0A9C3" in result.shell[1]
    assert result.shell[2] == f"chmod 640 {NEW}"


@pytest.mark.parametrize(("args", "expected"), [
    # already as wanted: a missing file, keys no keyring holds
    ({"dest": NEW}, []),
    ({"keyid": "DEADBEEF", "working_dirs": [DIR]}, []),
    ({"keyid": "10B605185B1B638D", "dest": ONE}, []),
    ({"dest": ONE}, [f"rm -f {ONE}"]),
    # the only key of a file: the file goes; one of two: gpg deletes it from the keyring
    ({"keyid": "AF970203", "dest": ONE}, [f"rm -f {ONE}"]),
    ({"keyid": FPR_B, "dest": f"{DIR}/both.gpg"}, [
        'h=$(mktemp -d) && { gpg --homedir "$h" --batch --yes --no-default-keyring '
        f"--keyring={DIR}/both.gpg --delete-keys {FPR_B} ; r=$?; rm -rf \"$h\"; "
        f"[ $r -eq 0 ]; }} && rm -f '{DIR}/both.gpg~'"]),
])
def test_key_remove(args: dict[str, Any], expected: list[str]) -> None:
    result = plan(gpg.key, facts=facts(**{NEW: None, ONE: FILE}), present=False, **args)
    assert result.shell == expected
    if not expected:
        assert result.notes


def test_key_remove_from_every_keyring_of_the_directories() -> None:
    result = plan(gpg.key, facts=facts(), present=False, keyid=["10B605185B1B638D"],
                  working_dirs=[SHARE, DIR])
    # in path order: the files holding only B go, B is deleted from both.gpg
    assert result.shell[0] == f"rm -f {DIR}/b.asc"
    assert result.shell[1].startswith('h=$(mktemp -d) && { gpg --homedir "$h"')
    assert f"--keyring={DIR}/both.gpg --delete-keys {FPR_B} ;" in result.shell[1]
    assert result.shell[2] == f"rm -f {SHARE}/b.gpg"
    assert len(result.shell) == 3


def test_key_remove_from_armored_file_holding_other_keys_is_refused() -> None:
    with pytest.raises(OperationError, match="armored"):
        plan(gpg.key, facts=facts(), present=False, keyid="AF970203",
             dest=f"{DIR}/both.asc")


@pytest.mark.parametrize("args", [
    {},  # nothing to install from
    {"keyserver": "hkps://k.example", "dest": NEW},  # no keyid
    {"src": "/tmp/a.asc"},  # no dest
    {"src": "/tmp/a.asc", "dest": NEW, "keyid": "xyz"},
    {"src": "/tmp/a.asc", "dest": NEW, "keyid": "$(id)"},
    {"src": "/tmp/a.asc", "dest": NEW, "mode": "644; id"},
    {"src": "/tmp/a.asc", "dest": "a\nb", "keyid": "AF970203"},
    {"src": "/tmp/a.asc", "dest": "a\0b"},
    {"present": False, "keyid": "AF970203", "working_dirs": ["a\nb"]},
    {"present": False},
    {"present": False, "keyid": "AF970203"},  # neither dest nor working_dirs
])
def test_key_bad_input(args: dict[str, Any]) -> None:
    with pytest.raises(OperationValueError):
        plan(gpg.key, facts=facts(**{NEW: None}), **args)


def test_key_dest_that_is_not_a_file() -> None:
    with pytest.raises(OperationError, match="not a file"):
        plan(gpg.key, facts=facts(**{NEW: False}), src="/tmp/a.asc", dest=NEW)


def test_key_paths_with_a_leading_dash_are_never_options() -> None:
    table = facts(**{"./-k.gpg": None})
    result = plan(gpg.key, facts=table, src="-a.asc", dest="-k.gpg", dearmor=False)
    assert result.shell == [
        "mkdir -p -- .", "{ cp -- ./-a.asc ./-k.gpg.part && chmod 644 ./-k.gpg.part && "
        "mv -f ./-k.gpg.part ./-k.gpg ; } || { rm -f ./-k.gpg.part ; false; }"]


@pytest.mark.parametrize(("files", "dest_keys", "expected"), [
    ({ONE: FILE}, KEY_A, []),  # already as wanted
    ({ONE: {**FILE, "mode": 600}}, KEY_A, [f"chmod 644 {ONE}"]),
    ({ONE: FILE}, KEY_B, [f"mkdir -p -- {DIR}", "DEARMOR"]),
    ({ONE: None}, {}, [f"mkdir -p -- {DIR}", "DEARMOR"]),
])
def test_dearmor(files: dict[str, Any], dest_keys: Any, expected: list[str]) -> None:
    table = {**facts(**files), fact(GpgKey, src=ONE): dest_keys}
    result = plan(gpg.dearmor, facts=table, src="/tmp/a.asc", dest=ONE)
    dearmor = (f"{{ gpg --batch --yes --dearmor -o {ONE}.part -- /tmp/a.asc && chmod 644 "
               f"{ONE}.part && mv -f {ONE}.part {ONE} ; }} || {{ rm -f {ONE}.part ; false; }}")
    assert result.shell == [dearmor if c == "DEARMOR" else c for c in expected]
    if not expected:
        assert result.notes


def test_dearmor_bad_input() -> None:
    with pytest.raises(OperationValueError):
        plan(gpg.dearmor, facts=facts(), src="/tmp/a.asc", dest=ONE, mode="x")
    with pytest.raises(OperationError):
        plan(gpg.dearmor, facts=facts(**{ONE: False}), src="/tmp/a.asc", dest=ONE)
