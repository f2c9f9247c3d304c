"""Global arguments that reach a shell (``_env`` names and values, ``_chdir``,
``_shell_executable``, ``_sudo_user``, ``_su_user``, ``_sudo_password``), given hostile
strings: quotes, ``$(...)``, backquotes, ``;``, newlines, ``&``, ``|``, a leading ``-``,
spaces, unicode. Each is either refused as bad input when the operation is called, or
reaches its program byte-exact; the canary command in it never runs. On a real dash; sudo
and su are stand-ins on the PATH that write down their arguments (and what sudo would read
as the password), since what is tested is the shell text corral builds."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corral.connectors.shell import wrap
from corral.model.errors import BadInput
from corral.model.operation import GlobalArgs, build_global_args, validate_globals

DASH = shutil.which("dash")
pytestmark = pytest.mark.skipif(DASH is None, reason="needs dash")

#: pieces of hostile strings; {c} is the canary's path
_PIECES = ["$(touch {c})", "`touch {c}`", "; touch {c}", "\ntouch {c}\n", "| touch {c}",
           "& touch {c}", "&& touch {c}", "' ; touch {c} ; '", '" ; touch {c} ; "', "'", '"',
           "\\", "-", "--", "-x", " ", "\t", "é", "☃", "\u200b", "$HOME", "${x}", "*", "?",
           "#", "~", "=", "!", "{", "}", "(", ")", "<", ">", "%s", "%", "\x7f", "\x01", "\n",
           "a", "app", "x.y", "_", "/", "/bin/sh", "0"]
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=3)
_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)


def _hostile(canary: Path) -> st.SearchStrategy[str]:
    piece = st.sampled_from(_PIECES).map(lambda p: p.replace("{c}", str(canary))) | _TEXT
    return st.lists(piece, min_size=1, max_size=5).map("".join)


_SUDO = """#!/bin/sh
out={out}/sudo.$$
printf '%s\\0' "$@" > "$out.argv"
prompt=; prev=
for a; do
    [ "$prev" = -p ] && prompt=$a
    [ "$a" = -v ] && {{ IFS= read -r line; printf '%s' "$line" > "$out.checked"; exit 0; }}
    prev=$a
done
case " $* " in *" -A "*) "$SUDO_ASKPASS" "$prompt" > "$out.asked";; esac
exit 0
"""
_RECORDER = """#!/bin/sh
printf '%s\\0' "$0" "$@" > {out}/{name}.$$.argv
"""


@pytest.fixture
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("hostile")
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _program(directory: Path, name: str, text: str) -> None:
    path = directory / "bin" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


def _reset(sandbox: Path) -> tuple[Path, Path, Path]:
    """Fresh directories for one example: records, a working directory, the canary."""
    for name in ("out", "cwd", "bin"):
        shutil.rmtree(sandbox / name, ignore_errors=True)
        (sandbox / name).mkdir()
    out = sandbox / "out"
    _program(sandbox, "sudo", _SUDO.format(out=out))
    _program(sandbox, "su", _RECORDER.format(out=out, name="su"))
    canary = sandbox / "canary"
    canary.unlink(missing_ok=True)
    return out, sandbox / "cwd", canary


def _globals(given: dict[str, Any]) -> GlobalArgs | None:
    """The operation's global arguments as the call makes them; None when refused."""
    try:
        validate_globals(given, ("deploy.py", 1), "server.shell")
    except BadInput as exc:
        assert exc.file == "deploy.py" and exc.line == 1 and exc.operation == "server.shell"
        assert next(iter(given)) in str(exc)
        return None
    return build_global_args(given, {})


def _dash(sandbox: Path, text: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    assert DASH is not None
    env = {"PATH": f"{sandbox}/bin:/usr/bin:/bin", "HOME": str(sandbox)}
    return subprocess.run([DASH, "-c", text], cwd=cwd, env=env, capture_output=True,
                          timeout=10, stdin=subprocess.DEVNULL)


def _records(out: Path, suffix: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted(out.glob(f"*{suffix}"))]


_SETTINGS = settings(max_examples=150, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])


@_SETTINGS
@given(data=st.data())
def test_env_names_and_values(sandbox: Path, data: st.DataObject) -> None:
    _, cwd, canary = _reset(sandbox)
    name = data.draw(_hostile(canary) | _NAMES)
    value = data.draw(_hostile(canary))
    g = _globals({"_env": {name: value}})
    if g is not None:
        ran = _dash(sandbox, wrap(f'printf "%s" "${name}"', g), cwd)
        assert ran.returncode == 0, ran
        assert ran.stdout == value.encode()
    assert not canary.exists()


@_SETTINGS
@given(data=st.data())
def test_chdir(sandbox: Path, data: st.DataObject) -> None:
    _, cwd, canary = _reset(sandbox)
    directory = data.draw(_hostile(canary))
    simple = "/" not in directory and directory not in ("", ".", "..")
    if simple and "\0" not in directory:
        (cwd / directory).mkdir()
    g = _globals({"_chdir": directory})
    if g is not None:
        ran = _dash(sandbox, wrap("pwd", g), cwd)
        if simple:
            assert ran.returncode == 0, ran
            assert ran.stdout == f"{cwd}/{directory}\n".encode()
    assert not canary.exists()


