"""``corral vault ...``: create, read and change the vault file (docs/vault.md).

Keys come from CORRAL_VAULT_IDENTITY, CORRAL_VAULT_PASSPHRASE or a prompt on the terminal,
never from the command line. Exit codes: 0 done, 1 the editor failed (nothing changed),
4 bad input (wrong key, tampered or malformed file, unknown key name...; nothing changed),
130 interrupted.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from corral import api, history
from corral.history.provenance import os_user
from corral.vault import crypto, text
from corral.vault.store import (
    ENV_NEW_PASSPHRASE,
    ENV_PASSPHRASE,
    Keys,
    Vault,
    VaultError,
    can_prompt,
    check_name,
    configure,
    default_path,
    load_public,
    prompt_secret,
)

from .groups import run_group

SHM = Path("/dev/shm")


class EditorFailed(api.CorralError):
    exit_code = api.EXIT_FAILED


def _new_passphrase(env: str) -> str | None:
    """A new passphrase: from ``env``, or typed twice on the terminal; None if neither."""
    given = os.environ.get(env)
    if given:
        return given
    if not can_prompt():
        return None
    first = prompt_secret("New passphrase: ")
    if not first:
        raise VaultError("an empty passphrase is not allowed")
    if prompt_secret("Same passphrase again: ") != first:
        raise VaultError("the two passphrases differ")
    return first


def _open() -> Vault:
    return Vault.open(default_path(), Keys.from_environment(can_prompt()))


def _audit(changed: bool, command: str, keys: list[str] | set[str] | None = None) -> None:
    """Record in the history's audit log what the command read or changed (key names,
    never values): in the store ``CORRAL_HISTORY_URL`` names, else ``.corral/history.db``
    here (where a run from here records), unless ``CORRAL_NO_HISTORY`` is set. A store
    that cannot be written is said on one line; the command's own work is done."""
    if os.environ.get(history.OFF_VARIABLE):
        return
    from corral.history import audit

    kind = audit.VAULT_CHANGE if changed else audit.VAULT_READ
    target = os.environ.get(history.URL_VARIABLE) or history.default_target(None)
    try:
        history.append_audit(target, kind, {"command": f"corral vault {command}",
                                            "vault": str(default_path()),
                                            "keys": sorted(keys or [])},
                             actor=os_user())
    except history.HistoryError as exc:
        click.echo(f"warning: not recorded in the audit log: {exc}", err=True)


READ, CHANGE = False, True


_work_factor = click.option(
    "--work-factor", type=click.IntRange(crypto.MIN_LOG_N, crypto.MAX_LOG_N), default=None,
    help=f"scrypt cost, log2 of N (default {crypto.DEFAULT_LOG_N}: about 128 MiB and "
    "half a second).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--vault", "vault_file", metavar="FILE", default=None,
              help="The vault file (default: $CORRAL_VAULT_FILE, else ./secrets.vault).")
def vault(vault_file: str | None) -> None:
    """Secrets kept encrypted in a file beside the deploy; read in deploys with
    ``from corral import secrets`` and ``secrets["name"]``.

    The key comes from CORRAL_VAULT_IDENTITY (an identity file), CORRAL_VAULT_PASSPHRASE,
    or a prompt on the terminal; never from the command line. Exit codes: 0 done,
    1 the editor failed, 4 bad input (nothing changed), 130 interrupted.
    """
    if vault_file:
        configure(vault_file)


@vault.command()
@click.option("--recipient", "recipients", multiple=True, metavar="PUBKEY_FILE",
              help="Also open with this identity's public key (repeatable).")
