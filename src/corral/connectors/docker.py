"""``@docker/ID``: a Docker container on this machine, as pyinfra's connector has it.

``ID`` names a running container (the deploy runs in it, and it is left running) or an
image (a container is started from it, the deploy runs in it, and at the end it is
committed as a new image, whose id is shown, and removed). The ``docker`` command is the
one on ``PATH``, reaching the engine ``DOCKER_HOST`` names (or its default socket).

Host data, as pyinfra's: ``docker_identifier`` (set from the target), ``docker_platform``
and ``docker_architecture`` (``--platform`` and ``--arch`` of ``docker run``).

The deploy runs in one persistent shell in the container (``docker exec -i ID sh``),
framed as every connector's, so a wave costs one ``docker exec``; uploads and downloads go
through that shell as well.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from corral.model.errors import BadInput, ConnectError
from corral.model.host import Host

from .container import (
    Completed,
    Container,
    close_container,
    open_container,
    parse_pid,
    shell_argv,
    stop_argv,
    stop_script,
)
from .framing import FramedScript
from .local import ProcessConnector

logger = logging.getLogger("corral")


async def run_here(argv: list[str]) -> Completed:
    """Run one engine command on this machine and wait for it."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env={**os.environ, "LC_ALL": "C"})
    except OSError as exc:
        raise ConnectError(f"cannot run {argv[0]}: {exc.strerror}") from None
    out, err = await proc.communicate()
    return Completed(proc.returncode or 0, out.decode(errors="replace"),
                     err.decode(errors="replace"))


class DockerConnector(ProcessConnector):
    name = "docker"
    #: the engine's command (podman takes the same arguments)
    engine = "docker"

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self.container: Container | None = None
        #: the last thing ``close`` reported (the new image's id...)
        self.outcome: str | None = None
        self._pid: int | None = None
        self._busy = False

    def argv(self) -> list[str]:
        assert self.container is not None
        return shell_argv(self.engine, self.container.id)

    async def connect(self) -> None:
        identifier = self.host.data.get("docker_identifier") or self.host.target
        if not identifier:
            raise BadInput(f"@{self.name} needs an image or a container: @{self.name}/ID",
                           host=self.host.name)
        try:
            self.container = await open_container(run_here, self.engine, str(identifier),
                                                  self.host.data)
        except BadInput as exc:
            raise exc.with_context(host=self.host.name) from None
        try:
            await super().connect()
            self._pid = await self._shell_pid()
        except BaseException:
            await self._discard()
            raise

    async def _shell_pid(self) -> int:
        proc = self._proc
        assert proc is not None and proc.stdout is not None and proc.stderr is not None
        with contextlib.suppress(TimeoutError, ValueError):
            return parse_pid(await asyncio.wait_for(proc.stdout.readline(), 30))
        self._kill()
        err = (await proc.stderr.read()).decode(errors="replace").strip()
        assert self.container is not None
        raise ConnectError(f"cannot start a shell in {self.engine} container "
                           f"{self.container.id}: {err.splitlines()[-1] if err else 'no sh?'}")

    async def _discard(self) -> None:
        """After a failed connect: no shell, and no container left from an image."""
        box, self.container = self.container, None
        await super().close()
        if box is not None and box.started:
            await run_here([self.engine, "rm", "-f", box.id])

    async def _send(self, script: FramedScript, timeout: float | None) -> tuple[bytes, bytes]:
        self._busy = True
        out, err = await super()._send(script, timeout)
        self._busy = False
        return out, err

    async def close(self) -> None:
        box, busy = self.container, self._busy
        self.container, self._busy = None, False
        if box is not None and busy and self._pid:
            # interrupted mid-script: the engine does not end what ``exec`` started when
            # its client ends
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    run_input(stop_argv(self.engine, box.id), stop_script(self._pid)), 10)
        await super().close()
        if box is None:
            return
        ok, self.outcome = await close_container(run_here, box, commit=not busy)
        self.host.log(self.outcome, None if ok else logger.warning)


class PodmanConnector(DockerConnector):
    """``@podman/ID``: a Podman container on this machine, as ``@docker`` (same host data,
    ``docker_identifier`` included, as pyinfra's). The ``podman`` command on ``PATH`` runs
    as its configuration says (``containers.conf``, ``CONTAINERS_CONF``...)."""

    name = "podman"
    engine = "podman"


async def run_input(argv: list[str], text: str) -> None:
    """Run one command here with ``text`` on its standard input."""
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)
    await proc.communicate(text.encode())
