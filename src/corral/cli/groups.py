"""Running one of corral's own command groups (``corral vault``, ``corral history``,
``corral audit``) the way the command line runs its main command: bad usage is exit 4, corral's
errors are one line with their own exit code, Ctrl-C is exit 130, and anything else is one line
saying it is an internal error (``CORRAL_DEBUG=1`` shows the traceback)."""

from __future__ import annotations

import os

import click

from corral import api


def run_group(group: click.Command, args: list[str], prog_name: str) -> int:
    """Run ``prog_name ARGS`` with ``group``; the exit code."""
    try:
        code = group.main(args, prog_name=prog_name, standalone_mode=False)
        return code if isinstance(code, int) else api.EXIT_OK
    except click.UsageError as exc:
        error(exc.format_message())
        return api.EXIT_BAD_INPUT
    except api.CorralError as exc:
        error(str(exc))
        return exc.exit_code
    except (KeyboardInterrupt, EOFError, click.Abort):
        click.echo("interrupted", err=True)
        return api.EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("CORRAL_DEBUG"):
            raise
        error(f"internal error: {type(exc).__name__}: {exc} (set CORRAL_DEBUG=1 for a "
              "traceback)")
        return api.EXIT_FAILED


def error(message: str) -> None:
    """``error: MESSAGE`` on standard error, on one line."""
    click.echo("error: " + " ".join(message.split("\n")), err=True)
