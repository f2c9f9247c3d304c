"""Run the puppet agent."""

from __future__ import annotations

from corral.model.command import QuoteString, StringCommand
from corral.model.errors import OperationValueError
from corral.model.operation import OpGenerator, operation


@operation(is_idempotent=False,
           idempotent_notice="the agent runs every time; it exits 2 when it changed the "
                             "host (give success_exit_codes=[0, 2])")
def agent(server: str | None = None, port: int | None = None) -> OpGenerator:
    """Run the puppet agent once, in the foreground (``puppet agent -t``).

    + server: the puppet server (``--server=``)
    + port: its port (``--masterport=``)

    ``puppet`` must be on the PATH of the command's shell (pyinfra's note: puppet's own
    profile may add it only to login shells, see ``_use_sudo_login``).

    Example:
        puppet.agent(
            name="Run the puppet agent",
            success_exit_codes=[0, 2],
        )
    """
    words: list[object] = ["puppet", "agent", "-t"]
    if server:
        words.append(QuoteString(f"--server={server}"))
    if port:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise OperationValueError(f"port must be a port number, not {port!r}")
        words.append(f"--masterport={port}")
    yield StringCommand(*words)
