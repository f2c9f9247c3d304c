"""gpg.* with the image's real gpg (the sandbox has no network: a keyserver or URL fails
there, after its value reached gpg, curl or wget as one word), and ssh.* with recording
stubs of ssh, scp, ssh-keyscan and ssh-keygen."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from .cases import NAME, Arg, Case, Ctx, any_name, as_is, under_dir
from .checks import Argv, Listing, ReadBack
from .sandbox import Sandbox

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

SSH_PROGRAMS = ("ssh", "scp", "ssh-keyscan", "ssh-keygen")


def _prepare_ssh(box: Sandbox) -> None:
    box.stub(*SSH_PROGRAMS)


def _target_args(program: str) -> tuple[Arg, ...]:
    """hostname and user: refused, or one word of ``program``'s argv after ``--``."""
    return (
        Arg("hostname", as_is("hostname"), (Argv((program,)),)),
        Arg("user", as_is("user"), (Argv((program,)),)),
    )


SSH: list[Case] = [
    Case(
        "ssh.keyscan", lambda c: {"hostname": "two.example"},
        (Arg("hostname", as_is("hostname"), (Argv(("ssh-keyscan",)),)),),
        prepare=_prepare_ssh,
    ),
    Case(
        "ssh.command", lambda c: {"hostname": "two.example", "command": "true"},
        (
            *_target_args("ssh"),
            # shell text the other host runs: here, one argument of ssh, unchanged
            Arg("command", as_is("command"), (Argv(("ssh",), dash=False),)),
        ),
        prepare=_prepare_ssh,
    ),
    Case(
        "ssh.upload", lambda c: {"hostname": "two.example", "filename": c.at("f")},
        (
            *_target_args("scp"),
            Arg("filename", under_dir("filename"), (Argv(("scp",)),)),
            Arg("filename", as_is("filename"), (Argv(("scp",)),), label="filename-relative"),
            Arg("remote_filename", as_is("remote_filename"), (Argv(("scp",)),)),
            Arg("remote_filename", as_is("remote_filename"),
                (Argv(("ssh",), forms=lambda v: [shlex.quote(v)], dash=False),),
                label="remote_filename-sudo", extra={"use_remote_sudo": True}),
        ),
        prepare=_prepare_ssh,
    ),
    Case(
        "ssh.download", lambda c: {"hostname": "two.example", "filename": "/etc/hostname",
                                   "local_filename": c.at("h")},
        (
            *_target_args("scp"),
            Arg("filename", as_is("filename"), (Argv(("scp",)),)),
            Arg("local_filename", under_dir("local_filename"), (Argv(("scp",)),)),
        ),
        prepare=_prepare_ssh,
    ),
]

CASES: list[Case] = [*GPG, *SSH]
