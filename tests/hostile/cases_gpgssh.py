"""gpg.* with the image's real gpg (the sandbox has no network: a keyserver or URL fails
there, after its value reached gpg, curl or wget as one word), and ssh.* with recording
stubs of ssh, scp, ssh-keyscan and ssh-keygen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .cases import NAME, Arg, Case, Ctx, any_name, as_is, under_dir
from .checks import Listing, ReadBack

KEYS = Path(__file__).resolve().parent.parent / "facts" / "gpg"
ARMORED = (KEYS / "fixture.asc").read_text()
FIXTURE = "43B3201E4E12EB37"


def _key_at(path: Any) -> Any:
    def setup(c: Ctx, v: str) -> None:
        if v not in (".", ".."):
            c.sandbox.write(path(c, v), ARMORED)
    return setup


def _gone(path: Any) -> ReadBack:
    """The key file the operation removes is gone when it applied."""
    def read(c: Ctx, v: str, k: dict[str, Any]) -> Any:
        try:
            return c.sandbox.path(path(c, v)).exists()
        except ValueError:
            return None
    return ReadBack(read, expected=lambda v, c, k: False, what="the key file exists")


def _listable(text: str) -> bool:
    """A name GpgKeyrings can list (one per line): gpg.key refuses a line break in it."""
    return any_name(text) and "\n" not in text


def _ring(c: Ctx) -> str:
    return c.at("ring")


GPG: list[Case] = [
    Case(
        "gpg.key", lambda c: {"src": c.at("key.asc"), "dest": c.at("ring", "k.gpg")},
        (
            Arg("src", under_dir("src"), (Listing(_ring, lambda v, c: "k.gpg", kind="file"),),
                setup=_key_at(lambda c, v: c.at(v)), **NAME),
            Arg("src", lambda v, c: {"src": f"https://example.org/{v}"}, label="src-url"),
            Arg("dest", under_dir("dest", "ring"), (Listing(_ring, kind="file"),), **NAME),
            Arg("keyserver", as_is("keyserver"),
                extra={"src": None, "keyid": FIXTURE}),
            Arg("keyid", as_is("keyid"), (Listing(_ring, lambda v, c: "k.gpg", kind="file"),)),
            Arg("mode", as_is("mode")),
            Arg("working_dirs", lambda v, c: {"working_dirs": [c.at(v)]},
                (_gone(lambda c, v: c.at(v, "k.asc")),),
                setup=_key_at(lambda c, v: c.at(v, "k.asc")),
                extra={"src": None, "dest": None, "present": False, "keyid": FIXTURE},
                **{**NAME, "valid": _listable}),
        ),
        setup=lambda c: c.sandbox.write(c.at("key.asc"), ARMORED),
    ),
    Case(
        "gpg.dearmor", lambda c: {"src": c.at("key.asc"), "dest": c.at("ring", "k.gpg")},
        (
            Arg("src", under_dir("src"), (Listing(_ring, lambda v, c: "k.gpg", kind="file"),),
                setup=_key_at(lambda c, v: c.at(v)), **NAME),
            Arg("dest", under_dir("dest", "ring"), (Listing(_ring, kind="file"),), **NAME),
            Arg("mode", as_is("mode")),
        ),
        setup=lambda c: c.sandbox.write(c.at("key.asc"), ARMORED),
    ),
]

CASES: list[Case] = [*GPG]
