"""Plain commands (run in the script's own shell, no subshell): the accepted subset, and
a real shell showing that an accepted command parses and leaves the shell as it was."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corral.connectors.shellsyntax import PROGRAMS, SAFE_BUILTINS, is_plain
from corral.model.shellwords import BUILTINS, KEYWORDS

PLAIN = [
    "groupadd bench",
    "useradd -d /home/bench -s /bin/sh -g bench -M bench",
    "install -d -m 750 -o bench -g bench /srv/bench/a",
    "[ -d /srv/bench/a ] || { mkdir -p /srv/bench/a && chown bench:bench /srv/bench/a ; }",
    "printf '%s\\n' BENCH=1 >> /etc/bench.env",
    "ln -sfn -- /srv/bench/a /srv/bench/current",
    "mkdir -p /var/lib/bench && hostname > /var/lib/bench/initialised",
    "dpkg-query -W -f '${Package}\\n' 2>/dev/null | sort",
    "stat -c %a /etc 2>&1; echo done",
    "echo \"$HOME is home\" > /dev/null",
    "command -v apt-get >/dev/null",
    "cat /etc/passwd | grep -c root",
    "grep a#b x",
    "'printf' '%s' x",
    "/usr/local/bin/mytool --x",
    "./configure --prefix=/usr",
    "printf 'it'\\''s' > f",
    "command -V ls",
    "true;",
    "echo }",
    "'/usr/bin/env' ls",
    "test -d /srv",
    "[ ! -e /srv/x ]",
    "[ a = b ]",
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
    # builtins that change the shell, whatever they are called: an allowlist decides
    "chdir /",
    "'chdir' /",
    "c\\d /",
    "enable -n echo",
    "hash -r",
    "ulimit -n 64",
    "pushd /",
    "shopt -s expand_aliases",
    "alias ls=cd",
    "unalias -a",
    "unset -f f",
    "getopts ab x",
    "shift",
    "source /etc/profile",
    "let x=1",
    "local x",
    "typeset x",
    "declare x=1",
    "readonly HOME",
    "kill 0",
    "/bin/kill 0",
    "wait",
    "builtin cd /",
    "command",
    "command -p cd /",
    "command \"-v\" x",
    # a program corral does not run itself: a subshell (an allowlist, not a guess)
    "mytool --x",
    # a pattern as a command word: a file named cd in the directory would make it cd
    "c? /",
    "[c]d /",
    # printf's first argument must not become bash's -v assignment
    "printf -vx y",
    "printf \"-v\"x y",
    "printf [-]v* y",
    "printf ?vx y",
    "printf $FMT y",
    # test expressions dash's builtin can crash on: only one simple primary is plain
    "test / -a >/dev/null",
    "[ / -o ]",
    "test -d / -a -d /tmp",
    "[ \\( / \\) ]",
    "test",
    "[ -d /",
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


def test_no_builtin_or_keyword_but_the_safe_ones_is_plain() -> None:
    for word in sorted(BUILTINS | KEYWORDS):
        for form in (word, f"'{word}'", f'"{word}"', f"\\{word}"):
            for args in ("", " /", " -v x"):
                judged = is_plain(form + args)
                assert judged is False or (word in SAFE_BUILTINS), form + args
    assert not (PROGRAMS & (BUILTINS | KEYWORDS))


BASH = shutil.which("bash")
SHELLS = [s for s in (SH, BASH) if s is not None]

# state a command could change, printed by each shell: directory, umask, options,
# variables, aliases, traps, functions, builtins enabled, limits, bash's directory stack
_DASH_STATE = """
printf 'pwd=%s umask=%s opts=%s\\n' "$PWD" "$(umask)" "$-"
set; export -p; readonly -p; set +o; alias; trap; ulimit -a
"""
_BASH_STATE = _DASH_STATE + """
declare -p; declare -f; shopt -p; enable; dirs -l -p; complete -p
"""
#: variables that change by themselves (or name the process)
_VOLATILE = ("RANDOM", "SRANDOM", "SECONDS", "EPOCHREALTIME", "EPOCHSECONDS", "BASHPID",
             "BASH_COMMAND", "_", "PIPESTATUS", "BASH_LINENO", "LINENO",
             "BASH_EXECUTION_STRING")

#: what exists beforehand, for a command to change or remove
_SETUP = """x=0; y=0; OPTIND=1
f() { echo f; }
alias ll=ls 2>/dev/null
trap 'echo usr1' USR1
"""


def _state_script(shell: str, text: str, subshell: bool, words: list[str]) -> str:
    body = f"( {text}\n)" if subshell else text
    lookups = " ".join(f"command -v {shlex.quote(w)};" for w in words if w)
    state = _BASH_STATE if shell == BASH else _DASH_STATE
    return (f"{_SETUP}{body}\nprintf '\\nran\\n'\n{state}\n{lookups}\n"
            "printf 'end\\n'\n")


def _sandbox_user() -> dict[str, int]:
    """Run as nobody when the tests run as root: the generated commands include ``rm``,
    ``mkdir``, ``touch`` and ``/bin/kill`` with arguments like ``/dev/null``, ``/`` and
    ``1``, and must not reach this machine's files or processes."""
    return {"user": 65534, "group": 65534} if os.geteuid() == 0 else {}


