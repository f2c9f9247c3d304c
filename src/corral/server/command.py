"""``corral serve [PROJECT_DIR]``: start the dashboard, or ``--init-admin``.

Exit codes: 0 stopped, 1 the store cannot be opened, 4 bad input (an address other than
loopback without TLS or ``--insecure-listen``, a project directory that is not one)."""

from __future__ import annotations

import ipaddress
import os
import sys
from pathlib import Path

import click

from corral import api, history
from corral.history.where import DEFAULT_PATH

from . import auth
from .project import ProjectError, discover

_NAME = "corral serve"


class _BadInput(Exception):
    pass


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_listen(host: str, cert: str | None, key: str | None, insecure: bool) -> None:
    """Loopback, or TLS, or the user said so: else one line of bad input."""
    if (cert is None) != (key is None):
        raise _BadInput("--cert and --key go together")
    for path in (cert, key):
        if path is not None and not Path(path).is_file():
            raise _BadInput(f"{path}: no such file")
    if not _loopback(host) and cert is None and not insecure:
        raise _BadInput(f"--host {host} is not a loopback address: serve it over TLS "
                        "(--cert FILE --key FILE) or say --insecure-listen")


def open_stores(target: str) -> history.Store:
    from .data import SplitStore

    writer = history.open_store(target)
    return SplitStore(writer, history.open_store(target, writing=False))


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("project_dir", default=".", type=click.Path(file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8700, show_default=True)
@click.option("--cert", metavar="FILE", default=None, help="TLS certificate (PEM).")
@click.option("--key", metavar="FILE", default=None, help="TLS private key (PEM).")
@click.option("--insecure-listen", is_flag=True,
              help="Listen on a non-loopback address without TLS (passwords in clear).")
@click.option("--history", "target", metavar="URL|PATH", default=None,
              help="The store (default $CORRAL_HISTORY_URL, else PROJECT_DIR/.corral/history.db).")
@click.option("--init-admin", "init_admin", metavar="NAME", is_flag=False, flag_value="admin",
              default=None, help="Create the admin user NAME (default admin), or give it a "
              "new password; print its one-time password and exit.")
def serve(project_dir: str, host: str, port: int, cert: str | None, key: str | None,
          insecure_listen: bool, target: str | None, init_admin: str | None) -> None:
    """The web dashboard and HTTP API of the project in PROJECT_DIR (docs/dashboard.md)."""
    check_listen(host, cert, key, insecure_listen)
    try:
        project = discover(project_dir)
    except ProjectError as exc:
        raise _BadInput(str(exc)) from None
    where = target or os.environ.get(history.URL_VARIABLE) or str(
        project.root / DEFAULT_PATH)
    try:
        store = open_stores(where)
    except history.HistoryError as exc:
        click.echo(f"{_NAME}: {exc}", err=True)
        sys.exit(api.EXIT_FAILED)
    if init_admin is not None:
        password = auth.new_password()
        try:
            if not auth.set_password(store, auth.check_name(init_admin), password):
                auth.create_user(store, init_admin, password, "admin")
        except auth.AuthError as exc:
            raise _BadInput(str(exc)) from None
        click.echo(f"user {init_admin} (admin): one-time password {password}")
        click.echo("(it is not stored: log in and keep it, or run --init-admin again)")
        return
    import uvicorn

    from .app import Settings, create_app

    app = create_app(Settings(project, store, tls=cert is not None))
    scheme = "https" if cert else "http"
    click.echo(f"corral serve: {scheme}://{host}:{port}/ ({project.root}; "
               f"{len(project.inventories)} inventories, {len(project.deploys)} deploys; "
               f"store {store.where})", err=True)
    uvicorn.run(app, host=host, port=port, ssl_certfile=cert, ssl_keyfile=key,
                log_level="warning", server_header=False)


def main(args: list[str]) -> int:
    try:
        serve.main(args, prog_name=_NAME, standalone_mode=False)
    except click.UsageError as exc:
        click.echo(f"{_NAME}: {exc.format_message()}", err=True)
        return api.EXIT_BAD_INPUT
    except _BadInput as exc:
        click.echo(f"{_NAME}: {exc}", err=True)
        return api.EXIT_BAD_INPUT
    except (KeyboardInterrupt, click.Abort):
        return api.EXIT_INTERRUPTED
    return api.EXIT_OK
