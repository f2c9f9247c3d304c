"""``@local``: this machine, through one persistent ``sh`` process."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from corral.model.errors import ConnectError, ConnectionLost
from corral.model.host import Host

from .base import Connector, ShellSession
from .framing import FramedScript

_STREAM_LIMIT = 1 << 30


class ProcessConnector(Connector):
    """A connector whose remote shell is a local child process."""

    def __init__(self, host: Host) -> None:
        super().__init__(host)
        self._proc: asyncio.subprocess.Process | None = None
        self._session: ShellSession | None = None

    def argv(self) -> list[str]:
        return ["sh"]

    async def connect(self) -> None:
        env = dict(os.environ)
        env.setdefault("LC_ALL", "C")
        try:
            proc = await asyncio.create_subprocess_exec(
                *self.argv(),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=env,
                limit=_STREAM_LIMIT,
                start_new_session=True,
            )
        except OSError as exc:
            raise ConnectError(f"cannot start {self.argv()[0]}: {exc.strerror}") from None
        assert proc.stdin and proc.stdout and proc.stderr
        self._proc = proc
        self._session = ShellSession(proc.stdin, proc.stdout, proc.stderr, proc.stdin.drain)

    async def _send(self, script: FramedScript, timeout: float | None) -> tuple[bytes, bytes]:
        if self._session is None:
            raise ConnectionLost("not connected")
        try:
            return await self._session.send(script, timeout)
        except (BrokenPipeError, ConnectionResetError):
            raise ConnectionLost("the shell process died") from None
        except BaseException:
            # cancelled (Ctrl-C) or timed out mid-script: stop the shell and what it runs
            self._kill()
            raise

    def _kill(self) -> None:
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)

    async def close(self) -> None:
        proc = self._proc
        self._proc = self._session = None
        if proc is None:
            return
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        try:
            await asyncio.wait_for(_exited(proc), 5)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        # The shell has ended. A background job a deploy started may still hold its
        # output: it is left running (as over SSH, where the connection closes), and our
        # end of its output is closed rather than waited for (a job that writes again
        # then ends with SIGPIPE; one started with its output redirected is not touched).
        transport = getattr(proc, "_transport", None)  # asyncio keeps it private
        if transport is not None:
            transport.close()
        await proc.wait()


async def _exited(proc: asyncio.subprocess.Process) -> None:
    """Until the process has exited (``wait()`` also waits for its pipes to close, which a
    background job holding them may never do)."""
    while proc.returncode is None:
        await asyncio.sleep(0.005)


class LocalConnector(ProcessConnector):
    name = "local"