@pytest.fixture
def sandbox() -> Iterator[Path]:
    """A directory anyone may write in: nobody's working directory."""
    path = Path(tempfile.mkdtemp(prefix="corral-plain-"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _state(shell: str, text: str, subshell: bool, words: list[str], cwd: Path) -> list[str]:
    run = subprocess.run([shell, "-c", _state_script(shell, text, subshell, words)],
                         capture_output=True, text=True, timeout=20, cwd=cwd,
                         stdin=subprocess.DEVNULL, start_new_session=True,
                         env={"PATH": "/usr/bin:/bin", "HOME": "/"}, **_sandbox_user())
    lines = run.stdout.split("\n")
    after = lines[lines.index("ran") + 1:] if "ran" in lines else ["the shell ended"]
    return [line for line in after
            if not re.match(r"(declare -\S+ )?(" + "|".join(_VOLATILE) + r")=", line)]


#: command words: every builtin and keyword, corral's programs that end at once, and
#: random words; each maybe quoted or escaped
_QUICK_PROGRAMS = ["cat", "ls", "mkdir", "touch", "env", "id", "uname", "sort", "wc", "stat",
                   "basename", "dirname", "head"]
_ARGS = ["/", "/tmp", "-", "-e", "-x", "-C", "+e", "-o", "posix", "077", "0", "x", "x=1",
         "y=2", "PATH=/nonexistent", "-n", "-f", "-p", "-v", "-vx", "-V", "EXIT", "USR1",
         "'echo trapped'", "ll=ls", "ll", "f", "-a", "-r", "-s", "1", "2", "/dev/null",
         "expand_aliases", "cd", "$HOME", "'a b'", "--", "-c", "ls", "echo", "'%s\\n'",
         "*", "x?", "[ab]", "]", "{", "}", "!", "in", "do", "then", "fi", "done"]


_RANDOM = "<random word>"


def _piece(draw: st.DrawFn, word: str) -> str:
    """One command: the word (as it is, quoted, escaped, or as a path), arguments, and
    maybe a redirection."""
    if word == _RANDOM:
        word = draw(st.text("abcdefghijklmnopqrstuvwxyz-_./", min_size=1, max_size=8))
    form = draw(st.sampled_from(["{}", "{}", "'{}'", '"{}"', "\\{}", "/bin/{}"]))
    args = draw(st.lists(st.sampled_from(_ARGS), max_size=3))
    redirect = draw(st.sampled_from(["", " >/dev/null", " 2>&1", " > out", " 2>/dev/null"]))
    return " ".join([form.format(word), *args]) + redirect


@st.composite
def _commands(draw: st.DrawFn, word: str) -> str:
    """A command with ``word`` in it, among commands whose words are allowed."""
    allowed = sorted(SAFE_BUILTINS) + _QUICK_PROGRAMS
    pieces = [_piece(draw, w) for w in draw(st.lists(st.sampled_from(allowed), max_size=2))]
    pieces.insert(draw(st.integers(0, len(pieces))), _piece(draw, word))
    text = pieces[0]
    for piece in pieces[1:]:
        text += draw(st.sampled_from([" ; ", " && ", " || ", " | "])) + piece
    if draw(st.booleans()):
        text = "{ " + text + " ; }"
    return text


#: every builtin and keyword of dash and bash, the programs, and random words
_EVERY_WORD = sorted(BUILTINS | KEYWORDS | SAFE_BUILTINS) + _QUICK_PROGRAMS + [_RANDOM]


@pytest.mark.skipif(not SHELLS, reason="needs a POSIX shell")
@pytest.mark.parametrize("word", _EVERY_WORD)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_plain_command_of_any_builtin_keyword_or_word_leaves_dash_and_bash_unchanged(
        sandbox: Path, word: str, data: st.DataObject) -> None:
    """Commands made with each builtin and keyword of dash and bash (as it is, quoted,
    escaped or as a path), corral's programs and random words, with arguments that would
    change the shell: whatever is judged plain, run in the script's own shell, leaves each
    shell as the same command in a subshell does: directory, umask, options, variables,
    aliases, traps, functions (and bash's shell options, enabled builtins and directory
    stack), and the shell goes on."""
    text = data.draw(_commands(word))
    if not is_plain(text):
        return
    words = sorted({w for w in re.findall(r"[A-Za-z_.:\[!{}-]+", text)})
    for shell in SHELLS:
        inline = _state(shell, text, False, words, sandbox)
        contained = _state(shell, text, True, words, sandbox)
        assert inline == contained, (shell, text)
        assert inline[-2:] == ["end", ""], (shell, text, inline[-3:])


def test_chdir_in_one_operation_leaves_the_next_operations_directory(tmp_path: Path) -> None:
    """dash's ``chdir`` (its ``cd``) run by one operation: the later operations of the
    same script still run in the script's directory (on @local, a real dash)."""
    from corral import api
    from corral.operations import server

    def deploy() -> None:
        server.shell(name="before", commands="pwd")
        server.shell(name="chdir", commands="chdir /")
        server.shell(name="after", commands="pwd")

    result = api.run("@local", deploy)
    ops = {op.name: op for op in result.hosts[0].operations}
    assert ops["before"].stdout not in ("", "/\n"), ops["before"]
    assert ops["after"].stdout == ops["before"].stdout


def test_a_malformed_test_expression_leaves_the_session_running() -> None:
    """``test / -a >/dev/null`` makes dash's builtin test crash its shell; run by one
    operation, it runs in a subshell and the next operation of the script still runs."""
    from corral import api
    from corral.operations import server

    def deploy() -> None:
        server.shell(name="crash", commands="test / -a >/dev/null", _ignore_errors=True)
        server.shell(name="after", commands="echo alive")

    result = api.run("@local", deploy)
    ops = {op.name: op for op in result.hosts[0].operations}
    assert ops["crash"].status.value != "success", ops["crash"]
    assert ops["after"].stdout == "alive\n", ops