@_SETTINGS
@given(data=st.data())
def test_shell_executable(sandbox: Path, data: st.DataObject) -> None:
    out, cwd, canary = _reset(sandbox)
    shell = data.draw(_hostile(canary) | st.from_regex(r"[a-z][a-z0-9.+-]{0,6}", fullmatch=True))
    g = _globals({"_shell_executable": shell})
    if g is not None and shell != "sh":
        if not shell.startswith("/"):
            _program(sandbox, shell, _RECORDER.format(out=out, name="shell"))
        ran = _dash(sandbox, wrap("echo it's", g), cwd)
        if not shell.startswith("/"):
            assert ran.returncode == 0, ran
            argv = _records(out, ".argv")[0].split(b"\0")[:-1]
            assert argv[0] == f"{sandbox}/bin/{shell}".encode()
            assert argv[1:] == [b"-c", b"echo it's"]
    assert not canary.exists()


@_SETTINGS
@given(data=st.data())
def test_sudo_and_su_users(sandbox: Path, data: st.DataObject) -> None:
    out, cwd, canary = _reset(sandbox)
    user = data.draw(_hostile(canary) | st.from_regex(r"[a-z_][a-z0-9_.-]{0,6}", fullmatch=True))
    for given_ in ({"_sudo": True, "_sudo_user": user}, {"_su_user": user}):
        key = next(k for k in given_ if k.endswith("user"))
        try:
            validate_globals({key: user}, ("deploy.py", 1), "server.shell")
        except BadInput:
            continue
        shutil.rmtree(out)
        out.mkdir()
        g = build_global_args(given_, {})
        ran = _dash(sandbox, wrap("true", g), cwd)
        assert ran.returncode == 0, ran
        argv = b"".join(_records(out, ".argv")).split(b"\0")[:-1]
        if key == "_sudo_user":
            assert argv[argv.index(b"-u") + 1] == user.encode(), argv
        else:
            assert argv[1] == user.encode(), argv
    assert not canary.exists()


@_SETTINGS
@given(data=st.data())
def test_sudo_password(sandbox: Path, data: st.DataObject) -> None:
    """The password as sudo would read it, from the one-attempt check's input and from its
    askpass program, byte-exact; sudo's arguments are the same whatever the password."""
    out, cwd, canary = _reset(sandbox)
    password = data.draw(_hostile(canary))
    g = _globals({"_sudo": True, "_sudo_password": password})
    if g is not None:
        ran = _dash(sandbox, wrap("true", g), cwd)
        assert ran.returncode == 0, ran
        assert _records(out, ".checked") == [password.encode()]
        assert _records(out, ".asked") == [password.encode() + b"\n"]
        argvs = sorted(_records(out, ".argv"))
        out, cwd, canary = _reset(sandbox)
        _dash(sandbox, wrap("true", build_global_args(
            {"_sudo": True, "_sudo_password": "other"}, {})), cwd)
        assert argvs == sorted(_records(out, ".argv"))
    assert not canary.exists()


def test_hostile_values_are_refused_and_good_ones_accepted() -> None:
    refused: list[dict[str, Any]] = [
        {"_env": {"A; touch /tmp/x; B": "1"}},
        {"_env": {"A=1": "1"}},
        {"_env": {"1A": "1"}},
        {"_env": {"A": "a\0b"}},
        {"_shell_executable": "sh -c 'touch /tmp/x' #"},
        {"_shell_executable": "bash;id"},
        {"_shell_executable": "exec"},
        {"_shell_executable": "eval"},
        {"_shell_executable": "-sh"},
        {"_shell_executable": "bin/sh"},
        {"_shell_executable": ""},
        {"_sudo_user": "root -s"},
        {"_sudo_user": "-s"},
        {"_sudo_user": "$(id)"},
        {"_su_user": "#0"},
        {"_su_user": "a\nb"},
        {"_chdir": "-"},
        {"_chdir": ""},
        {"_sudo_password": "two\nlines"},
        {"_sudo_password": 1234},
        {"_timeout": float("nan")},
        {"_timeout": -1},
        {"_timeout": True},
        {"_retries": -1},
        {"_retries": 1.5},
        {"_retry_delay": float("inf")},
        {"_success_exit_codes": []},
        {"_success_exit_codes": [256]},
        {"_success_exit_codes": [True]},
        {"_success_exit_codes": ["0"]},
    ]
    for given_ in refused:
        with pytest.raises(BadInput) as exc:
            validate_globals(given_, ("deploy.py", 7), "server.shell")
        assert exc.value.file == "deploy.py" and exc.value.line == 7
        assert next(iter(given_)) in str(exc.value)
    accepted: list[dict[str, Any]] = [
        {"_env": {"PATH": "/usr/bin", "_x1": "$(not run) 'q' \"d\"\n"}},
        {"_shell_executable": "bash"},
        {"_shell_executable": "/usr/local/bin/zsh-5.9"},
        {"_sudo_user": "www-data"},
        {"_sudo_user": "#1000"},
        {"_sudo_user": "svc$"},
        {"_su_user": "first.last@example.com"},
        {"_chdir": "/srv/my app/it's"},
        {"_sudo_password": "it's $ecret; `x` \\"},
        {"_timeout": 0},
        {"_timeout": 2.5},
        {"_retries": 3},
        {"_retry_delay": 0.5},
        {"_success_exit_codes": (0, 1, 255)},
    ]
    for given_ in accepted:
        validate_globals(given_, ("deploy.py", 7), "server.shell")


def test_a_plain_word_of_each_kind_reaches_dash_unquoted_as_it_is(sandbox: Path) -> None:
    """Sanity of the stand-ins: an ordinary value reaches each program."""
    out, cwd, _ = _reset(sandbox)
    ran = _dash(sandbox, wrap("true", build_global_args(
        {"_sudo": True, "_sudo_user": "app", "_sudo_password": "pw"}, {})), cwd)
    assert ran.returncode == 0, ran
    assert _records(out, ".checked") == [b"pw"]
    assert any(b"\0-u\0app\0" in argv for argv in _records(out, ".argv"))
    assert os.access(sandbox / "bin" / "sudo", os.X_OK)
