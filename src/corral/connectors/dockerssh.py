"""``@dockerssh/HOST:IMAGE``: a Docker container on a remote host, reached over corral's SSH
connector, as pyinfra's connector has it. The ``docker`` commands run on HOST, each over the
SSH connection: a container is started from IMAGE, the deploy runs in it through one
persistent shell (``docker exec -i ID sh``, the connection's remote shell), and at the end
it is committed as a new image (its id is shown) and removed.

Host data, as pyinfra's: ``ssh_hostname`` and ``docker_image`` (set from the target), the
``ssh_*`` keys of the SSH connector, ``docker_platform`` and ``docker_architecture``, and
``docker_container_id``: a running container on HOST to use instead of starting one (it is
left running, neither committed nor removed: pyinfra commits and removes it).
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from corral.model.errors import BadInput, ConnectError

from .container import (
    Completed,
    Container,
    Runner,
    check_name,
    close_container,
    command_line,
    running_container,
    shell_argv,
    start_container,
    stop_argv,
)
from .ssh import SSHConnector

logger = logging.getLogger("corral")


def ssh_runner(conn: Any) -> Runner:
    """Runs one engine command on the host at the other end of ``conn``."""
    import asyncssh  # loaded already, by .ssh (which loads it the way it must be)

    async def run(argv: list[str]) -> Completed:
        try:
            done = await conn.run(command_line(argv), stdin=asyncssh.DEVNULL)
        except (asyncssh.Error, OSError) as exc:
            raise ConnectError(f"cannot run {argv[0]} over SSH: {exc}") from None
        code = done.exit_status if done.exit_status is not None else 255
        return Completed(code, str(done.stdout or ""), str(done.stderr or ""))
    return run


class DockerSSHConnector(SSHConnector):
    name = "dockerssh"
    engine = "docker"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.container: Container | None = None
        #: the last thing ``close`` reported (the new image's id...)
        self.outcome: str | None = None

    def _address(self) -> str:
        address = self.host.data.get("ssh_hostname") or self.host.target.partition(":")[0]
        return str(address)

    async def _remote_shell(self, conn: Any) -> str:
        run = ssh_runner(conn)
        data = self.host.data
        try:
            given = data.get("docker_container_id")
            if given:
                self.container = await running_container(run, self.engine, str(given))
            else:
                image = data.get("docker_image") or self.host.target.partition(":")[2]
                self.container = await start_container(
                    run, self.engine, check_name(image, f"the {self.engine} image"), data)
        except BadInput as exc:
            raise exc.with_context(host=self.host.name) from None
        self._stop_shell = command_line(stop_argv(self.engine, self.container.id))
        return command_line(shell_argv(self.engine, self.container.id))

    async def close(self) -> None:
        box, conn, busy = self.container, self._conn, self._busy
        self.container = None
        if box is not None and conn is not None:
            if busy:
                self._busy = False
                await self._stop_remote(conn)
            if self._proc is not None:
                with contextlib.suppress(Exception):
                    self._proc.stdin.write_eof()
            ok, self.outcome = await close_container(ssh_runner(conn), box, commit=not busy)
            self.host.log(self.outcome, None if ok else logger.warning)
        await super().close()


class PodmanSSHConnector(DockerSSHConnector):
    """``@podmanssh/HOST:IMAGE``: a Podman container on a remote host reached over SSH, as
    ``@dockerssh`` (same host data, as pyinfra's)."""

    name = "podmanssh"
    engine = "podman"
