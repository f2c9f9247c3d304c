"""Turning commands into shell text: privilege, environment, directory, uploads, downloads."""

from __future__ import annotations

import base64
import hmac
import posixpath
import secrets
import shlex
from dataclasses import replace
from typing import Any

from corral.model.command import FileUploadCommand
from corral.model.operation import GlobalArgs
from corral.model.secrets import reveal

from .framing import RC_FUNCTION, UMASK_VAR
from .shellsyntax import is_plain
from .streams import Stream, StreamedText


def with_env_and_dir(command: str, g: GlobalArgs) -> str:
    """The command preceded by the operation's ``_env`` exports and ``_chdir``."""
    if g.chdir:
        command = f"cd {shlex.quote(g.chdir)} && {command}"
    if g.env:
        exports = " ".join(f"{k}={shlex.quote(reveal(v))}" for k, v in g.env.items())
        command = f"export {exports}; {command}"
    return command


#: sudo runs this program to ask for a password, with the prompt (``-p``) as its only
#: argument: printenv prints the variable that argument names. One fixed path: Debian,
#: RHEL, Alpine (busybox), the BSDs and macOS all have it there
ASKPASS = "/usr/bin/printenv"
#: the variable that holds a sudo password, set for sudo's own process only
PASSWORD_VAR = "__CORRAL_SUDO_PW"


def _sudo_words(g: GlobalArgs, target: bool = True) -> str:
    """``sudo`` and its options for the operation's privilege (``target``: the user it
    runs as, its environment and login shell too), up to the command. With a password,
    ``env -u`` takes the password's variable out of the command's environment, whatever
    sudo lets through (``-E``, an ``env_keep`` or ``!env_reset`` in sudoers)."""
    argv = ["sudo", "-H"]
    argv += ["-A", "-p", PASSWORD_VAR] if g.sudo_password is not None else ["-n"]
    if target:
        if g.sudo_user and not g.su_user:
            argv += ["-u", g.sudo_user]
        if g.preserve_sudo_env:
            argv.append("-E")
        if g.use_sudo_login:
            argv.append("-i")
    if g.sudo_password is not None:
        argv += ["env", "-u", PASSWORD_VAR]
    return " ".join(shlex.quote(a) for a in argv)


#: the key that names a checked password's marker variable (nothing about the password
#: can be told from the name)
_CHECK_KEY = secrets.token_bytes(16)


def _given_password(text: str, password: Any) -> str:
    """``text``, whose command is a ``sudo -A`` (:func:`_sudo_words`), given the password.

    The password goes to sudo in its environment (the script sets the variable for that
    one command), and sudo's askpass program prints it when sudo asks: it never reaches
    the command's standard input, whether sudo reads a password or not (cached
    credentials, NOPASSWD), nor a command line. ``sudo -S -v`` tries the password first,
    once per connection, from the shell's builtin ``printf`` through a pipe, with no
    command to run: a wrong one fails after one attempt (sudo would ask askpass three
    times, a PAM delay each, and count three failures), and the command does not run. A
    marker variable in the persistent shell, named by a keyed hash of the password,
    records that it was accepted: under ``timestamp_timeout=0`` each command would
    otherwise authenticate twice. A brace group, so that in a pipeline
    (``base64 -d | ...``) the command, not the check, reads the data."""
    pw = shlex.quote(reveal(password))
    digest = hmac.new(_CHECK_KEY, reveal(password).encode(), "sha256").hexdigest()[:16]
    checked = f"__corral_sv_{digest}"
    return (f'{{ {{ [ -n "${{{checked}-}}" ] || '
            f"{{ printf '%s\\n' {pw} | sudo -S -p '' -v && {checked}=1; }}; }} && "
            f"SUDO_ASKPASS={ASKPASS} {PASSWORD_VAR}={pw} {text}\n}}")


def as_root(command: str, password: Any = None) -> str:
    """``command`` (shell words) run as root by sudo: ``sudo -n``, or with the password."""
    g = GlobalArgs(sudo=True, sudo_password=password)
    text = f"{_sudo_words(g, target=False)} {command}"
    return text if password is None else _given_password(text, password)