@click.option("--no-passphrase", is_flag=True, help="Recipients only, no passphrase.")
@_work_factor
def init(recipients: tuple[str, ...], no_passphrase: bool, work_factor: int | None) -> None:
    """Create an empty vault: a passphrase (CORRAL_VAULT_PASSPHRASE, or asked twice)
    and/or recipients."""
    path = default_path()
    if path.exists():
        raise VaultError(f"{path} exists already (corral vault rekey changes its keys)")
    publics = [load_public(r) for r in recipients]
    passphrase = None
    if not no_passphrase:
        passphrase = _new_passphrase(ENV_PASSPHRASE)
        if passphrase is None:
            raise VaultError(f"no passphrase: set {ENV_PASSPHRASE}, run on a terminal, or "
                             "use --no-passphrase with --recipient")
    elif not publics:
        raise VaultError("--no-passphrase needs at least one --recipient")
    v = Vault.create(path, passphrase, publics, work_factor or crypto.DEFAULT_LOG_N)
    v.save()
    click.echo(f"created {path}", err=True)


@vault.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def keygen(path: Path) -> None:
    """Create an identity: PATH (private key, mode 600) and PATH.pub (public key)."""
    private, public = crypto.generate_identity()
    pub_path = path.with_name(path.name + ".pub")
    for p in (path, pub_path):
        if p.exists():
            raise VaultError(f"{p} exists already")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise VaultError(f"cannot write {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w") as f:
        f.write("# corral vault identity (X25519 private key): keep it secret\n"
                f"# public key: {public}\n{private}\n")
    pub_path.write_text(public + "\n")
    click.echo(f"created {path} and {pub_path}", err=True)
    click.echo(public)


@vault.command()
def view() -> None:
    """Print the secrets in clear, as 'KEY: value' lines."""
    values = _open().values
    _audit(READ, "view", set(values))
    click.echo(text.dump(values), nl=False)


@vault.command()
@click.argument("key")
def get(key: str) -> None:
    """Print one secret's value."""
    value = _open()[key]
    _audit(READ, "get", [key])
    click.echo(value, nl=not value.endswith("\n"))


@vault.command(name="set")
@click.argument("key")
def set_(key: str) -> None:
    """Set KEY to a value read from standard input (one trailing newline dropped) or,
    on a terminal, typed twice (hidden)."""
    check_name(key)
    v = _open()
    if sys.stdin.isatty():
        value = prompt_secret(f"Value of {key}: ")
        if prompt_secret(f"Value of {key} again: ") != value:
            raise VaultError("the two values differ; nothing changed")
    else:
        value = sys.stdin.read()
        value = value[:-1] if value.endswith("\n") else value
    v.set(key, value)
    v.save()
    _audit(CHANGE, "set", [key])
    click.echo(f"set {key} in {v.path}", err=True)


@vault.command()
@click.argument("key")
def rm(key: str) -> None:
    """Remove KEY."""
    v = _open()
    v.remove(key)
    v.save()
    _audit(CHANGE, "rm", [key])
    click.echo(f"removed {key} from {v.path}", err=True)


@vault.command(name="add-recipient")
@click.argument("pubkey_file")
def add_recipient(pubkey_file: str) -> None:
    """Let one more identity open the vault (the data key is wrapped for it too)."""
    public = load_public(pubkey_file)
    v = _open()
    if not v.add_recipient(public):
        click.echo(f"{pubkey_file} is a recipient already; nothing changed", err=True)
        return
    v.save()
    _audit(CHANGE, "add-recipient")
    click.echo(f"added a recipient to {v.path}", err=True)


@vault.command()
@click.option("--new-passphrase", is_flag=True,
              help=f"A new passphrase ({ENV_NEW_PASSPHRASE}, or asked twice).")
@click.option("--no-passphrase", is_flag=True, help="Drop the passphrase.")
@click.option("--recipient", "added", multiple=True, metavar="PUBKEY_FILE",
              help="Add this recipient (repeatable).")
@click.option("--drop-recipient", "dropped", multiple=True, metavar="PUBKEY_FILE",
              help="Remove this recipient (repeatable).")
