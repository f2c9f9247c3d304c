"""Turning commands into shell text: privilege, environment, directory, uploads, downloads."""

from __future__ import annotations

import base64
import posixpath
import secrets
import shlex
from dataclasses import replace

from corral.model.command import FileUploadCommand
from corral.model.operation import GlobalArgs
from corral.model.secrets import reveal


def with_env_and_dir(command: str, g: GlobalArgs) -> str:
    """The command preceded by the operation's ``_env`` exports and ``_chdir``."""
    if g.chdir:
        command = f"cd {shlex.quote(g.chdir)} && {command}"
    if g.env:
        exports = " ".join(f"{k}={shlex.quote(reveal(v))}" for k, v in g.env.items())
        command = f"export {exports}; {command}"
    return command


def wrap(command: str, g: GlobalArgs, trusted: bool = False) -> str:
    """Wrap a command with the operation's environment, directory, shell and privilege.

    A sudo password goes to ``sudo -S`` on standard input from the shell's builtin
    ``printf``: it travels inside the script, never on a command line.
    """
    q = shlex.quote
    inner = with_env_and_dir(command, g)
    shell = g.shell_executable or "sh"
    # a separate shell per command: a syntax error in one cannot break the script; corral's
    # own fact commands (trusted) run in a subshell instead, a fork without an exec
    if trusted and shell == "sh" and not (g.sudo or g.su_user):
        text = f"( {inner}\n)"
    else:
        text = f"{shell} -c {q(inner)}"
    if g.su_user:
        shell_path = shell if "/" in shell else f"/bin/{shell}"
        text = f"su {q(g.su_user)} -s {q(shell_path)} -c {q(inner)}"
    if g.sudo:
        argv = ["sudo", "-H"]
        argv += ["-S", "-p", ""] if g.sudo_password is not None else ["-n"]
        if g.sudo_user and not g.su_user:
            argv += ["-u", g.sudo_user]
        if g.preserve_sudo_env:
            argv.append("-E")
        if g.use_sudo_login:
            argv.append("-i")
        text = " ".join(q(a) for a in argv) + " " + text
    if g.timeout:
        text = f"timeout -k 5 {g.timeout:g} {text}"
    if g.sudo and g.sudo_password is not None:
        text = f"printf '%s\\n' {q(reveal(g.sudo_password))} | {text}"
    if g.retries:
        text = (
            f"__cn=0; while :; do {text}\n__cr=$?; [ $__cr -eq 0 ] && break; "
            f"__cn=$((__cn+1)); [ $__cn -gt {int(g.retries)} ] && break; "
            f"sleep {g.retry_delay:g}; done; ( exit $__cr )"
        )
    return text


def wrap_hidden(command: str, g: GlobalArgs) -> str:
    """Like :func:`wrap`, for a command holding a secret: the command (with its environment
    and directory) is written to a new mode-600 file with an unpredictable name, through a
    here-document in the script, and run from there, so it never appears on a command line
    (``ps``) on the host. The file is removed when the command ends."""
    from dataclasses import replace as _replace

    q = shlex.quote
    inner = with_env_and_dir(command, g)
    path = f"/tmp/.corral-{secrets.token_hex(12)}"
    eof = "CORRAL_HIDDEN_EOF"
    while eof in inner:
        eof += "_"
    owner = g.sudo_user if g.sudo and g.sudo_user else g.su_user
    chown = ""
    if owner:
        chown = f"{'sudo -n ' if g.sudo else ''}chown {q(owner)} {path} && "
    run = wrap(f". {path}", _replace(g, env={}, chdir=None))
    return (
        f"if ( umask 077; set -C; cat > {path} ) <<'{eof}'\n{inner}\n{eof}\n"
        f"then {chown}{run}\n__cr=$?; rm -f {path}; ( exit $__cr ); else false; fi"
    )


def upload(cmd: FileUploadCommand, data: bytes, g: GlobalArgs) -> str:
    """Atomic upload inside a script: a temporary file in the destination directory gets
    the content, then mode and owner, then is renamed over the destination. The content
    travels in the script (a here-document), never on a command line."""
    dest = cmd.dest
    directory = posixpath.dirname(dest) or "."
    encoded = base64.encodebytes(data).decode()
    eof = "CORRAL_EOF"
    while eof in encoded:
        eof += "_"
    qdest = shlex.quote(dest)
    if cmd.mode:
        mode = f'chmod {shlex.quote(str(cmd.mode))} "$t"'
    else:
        # keep the mode of the file being replaced, else 644 like a new file under umask 022
        mode = (f'{{ if [ -e {qdest} ]; then chmod "$(stat -c %a {qdest})" "$t"; '
                f'else chmod 644 "$t"; fi; }}')
    steps = ['cat > "$t"', mode]
    if cmd.user or cmd.group:
        owner = f"{cmd.user or ''}:{cmd.group}" if cmd.group else str(cmd.user)
        steps.append(f'chown {shlex.quote(owner)} "$t"')
    steps.append(f'mv -f "$t" {qdest}')
    inner = (
        f"t=$(mktemp {shlex.quote(directory + '/.corral.XXXXXXXXXX')}) || exit 1; "
        # the temporary file goes whatever ends the shell: success (renamed already),
        # failure, or a signal when the run is interrupted or the connection drops
        "trap 'rm -f \"$t\"' EXIT; trap 'exit 1' HUP INT TERM PIPE; "
        f"{' && '.join(steps)}"
    )
    plain = replace(g, timeout=None, retries=0, chdir=None)
    return f"{{ base64 -d | {wrap(inner, plain)}\n}} <<'{eof}'\n{encoded}{eof}"


def download(src: str) -> str:
    """Print a file base64-encoded; the engine decodes it."""
    return f"base64 < {shlex.quote(src)}"
