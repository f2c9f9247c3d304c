"""Plain commands (run in the script's own shell, no subshell): the accepted subset, and
a real shell showing that an accepted command parses and leaves the shell as it was."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corral.connectors.shellsyntax import is_plain

PLAIN = [
    "groupadd bench",
    "useradd -d /home/bench -s /bin/sh -g bench -M bench",
    "install -d -m 750 -o bench -g bench /srv/bench/a",
    "[ -d /srv/bench/a ] || { mkdir -p /srv/bench/a && chown bench:bench /srv/bench/a ; }",
    "printf '%s\\n' BENCH=1 >> /etc/bench.env",
    "ln -sfn /srv/bench/a /srv/bench/current",
    "mkdir -p /var/lib/bench && hostname > /var/lib/bench/initialised",
    "dpkg-query -W -f '${Package}\\n' 2>/dev/null | sort",
    "stat -c %a /etc 2>&1; echo done",
    "echo \"$HOME is home\" > /dev/null",
    "command -v apt-get >/dev/null",
    "cat /etc/passwd | grep -c root",
    "a#b x",
    "true;",
    "echo }",
    "'/usr/bin/env' ls",
]

NOT_PLAIN = [
    "cd /tmp && ls",  # changes the shell's directory
    "export A=1; ls",
    "A=1 ls",
    "exit 1",
    "set -e",
    "trap 'x' EXIT",
    "umask 077",
    ". /etc/profile",
    "eval ls",
    "exec ls",
    "read x",
    "'cd' /tmp",
    "$CMD arg",
    "echo $(id)",
    "echo `id`",
    "echo ${x:=1}",
    "echo \"$(id)\"",
    "echo \"a\\\"b\"",
    "ls &",
    "(ls)",
    "ls\nls",
    "# comment",
    "ls # comment",
    "cat <<EOF",
    "{ ls }",
    "{ ls; } x",
    "ls &&",
    "&& ls",
    "ls ;;",
    "echo 'unclosed",
    "echo \"unclosed",
    "echo x >",
    "echo x >&file",
    "if true; then ls; fi",
    "for i in 1; do ls; done",
    "f() { ls; }",
    "! ls",
    ": > /tmp/x",
    "printf -v x y",
    "command cd /tmp",
    "__corral_steps",
    "",
    "   ",
    "ls \\",
    "echo $?",
]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_commands(text: str) -> None:
    assert is_plain(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_commands_that_keep_their_subshell(text: str) -> None:
    assert not is_plain(text)


SH = shutil.which("dash") or shutil.which("sh")

# fragments of harmless commands, and of things that would change the shell
FRAGMENTS = ["echo a", "printf '%s\\n' b", "true", "false", "[ -d / ]", "cat /dev/null",
             "cd /", "x=1", "umask 0", "set -C", "exit 3", "{", "}", ";", "&&", "||", "|",
             ">", ">>", "out", "2>&1", "$HOME", "'q'", "\"d $HOME\"", "\\;", "#", "(", ")",
             "`true`", "$(true)", "&", "export y=2", "trap '' INT"]


@pytest.mark.skipif(SH is None, reason="needs a POSIX shell")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=8))
def test_an_accepted_command_parses_and_leaves_the_shell_unchanged(
        tmp_path: Path, parts: list[str]) -> None:
    text = " ".join(parts)
    if not is_plain(text):
        return
    probe = ('printf "%s|%s|%s|%s|%s\\n" "$PWD" "$x" "$(umask)" "$y" "$-"')
    script = f"cd {tmp_path}; x=0; y=0\n{text}\n__rc=$?\n{probe}\necho \"rc=$__rc\"\n"
    sub = f"cd {tmp_path}; x=0; y=0\n( {text}\n)\n__rc=$?\n{probe}\necho \"rc=$__rc\"\n"
    plain = subprocess.run([SH, "-c", script], capture_output=True, text=True, timeout=10)
    shell = subprocess.run([SH, "-c", sub], capture_output=True, text=True, timeout=10)
    assert plain.returncode == 0, (text, plain.stderr)
    assert plain.stdout == shell.stdout, text


def test_wrap_runs_plain_commands_as_they_are_and_others_in_a_subshell() -> None:
    from dataclasses import replace

    from corral.connectors.shell import wrap
    from corral.model.operation import GlobalArgs

    g = GlobalArgs()
    assert wrap("groupadd app", g) == "groupadd app"
    assert wrap("cd /tmp && ls", g) == "( eval 'cd /tmp && ls'\n)"
    assert wrap("for i in 1; do :; done", g, trusted=True) == "( for i in 1; do :; done\n)"
    assert wrap("for i in 1; do :; done", g, trusted=True, inline=True) == \
        "{ for i in 1; do :; done\n}"
    # not corral's own: never inline, whatever it says
    assert wrap("for i in 1; do :; done", g, inline=True).startswith("( eval ")
    # privilege, another shell or a timeout: its own process as before
    assert wrap("groupadd app", replace(g, sudo=True)).startswith("sudo -H -n sh -c ")
    assert wrap("ls", replace(g, chdir="/srv")) == "( eval 'cd /srv && ls'\n)"
