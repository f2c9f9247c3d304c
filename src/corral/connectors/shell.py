"""Turning commands into shell text: privilege, environment, directory, uploads, downloads."""

from __future__ import annotations

import base64
import posixpath
import shlex
from dataclasses import replace

from corral.model.command import FileUploadCommand
from corral.model.operation import GlobalArgs
from corral.model.secrets import reveal


def wrap(command: str, g: GlobalArgs) -> str:
    """Wrap a command with the operation's environment, directory, shell and privilege.

    A sudo password goes to ``sudo -S`` on standard input from the shell's builtin
    ``printf``: it travels inside the script, never on a command line.
    """
    q = shlex.quote
    inner = command
    if g.chdir:
        inner = f"cd {q(g.chdir)} && {inner}"
    if g.env:
        exports = " ".join(f"{k}={q(reveal(v))}" for k, v in g.env.items())
        inner = f"export {exports}; {inner}"
    shell = g.shell_executable or "sh"
    # a separate shell per command: a syntax error in one cannot break the script
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
        f"if {' && '.join(steps)}; then :; else rm -f \"$t\"; exit 1; fi"
    )
    plain = replace(g, timeout=None, retries=0, chdir=None)
    return f"{{ base64 -d | {wrap(inner, plain)}\n}} <<'{eof}'\n{encoded}{eof}"


def download(src: str) -> str:
    """Print a file base64-encoded; the engine decodes it."""
    return f"base64 < {shlex.quote(src)}"
