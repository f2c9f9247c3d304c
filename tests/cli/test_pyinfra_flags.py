"""pyinfra 3.10's flags with their meaning, on ``@local`` (every deploy here touches only
tmp_path): data and group data, config files, the working directory, retries, the shell,
which hosts run, how much is printed; and bad values: one line, exit 4, nothing run.
The flags that act on how hosts are reached (--user, --port, --key, --password, --sudo,
--su-user, --serial) are tested on fleet hosts (test_ssh_flags.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corral.cli import flags
from corral.model.errors import BadInput

from ._helpers import Ran, corral, corral_tty, write

#: a deploy that writes the host data keys it is asked about into ``out`` as JSON
SHOW_DATA = """\
import json
from corral import host
from corral.operations import files
keys = {keys!r}
files.put(name="data", src=__import__("io").StringIO(
    json.dumps({{k: host.data.get(k) for k in keys}}, sort_keys=True)), dest={out!r})
"""


def bad(ran: Ran, *parts: str) -> None:
    assert ran.code == 4, ran
    assert len(ran.err_lines) == 1, ran
    for part in parts:
        assert part in ran.err, (part, str(ran))
    assert "Traceback" not in ran.err and "Usage:" not in ran.err


def shown(tmp_path: Path, *args: str, keys: list[str], inventory: str = "@local") -> dict:
    out = tmp_path / "out.json"
    out.unlink(missing_ok=True)
    write(tmp_path / "show.py", SHOW_DATA.format(keys=keys, out=str(out)))
    ran = corral(inventory, "show.py", "-y", *args, cwd=tmp_path)
    assert ran.code == 0, ran
    return dict(json.loads(out.read_text()))


# -- data -----------------------------------------------------------------------------------


def test_data_values_are_read_as_pyinfra_reads_them(tmp_path: Path) -> None:
    got = shown(tmp_path, "--data", "n=42", "--data", "yes=True", "--data", "no=false",
                "--data", 'list=["a", 1]', "--data", "text=hello world",
                "--data", "eq=a=b", "--data", "empty=",
                keys=["n", "yes", "no", "list", "text", "eq", "empty"])
    assert got == {"n": 42, "yes": True, "no": False, "list": ["a", 1],
                   "text": "hello world", "eq": "a=b", "empty": ""}


def test_data_overrides_every_layer(tmp_path: Path) -> None:
    write(tmp_path / "inventory.py", 'web = [("@local", {"a": "host", "b": "host"})]\n')
    write(tmp_path / "group_data" / "web.py", "a = 'group'\nc = 'group'\n")
    write(tmp_path / "group_data" / "all.py", "d = 'all'\n")
    got = shown(tmp_path, "--data", "a=cli", "--data", "c=cli", "--data", "d=cli",
                keys=["a", "b", "c", "d"], inventory="inventory.py")
    assert got == {"a": "cli", "b": "host", "c": "cli", "d": "cli"}


def test_group_data_directories_and_files_override_in_order(tmp_path: Path) -> None:
    write(tmp_path / "inventory.py", 'web = ["@local"]\n')
    write(tmp_path / "group_data" / "web.py", "a = 'base'\nb = 'base'\nc = 'base'\n")
    write(tmp_path / "more" / "web.py", "b = 'more'\nc = 'more'\n")
    write(tmp_path / "more" / "all.py", "z = 'all from more'\n")
    write(tmp_path / "last.py", "x = 1\n")  # a file: the group named by its stem
    write(tmp_path / "web-last" / "web.py", "c = 'last'\n")
    got = shown(tmp_path, "--group-data", "more", "--group-data", "web-last/web.py",
                keys=["a", "b", "c", "z"], inventory="inventory.py")
    assert got == {"a": "base", "b": "more", "c": "last", "z": "all from more"}


def test_config_file_runs_first_and_flags_win(tmp_path: Path) -> None:
    write(tmp_path / "config.py", "from corral import config\n"
                                  "config.ENV = {'GREETING': 'from config.py'}\n")
    write(tmp_path / "other.py", "from corral import config\n"
                                 "config.ENV = {'GREETING': 'from other'}\n"
                                 "config.RETRIES = 3\n")
    ran = corral("@local", "exec", "--", "echo $GREETING", cwd=tmp_path)
    assert ran.code == 0 and "@local: from config.py" in ran.out, ran
    ran = corral("@local", "exec", "--config", "other.py", "--", "echo $GREETING",
                 cwd=tmp_path)
    assert ran.code == 0 and "@local: from other" in ran.out, ran
    # the flag is applied after the file: --retry 0 wins over config.RETRIES = 3
    counter = tmp_path / "tries"
    ran = corral("@local", "exec", "--config", "other.py", "--retry", "0", "--retry-delay",
                 "0", "--", f"echo x >> {counter}; exit 1", cwd=tmp_path)
    assert ran.code == 1 and counter.read_text() == "x\n", ran


def test_retry(tmp_path: Path) -> None:
    """exec with --retry: the command fails once, then succeeds."""
    flag = tmp_path / "flag"
    command = f"test -e {flag} || {{ touch {flag}; exit 1; }}"
    once = corral("@local", "exec", "--", command, cwd=tmp_path)
    assert once.code == 1, once
    flag.unlink()
    ran = corral("@local", "exec", "--retry", "1", "--retry-delay", "0", "--", command,
                 cwd=tmp_path)
    assert ran.code == 0, ran


def test_shell_executable(tmp_path: Path) -> None:
    ran = corral("@local", "exec", "--shell-executable", "bash", "--",
                 'echo "${BASH_VERSION:+bash}"', cwd=tmp_path)
    assert ran.code == 0 and "@local: bash" in ran.out.splitlines(), ran
    plain = corral("@local", "exec", "--", 'echo "${BASH_VERSION:-no bash}"', cwd=tmp_path)
    assert plain.code == 0 and "@local: no bash" in plain.out.splitlines(), plain


def test_chdir(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write(site / "deploy.py", "from corral.operations import files\n"
                              "files.line(path='out', line='here')\n".replace(
                                  "'out'", repr(str(site / "out"))))
    ran = corral("@local", "deploy.py", "--chdir", "site", "-y", cwd=tmp_path)
    assert ran.code == 0 and (site / "out").read_text() == "here\n", ran
    # a deploy path given from the first directory is found under the new one (pyinfra)
    (site / "out").unlink()
    ran = corral("@local", "site/deploy.py", "--chdir", "site", "-y", cwd=tmp_path)
    assert ran.code == 0 and (site / "out").read_text() == "here\n", ran
    # config.py, --group-data and --key are found in the new directory
    write(site / "config.py", "from corral import config\nconfig.ENV = {'W': 'site'}\n")
    write(site / "more" / "all.py", "w = 'more'\n")
    write(site / "key", "not a key\n")
    ran = corral("@local", "exec", "--chdir", "site", "--group-data", "more", "--key", "key",
                 "--", "echo $W", cwd=tmp_path)
    assert ran.code == 0 and "@local: site" in ran.out.splitlines(), ran


# -- which hosts, how much output --------------------------------------------------------


def test_yes_from_the_environment(tmp_path: Path) -> None:
    for name in ("PYINFRA_YES", "CORRAL_YES"):
        target = tmp_path / name
        write(tmp_path / "deploy.py", "from corral.operations import files\n"
                                      f"files.file(path={str(target)!r})\n")
        ran = corral("@local", "deploy.py", cwd=tmp_path, **{name: "1"})
        assert ran.code == 0 and target.exists(), ran
    target = tmp_path / "not"
    write(tmp_path / "deploy.py", "from corral.operations import files\n"
                                  f"files.file(path={str(target)!r})\n")
    ran = corral("@local", "deploy.py", cwd=tmp_path, PYINFRA_YES="0")
    assert ran.code == 2 and not target.exists(), ran


def test_exclude(tmp_path: Path) -> None:
    empty, other = tmp_path / "empty-root", tmp_path / "other-root"
    empty.mkdir()
    other.mkdir()
    write(tmp_path / "inventory.py", f'web = ["@local"]\ndb = ["@chroot{empty}"]\n'
                                     f'cache = ["@chroot{other}"]\n')
    ran = corral("inventory.py", "exec", "--", "echo", "ran", cwd=tmp_path)
    assert ran.code == 3, ran  # the chroot has no root file system: unreachable
    for pattern in ("db,cache", "@chroot*", f"@chroot{empty},@chroot{other}"):
        ran = corral("inventory.py", "exec", "--exclude", pattern, "--", "echo", "ran",
                     cwd=tmp_path)
        assert ran.code == 0 and ran.out.splitlines()[0] == "@local: exec: echo ran: changed"
        assert "@chroot" not in ran.out, ran
    bad(corral("inventory.py", "exec", "--exclude", "nothing*", "--", "true", cwd=tmp_path),
        "--exclude nothing*")
    bad(corral("inventory.py", "exec", "--exclude", "web,db,cache", "--", "true",
               cwd=tmp_path), "--exclude leaves no host")
    # --limit first, then --exclude within what it kept (cache stays out)
    ran = corral("inventory.py", "exec", "--limit", "web", "--limit", "db", "--exclude",
                 "db", "--", "echo", "ran", cwd=tmp_path)
    assert ran.code == 0 and "@chroot" not in ran.out, ran
    bad(corral("inventory.py", "exec", "--limit", "db", "--exclude", "db", "--", "true",
               cwd=tmp_path), "--exclude leaves no host")


def test_quiet_shows_only_failures(tmp_path: Path) -> None:
    write(tmp_path / "deploy.py", f"""\