@_work_factor
def rekey(new_passphrase: bool, no_passphrase: bool, added: tuple[str, ...],
          dropped: tuple[str, ...], work_factor: int | None) -> None:
    """A new data key for every value, wrapped again for the passphrase and recipients
    (after removing someone's access, rekey and change the secrets themselves)."""
    if new_passphrase and no_passphrase:
        raise VaultError("--new-passphrase and --no-passphrase contradict each other")
    v = _open()
    publics = [crypto.parse_public(r) for r in v.recipients]
    for spec in dropped:
        public = load_public(spec)
        if public not in publics:
            raise VaultError(f"{spec} is not a recipient of {v.path}")
        publics.remove(public)
    for spec in added:
        public = load_public(spec)
        if public not in publics:
            publics.append(public)
    passphrase = v.passphrase
    if no_passphrase:
        passphrase = None
    elif new_passphrase:
        passphrase = _new_passphrase(ENV_NEW_PASSPHRASE)
        if passphrase is None:
            raise VaultError(f"no new passphrase: set {ENV_NEW_PASSPHRASE} or run on a "
                             "terminal")
    elif v.has_passphrase and passphrase is None:
        raise VaultError(f"to keep the passphrase, open the vault with it ({ENV_PASSPHRASE}"
                         "); or give --new-passphrase or --no-passphrase")
    v.rekey(passphrase, publics, work_factor)
    v.save()
    _audit(CHANGE, "rekey")
    click.echo(f"rekeyed {v.path}", err=True)


@vault.command()
def edit() -> None:
    """Edit the secrets in $EDITOR: a mode-600 clear-text file in /dev/shm (memory),
    encrypted back and removed when the editor exits."""
    v = _open()
    _audit(READ, "edit", set(v.values))
    base = str(SHM) if SHM.is_dir() and os.access(SHM, os.W_OK | os.X_OK) else None
    if base is None:
        click.echo("warning: no /dev/shm; the clear text goes to a private temporary "
                   "directory on disk", err=True)
    tmpdir = Path(tempfile.mkdtemp(prefix="corral-vault-", dir=base))  # mode 700
    work = tmpdir / "secrets.yaml"
    try:
        fd = os.open(work, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text.dump(v.values, str(v.path)))
        while True:
            _run_editor(work)
            try:
                values = text.load(work.read_text(encoding="utf-8"), "the edited text")
                break
            except (VaultError, UnicodeDecodeError) as exc:
                if not (sys.stdin.isatty() and click.confirm(
                        f"{exc}\nEdit again? (no: nothing changes)", default=True,
                        err=True)):
                    raise VaultError(f"{exc}; nothing changed") from None
    finally:
        _shred(work)
        shutil.rmtree(tmpdir, ignore_errors=True)
    if values == v.values:
        click.echo("no changes", err=True)
        return
    changed = {k for k in set(values) | set(v.values) if values.get(k) != v.values.get(k)}
    v.values = values
    v.save()
    _audit(CHANGE, "edit", changed)
    click.echo(f"saved {v.path}", err=True)


def _run_editor(path: Path) -> None:
    editor = os.environ.get("EDITOR") or os.environ.get("VISUAL") or "vi"
    old = os.umask(0o077)  # an editor that writes a new file keeps it private too
    try:
        code = subprocess.call([*shlex.split(editor), str(path)])
    except OSError as exc:
        raise EditorFailed(f"cannot run the editor {editor!r}: {exc.strerror}; nothing "
                           "changed") from None
    finally:
        os.umask(old)
    if code != 0:
        raise EditorFailed(f"the editor exited with {code}; nothing changed")


def _shred(path: Path) -> None:
    """Overwrite, then remove (in memory on /dev/shm; a best effort on disk)."""
    try:
        size = path.stat().st_size
        with open(path, "r+b") as f:
            f.write(b"\0" * size)
            f.flush()
    except OSError:
        pass
    path.unlink(missing_ok=True)


def main(args: list[str]) -> int:
    """Run ``corral vault ARGS``; the exit code."""
    return run_group(vault, args, "corral vault")


__all__ = ["main", "vault"]
