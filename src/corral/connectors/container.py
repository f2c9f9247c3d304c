"""What the Docker and Podman connectors share: the engine commands they run (to find or
start a container, to commit it as an image and remove it), read from the engine's
output, whether the engine runs here (``@docker``) or on a host reached over SSH
(``@dockerssh``).

The deploy itself runs in one persistent shell per container (``ENGINE exec -i ID sh``),
framed like every other connector's: this module only brackets it.

Every word is passed to the engine as one argument (here, an argv; over SSH, each word
quoted with :func:`shlex.quote`), and what names an image or a container is checked first:
one that the engine would read as an option (a leading ``-``) or that holds whitespace or
control characters is refused as bad input.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from corral.model.errors import BadInput, ConnectError

#: the remote shell started in the container: it prints its process id first (a session
#: leader: ``exec`` makes one), so an interrupted run can end what it still runs
SHELL = "echo CORRAL_PID=$$; exec sh"

_NO_CONTAINER = re.compile(r"no such (container|object)", re.IGNORECASE)
_HEX_ID = re.compile(r"^(sha256:)?([0-9a-f]{12,64})$")


@dataclass(frozen=True)
class Completed:
    """What one engine command did: its exit status and its output."""

    code: int
    out: str
    err: str


#: runs one engine command (an argv) where the engine is, and waits for it
Runner = Callable[[list[str]], Awaitable[Completed]]


def check_name(value: Any, what: str) -> str:
    """``value`` as an image or container name the engine cannot misread, else BadInput."""
    if not isinstance(value, str) or not value:
        raise BadInput(f"{what} must be a non-empty string, not {value!r}")
    if value.startswith("-"):
        raise BadInput(f"{what} {value!r} starts with '-' (it would be read as an option)")
    if any(c.isspace() or not c.isprintable() for c in value):
        raise BadInput(f"{what} {value!r} holds whitespace or control characters")
    return value


def error_line(err: str, fallback: str) -> str:
    """One line saying why an engine command failed, from its standard error: the last
    line that says error (docker prints help hints after it), else the last line."""
    lines = [ln.strip() for ln in err.splitlines() if ln.strip()]
    for line in reversed(lines):
        if "error" in line.lower() or "cannot connect" in line.lower():
            return line.removeprefix("docker: ").rstrip(".")
    return lines[-1] if lines else fallback


def image_id(out: str) -> str:
    """The short (12 digit) id of the image ``ENGINE commit`` made: its output's last line,
    ``sha256:HEX`` from docker, ``HEX`` from podman."""
    lines = out.split()
    match = _HEX_ID.match(lines[-1]) if lines else None
    if match is None:
        raise ConnectError(f"the engine's commit printed no image id: {out.strip()[-200:]!r}")
    return match.group(2)[:12]


def run_argv(engine: str, image: str, data: Mapping[str, Any]) -> list[str]:
    """Start a container from ``image`` in the background, kept alive by ``tail``
    (whatever the image's own command is), as pyinfra does."""
    argv = [engine, "run", "-d"]
    for key, flag in (("docker_platform", "--platform"), ("docker_architecture", "--arch")):
        value = data.get(key)
        if value:
            argv += [flag, check_name(value, key)]
    return [*argv, image, "tail", "-f", "/dev/null"]


def shell_argv(engine: str, container: str) -> list[str]:
    """The persistent shell in the container."""
    return [engine, "exec", "-i", container, "sh", "-c", SHELL]


def stop_argv(engine: str, container: str) -> list[str]:
    """A second shell in the container, which reads a stop script on its standard input."""
    return [engine, "exec", "-i", container, "sh"]


def command_line(argv: list[str]) -> str:
    """``argv`` as one line for a remote shell (SSH), each word quoted."""
    return shlex.join(argv)


def parse_pid(line: bytes) -> int:
    """The shell's process id from its first line (``CORRAL_PID=N``)."""
    key, _, value = line.decode(errors="replace").strip().partition("=")
    if key != "CORRAL_PID" or not value.isdigit():
        raise ValueError(line)
    return int(value)


@dataclass
class Container:
    """The container a host's deploy runs in: ``started`` if the connector started it from
    an image (it is then committed as a new image and removed at the end)."""

    engine: str
    id: str
    started: bool


async def open_container(run: Runner, engine: str, identifier: str,
                         data: Mapping[str, Any]) -> Container:
    """The running container ``identifier`` names, or else a new one started from the image
    it names. A container that exists but is not running is an error (pyinfra starts it,
    and removes it at the end: corral leaves it to the user)."""
    identifier = check_name(identifier, f"the {engine} container or image")
    found = await run([engine, "container", "inspect", "--format", "{{.State.Running}}",
                       identifier])
    if found.code == 0:
        if found.out.strip() != "true":
            raise ConnectError(f"{engine} container {identifier} is not running "
                               f"(start it with: {engine} start {identifier})")
        return Container(engine, identifier, started=False)
    if not _NO_CONTAINER.search(found.err):
        raise ConnectError(f"{engine}: {error_line(found.err, 'cannot inspect containers')}")
    return await start_container(run, engine, identifier, data)


async def start_container(run: Runner, engine: str, image: str,
                          data: Mapping[str, Any]) -> Container:
    image = check_name(image, f"the {engine} image")
    started = await run(run_argv(engine, image, data))
    lines = started.out.split()
    if started.code != 0 or not lines:
        reason = error_line(started.err, f"exit status {started.code}")
        raise ConnectError(f"{engine} cannot start a container from {image}: {reason}")
    return Container(engine, lines[-1], started=True)


async def running_container(run: Runner, engine: str, container: str) -> Container:
    """A container the user named (``docker_container_id``): it must be running."""
    container = check_name(container, "docker_container_id")
    found = await run([engine, "container", "inspect", "--format", "{{.State.Running}}",
                       container])
    if found.code != 0:
        raise ConnectError(f"{engine}: {error_line(found.err, 'no such container')}")
    if found.out.strip() != "true":
        raise ConnectError(f"{engine} container {container} is not running")
    return Container(engine, container, started=False)


async def close_container(run: Runner, box: Container, commit: bool) -> tuple[bool, str]:
    """Whether all went well, and the message to show once the deploy is done: a
    container the connector started is committed as a new image (unless ``commit`` is
    false: an interrupted run) and removed; one that was running is left running."""
    if not box.started:
        return True, f"{box.engine} build complete, container left running: {box.id}"
    made = None
    problem = ""
    if commit:
        done = await run([box.engine, "commit", box.id])
        if done.code == 0:
            made = image_id(done.out)
        else:
            problem = error_line(done.err, f"exit status {done.code}")
    removed = await run([box.engine, "rm", "-f", box.id])
    gone = "" if removed.code == 0 else (
        f"; the container {box.id} could not be removed: "
        f"{error_line(removed.err, 'unknown error')}")
    if made is not None:
        return not gone, f"{box.engine} build complete, image ID: {made}{gone}"
    if not commit:
        return not gone, (f"{box.engine}: interrupted, no image committed"
                          f"{gone or '; the container is removed'}")
    return False, f"{box.engine} commit failed: {problem}{gone}"


def stop_script(pid: int) -> str:
    """For a second shell in the container: end what the deploy's shell (``pid``, a
    session leader) still runs, TERM and, a second later, KILL (as the container's user:
    root unless the image says otherwise). ``pkill`` may be missing: the group is ended
    by ``kill`` alone then."""
    def signal(name: str) -> str:
        return f"kill -{name} -{pid} 2>/dev/null; pkill -{name} -s {pid} 2>/dev/null"

    return f"{signal('TERM')}\nsleep 1\n{signal('KILL')}\ntrue\n"