from corral.operations import files, server
files.file(name="made", path={str(tmp_path / 'made')!r})
""")
    ran = corral("@local", "deploy.py", "-y", "-q", cwd=tmp_path)
    assert ran.code == 0 and ran.out == "" and ran.err == "", ran
    assert (tmp_path / "made").exists()
    write(tmp_path / "fail.py", "from corral.operations import server\n"
                                "server.shell(name='boom', commands=['exit 3'])\n")
    ran = corral("@local", "fail.py", "-y", "--quiet", cwd=tmp_path)
    assert ran.code == 1, ran
    assert ran.out.splitlines()[0] == "@local: boom: failed"
    assert "host" not in ran.out  # no summary table
    # what was asked for is still printed
    ran = corral("@local", "exec", "-q", "--", "echo", "asked", cwd=tmp_path)
    assert ran.code == 0 and ran.out == "@local: asked\n", ran


def test_diff_is_accepted_and_diffs_are_shown(tmp_path: Path) -> None:
    write(tmp_path / "dest", "old\n")
    write(tmp_path / "deploy.py", "from io import StringIO\nfrom corral.operations import "
                                  f"files\nfiles.put(src=StringIO('new\\n'), "
                                  f"dest={str(tmp_path / 'dest')!r})\n")
    ran = corral("@local", "deploy.py", "--dry", "--diff", cwd=tmp_path)
    assert ran.code == 2 and "\n-old\n+new\n" in ran.out, ran


def test_debug_operations_and_facts_plan_and_exit_0(tmp_path: Path) -> None:
    target = tmp_path / "made"
    write(tmp_path / "deploy.py", "from corral.operations import server\n"
                                  f"server.shell(name='make', commands=['touch {target}'])\n")
    ran = corral("@local", "deploy.py", "--debug-operations", cwd=tmp_path)
    assert ran.code == 0 and not target.exists(), ran
    assert "@local: make: would change" in ran.out and f"$ touch {target}" in ran.out
    write(tmp_path / "facts.py", "from corral import host\nfrom corral.facts.server import "
                                 "Arch\nfrom corral.operations import server\nhost.get_fact(Arch)"
                                 f"\nserver.shell(name='make', commands=['touch {target}'])\n")
    ran = corral("@local", "facts.py", "--debug-facts", "-y", cwd=tmp_path)
    assert ran.code == 0 and not target.exists(), ran
    assert "@local: facts server.Arch" in ran.out


def test_accepted_flags_that_change_nothing_here(tmp_path: Path) -> None:
    for flag in ("--no-wait", "--parallel=0", "--debug", "--sudo-user=root"):
        ran = corral("@local", "exec", flag, "--", "echo", "ok", cwd=tmp_path)
        assert ran.code == 0 and "@local: ok" in ran.out, (flag, str(ran))
    # --sudo-user without --sudo has no effect, as in pyinfra: said once
    assert "warning: --sudo-user has no effect without --sudo" in ran.err
    ran = corral("@local", "--support", cwd=tmp_path)
    assert ran.code == 0 and ran.out.startswith("corral: "), ran


# -- bad values -----------------------------------------------------------------------------

BAD_FLAGS = {
    "data without =": (["--data", "novalue"], ["--data takes key=value", "'novalue'"]),
    "data with no key": (["--data", "=1"], ["--data takes key=value"]),
    "missing group data": (["--group-data", "nowhere"], ["no group data", "nowhere"]),
    "missing config": (["--config", "nowhere.py"], ["--config nowhere.py: no such file"]),
    "config raises": (["--config", "broken.py"], ["broken.py:2", "ZeroDivisionError"]),
    "missing chdir": (["--chdir", "nowhere"], ["--chdir nowhere: no such directory"]),
    "hostile sudo user": (["--sudo", "--sudo-user", "root; touch pwned"],
                          ["--sudo-user must be a user name"]),
    "hostile su user": (["--su-user", "-c touch"], ["--su-user must be a user name"]),
    "hostile shell": (["--shell-executable", "sh -c 'touch pwned'"],
                      ["--shell-executable must be a program"]),
    "shell builtin": (["--shell-executable", "eval"], ["--shell-executable",
                                                       "the shell's own 'eval'"]),
    "no shell": (["--shell-executable", "None"], ["--shell-executable None"]),
    "negative retry": (["--retry", "-1"], ["--retry must be from 0"]),
    "huge retry delay": (["--retry-delay", "99999999"], ["--retry-delay must be"]),
    "port not a number": (["--port", "ssh"], ["--ssh-port", "'ssh'"]),
    "port out of range": (["--ssh-port", "70000"], ["--ssh-port", "70000"]),
    "missing key file": (["--key", "no_such_key"], ["--ssh-key no_such_key: no such file"]),
    "user with newline": (["--user", "root\nx"], ["--ssh-user", "one line"]),
    "dzdo": (["--dzdo"], ["--dzdo is not supported"]),
    "fail percent": (["--fail-percent", "101"], ["--fail-percent", "101"]),
    "parallel": (["--parallel", "-2"], ["--parallel"]),
    "unknown flag": (["--bogus-flag"], ["--bogus-flag"]),
    "flag missing its value": (["--limit"], ["--limit", "requires an argument"]),
    "password prompt, no terminal": (["--ssh-password-prompt"],
                                     ["no terminal to ask for the password"]),
    "sudo password, no terminal": (["--same-sudo-password"],
                                   ["no terminal to ask for the password"]),
}


@pytest.mark.parametrize("case", list(BAD_FLAGS))
def test_bad_flag_values(tmp_path: Path, case: str) -> None:
    words, parts = BAD_FLAGS[case]
    write(tmp_path / "broken.py", "from corral import config\nconfig.X = 1 / 0\n")
    pwned = tmp_path / "pwned"
    ran = corral("@local", "exec", *words, "--", f"touch {pwned}", cwd=tmp_path)
    bad(ran, *parts)
    assert not pwned.exists()


def test_data_ssh_hostname_names_the_address_and_is_checked(tmp_path: Path) -> None:
    """pyinfra's ``NAME --data ssh_hostname=ADDRESS``: NAME only labels the host. The
    address is checked before anything connects, whichever layer gives it."""
    ran = corral("web1", "debug-inventory", "--data", "ssh_hostname=127.0.0.9", cwd=tmp_path)
    assert ran.code == 0 and ran.out.startswith("web1\n"), ran
    pwned = tmp_path / "pwned"
    bad(corral("web1", "exec", "--data", f"ssh_hostname=-oProxyCommand=touch {pwned}", "--",
               "true", cwd=tmp_path), "host web1", "malformed ssh_hostname")
    write(tmp_path / "inventory.py", 'hosts = [("web1", {"ssh_hostname": "127.0.0.9"})]\n')
    bad(corral("inventory.py", "exec", "--data", "ssh_hostname=-oProxyCommand=x", "--",
               "true", cwd=tmp_path), "host web1", "malformed ssh_hostname")
    assert not pwned.exists()


def test_no_arguments_is_bad_input(tmp_path: Path) -> None:
    bad(corral(cwd=tmp_path), "Missing argument 'INVENTORY'")


def test_a_sudo_password_typed_on_the_terminal_is_asked_once(tmp_path: Path) -> None:
    """The password goes to sudo (here: no sudo is needed, the prompt is what is tested),
    and is never echoed."""
    ran = corral_tty("@local", "exec", "--same-sudo-password", "--", "echo", "ran",
                     cwd=tmp_path, answer="typed-pw-123", prompt="sudo password: ")
    assert ran.code == 0, ran
    assert ran.out.count("sudo password:") == 1 and "typed-pw-123" not in ran.out
    assert "@local: ran" in ran.out


# -- every hostile value of a flag that reaches a shell is refused before anything runs -----

_SAFE_USER = r"[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?"
_SAFE_PROGRAM = r"[A-Za-z0-9_][A-Za-z0-9_.+-]*|(/[A-Za-z0-9_.+-]+)+"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(value=st.text(min_size=1, max_size=40) | st.sampled_from(
    ["root;id", "$(id)", "`id`", "a b", "-u", "--", "a\nb", "a\x00b", "#0", "#1;x", "bash",
     "/bin/bash", "sh -c", "../x", "x|y", "'", '"', "\\"]))
def test_flags_that_reach_a_shell_take_only_names(value: str) -> None:
    import re

    for field, pattern in (("sudo_user", _SAFE_USER + r"|#[0-9]+"), ("su_user", _SAFE_USER),
                           ("shell_executable", _SAFE_PROGRAM)):
        given_flags = flags.Flags(sudo=True, **{field: value})
        try:
            flags.check(given_flags)
        except BadInput as exc:
            assert "\n" not in str(exc)
            continue
        assert re.fullmatch(pattern, value), (field, value)