def seconds(value: float) -> str:
    """A duration as ``timeout`` and ``sleep`` read it everywhere: digits and maybe a
    point, no exponent (``:g`` writes 1e-05 and 3.16224e+07), to the millisecond; a
    positive one never written as 0 (which ``timeout`` takes for no limit)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0.001" if text == "0" and value > 0 else text


def wrap(command: str, g: GlobalArgs, trusted: bool = False, inline: bool = False) -> str:
    """Wrap a command with the operation's environment, directory, shell and privilege
    (a sudo password as :func:`_given_password` gives it)."""
    q = shlex.quote
    inner = with_env_and_dir(command, g)
    shell = g.shell_executable or "sh"
    # a plain command (shellsyntax) runs in the script's own shell; any other in a subshell
    # of it (a fork without an exec), and one that is not corral's own (trusted) through
    # eval there, so a syntax error in it ends that subshell only, as a separate ``sh -c``
    # would, and cannot break the script
    if shell == "sh" and not (g.sudo or g.su_user or g.timeout):
        if is_plain(inner):
            text = inner
        elif trusted and inline and not g.env and not g.chdir:  # a fact that changes nothing
            text = f"{{ {inner}\n}}"
        else:
            text = f"( {inner}\n)" if trusted else f"( eval {q(inner)}\n)"
    else:
        text = f"{q(shell)} -c {q(inner)}"
    if g.su_user:
        shell_path = shell if "/" in shell else f"/bin/{shell}"
        text = f"su {q(g.su_user)} -s {q(shell_path)} -c {q(inner)}"
    if g.sudo:
        text = f"{_sudo_words(g)} {text}"
    if g.timeout:
        text = f"timeout -k 5 {seconds(g.timeout)} {text}"
    if g.sudo and g.sudo_password is not None:
        text = _given_password(text, g.sudo_password)
    if g.retries:
        # how many times it ran again is told on stderr, after its own output
        # (split_retries takes it off)
        text = (
            f"__cn=0; while :; do {text}\n__cr=$?; [ $__cr -eq 0 ] && break; "
            f"__cn=$((__cn+1)); [ $__cn -gt {int(g.retries)} ] && break; "
            f"sleep {seconds(g.retry_delay)}; done; "
            f"[ $__cn -eq 0 ] || printf '\\037{RETRIED} %d\\n' $__cn >&2; {RC_FUNCTION} $__cr"
        )
    return text


#: what a command run with ``_retries`` prints on stderr (after ``\x1f``) when it ran
#: more than once, with the number of runs after the first
RETRIED = "corral-retried"


def split_retries(stderr: str, retries: int) -> tuple[str, int]:
    """A command's standard error without the retry count :func:`wrap` added, and the count
    (how many times it ran again: at most ``retries``)."""
    mark = f"\x1f{RETRIED} "
    at = stderr.rfind(mark)
    if at < 0:
        return stderr, 0
    count = stderr[at + len(mark):].strip()
    if not count.isdigit():
        return stderr, 0
    return stderr[:at], min(int(count), retries)


def wrap_hidden(command: str, g: GlobalArgs) -> str:
    """Like :func:`wrap`, for a command holding a secret: the command (with its environment
    and directory) is written to a new mode-600 file with an unpredictable name, through a
    here-document in the script, and run from there, so it never appears on a command line
    (``ps``) on the host. The file is removed when the command ends."""
    q = shlex.quote
    inner = with_env_and_dir(command, g)
    path = f"/tmp/.corral-{secrets.token_hex(12)}"
    eof = "CORRAL_HIDDEN_EOF"
    while eof in inner:
        eof += "_"
    owner = g.sudo_user if g.sudo and g.sudo_user else g.su_user
    chown = ""
    if owner:
        words = f"chown {q(owner)} {path}"
        chown = f"{as_root(words, g.sudo_password) if g.sudo else words} && "
    run = wrap(f". {path}", replace(g, env={}, chdir=None))
    return (
        f"if ( umask 077; set -C; cat > {path} ) <<'{eof}'\n{inner}\n{eof}\n"
        f"then {chown}{run}\n__cr=$?; rm -f {path}; {RC_FUNCTION} $__cr; else false; fi"
    )


#: uploads up to this size whose target needs no sudo or su are written by the shell's
#: builtin printf: no process for the content
PRINTF_UPLOAD_MAX = 256 * 1024

# each byte as it stands in a single-quoted printf format that prints it back
_PRINTF_BYTES = [
    chr(b) if 0x20 <= b < 0x7F or b in (0x09, 0x0A) else f"\\{b:03o}" for b in range(256)
]
_PRINTF_BYTES[ord("%")] = "%%"
_PRINTF_BYTES[ord("\\")] = "\\\\"
_PRINTF_BYTES[ord("'")] = "'\\''"


def printf_format(data: bytes) -> str:
    """A shell word (single-quoted) that, as the format of ``printf``, prints ``data``
    exactly: ``%`` and backslash doubled, bytes other than printable ASCII, tab and newline
    as octal escapes, and a leading ``-`` too."""
    text = "".join([_PRINTF_BYTES[b] for b in data])
    if text.startswith("-"):  # not an option: printf takes none, but some read one
        text = "\\055" + text[1:]
    return "'" + text + "'"


def _umask_for(mode: str | None) -> str | None:
    """The umask under which the shell creates a file with ``mode`` (``: > file`` asks
    for 666): for modes without execute or special bits; None for the others."""
    try:
        bits = int(str(mode), 8)
    except ValueError:  # None too
        return None
    return None if bits & ~0o666 else f"{0o777 & ~bits:03o}"


def _mode_and_owner(cmd: FileUploadCommand, created_with_mode: bool = False,
                    var: str = "t") -> list[str]:
    qdest = shlex.quote(cmd.dest)
    t = f'"${var}"'
    if created_with_mode:
        steps = []
    elif cmd.mode:
        steps = [f"chmod {shlex.quote(str(cmd.mode))} {t}"]
    else:
        # keep the mode of the file being replaced, else 644 like a new file under umask 022
        steps = [f'{{ if [ -e {qdest} ]; then chmod "$(stat -c %a {qdest})" {t}; '
                 f"else chmod 644 {t}; fi; }}"]
    if cmd.user or cmd.group:
        owner = f"{cmd.user or ''}:{cmd.group}" if cmd.group else str(cmd.user)
        # -h: should the name have been replaced by a link, the link changes, not its target
        steps.append(f"chown -h {shlex.quote(owner)} {t}")
    steps.append(f"mv -f {t} {qdest}")
    return steps


def _printf_upload(cmd: FileUploadCommand, data: bytes, directory: str) -> str:
    """The script's own shell makes the temporary file and fills it (builtin printf), with
    no subshell: the umask that creates it is put back (the login's, read once per
    connection), noclobber is turned off again, and a signal that ends the script removes
    the file.

    A mode a umask can give (no execute or special bits) is the file's from its creation,
    and an owner to set is set on the still empty file, before the content: the content is
    never readable by anyone the final file does not let in, and neither ``chmod`` runs nor
    a second pass of ``chown``. When the owner of the file being replaced is kept, the
    shell tests (builtins) whether that owner is the login's own, user and group, outside a
    set-group-ID directory: then the new file has it already and ``chown`` does not run.
    Other modes (or the replaced file's mode, kept) are set after the content, under a
    umask that lets only the owner in until then."""
    temp = shlex.quote(f"{directory}/.corral.{secrets.token_hex(8)}")
    umask = _umask_for(cmd.mode)
    before: list[str] = []
    if umask is None:
        create, steps = "umask 077", _mode_and_owner(cmd, var="__t")
    else:
        create, steps = f"umask {umask}", _mode_and_owner(cmd, True, var="__t")
        before, steps = steps[:-1], steps[-1:]  # the owner first, then content, then mv
        if before and cmd.owner_kept:
            qdest, qdir = shlex.quote(cmd.dest), shlex.quote(directory)
            create += (f"; if [ -O {qdest} ] && [ -G {qdest} ] && [ ! -g {qdir} ]; "
                       "then __k=1; else __k=; fi")
            before = [f'{{ [ -n "$__k" ] || {before[0]}; }}']
    fill = [*before, f"printf {printf_format(data)} >> \"$__t\"", *steps]
    # a name that exists already is not ours and stops the upload untouched; the file is
    # removed on any failure after it was made, or when a signal ends the script
    return (
        f"__t={temp}; {create}; set -C; true > \"$__t\"; __r=$?; set +C; "
        f'umask "${UMASK_VAR}"\n'
        "if [ $__r = 0 ]; then "
        """trap '[ -z "$__t" ] || rm -f "$__t"; exit 1' HUP INT TERM PIPE\n"""
        f"{{ {' && '.join(fill)}; }} "
        """|| { __r=$?; rm -f "$__t"; }\n"""
        f"fi; __t=; {RC_FUNCTION} $__r"
    )


def upload_in_script(size: int, g: GlobalArgs) -> bool:
    """Whether an upload of ``size`` bytes is written by the script's own shell (builtin
    ``printf``, its content in the script's text)."""
    return (size <= PRINTF_UPLOAD_MAX and not g.sudo and not g.su_user
            and g.shell_executable in (None, "sh"))


def upload(cmd: FileUploadCommand, data: bytes | Stream, g: GlobalArgs) -> str:
    """Atomic upload inside a script: a temporary file in the destination directory gets
    the content, then mode and owner, then is renamed over the destination. The content
    travels in the script, never on a command line.

    Without sudo or su, and up to PRINTF_UPLOAD_MAX bytes, the script's own shell creates
    the temporary file (mode 600, exclusively, under an unpredictable name) and fills it
    with its builtin ``printf``; otherwise a here-document goes through ``base64 -d`` to a
    shell with the operation's privilege. Content given as a :class:`Stream` (a large
    upload) is read and encoded only while the script is sent (``connectors.streams``):
    the text returned holds its placeholder, and the host checks that the whole of it
    arrived before the file is renamed.

    A relative destination starting with ``-`` gets ``./``: ``mv``, ``chmod``, ``chown``,
    ``stat`` and ``mktemp`` would take it for options (``-t.`` moved the temporary file
    into the directory and left it there)."""
    if cmd.dest.startswith("-"):
        cmd = replace(cmd, dest="./" + cmd.dest)
    directory = posixpath.dirname(cmd.dest) or "."
    if isinstance(data, bytes) and upload_in_script(len(data), g):
        return _printf_upload(cmd, data, directory)
    steps = _mode_and_owner(cmd)
    eof = "CORRAL_EOF"  # no line of base64 can be this: "_" is not in its alphabet
    if isinstance(data, Stream):
        # a short or broken stream must not be renamed into place: the size is checked
        size_check = (f'{{ [ $(wc -c < "$t") -eq {data.size} ] || {{ echo "corral: the '
                      f'upload to {_printable(cmd.dest)} arrived incomplete" >&2; false; }}; }}')
        steps = [size_check, *steps]
        body = data.placeholder
    else:
        body = base64.encodebytes(data).decode()
    inner = (
        f"t=$(mktemp {shlex.quote(directory + '/.corral.XXXXXXXXXX')}) || exit 1; "
        # the temporary file goes whatever ends the shell: success (renamed already),
        # failure, or a signal when the run is interrupted or the connection drops
        "trap 'rm -f \"$t\"' EXIT; trap 'exit 1' HUP INT TERM PIPE; "
        + " && ".join(['cat > "$t"', *steps])
    )
    plain = replace(g, timeout=None, retries=0, chdir=None)
    text = f"{{ base64 -d | {wrap(inner, plain)}\n}} <<'{eof}'\n{body}{eof}"
    return StreamedText(text, (data,)) if isinstance(data, Stream) else text


def _printable(path: str) -> str:
    """A path for a message inside single quotes of a shell word: only safe characters."""
    return "".join(c if c.isalnum() or c in "/._-+" else "?" for c in path)


def download(src: str) -> str:
    """Print a file base64-encoded; the engine decodes it."""
    return f"base64 < {shlex.quote(src)}"
