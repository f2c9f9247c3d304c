"""Deploy code's helpers on the controller (``pyinfra.local``): run another deploy file
for the current host (:func:`include`), and run commands on the controller
(:func:`shell`)."""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import CodeType
from typing import Any

from corral.model.context import (
    current_config,
    current_file,
    deploy_data,
    require_context,
    require_run,
)
from corral.model.errors import BadInput, CorralError
from corral.model.state import get_file_path

# ``import corral`` imports this module: what only a call needs (asyncio, subprocess, the
# engine's greenlets, the operation machinery) is imported by the call

#: compiled included files: (path, mtime, size) -> code (each host of a run includes
#: the same files)
_CODE: dict[tuple[str, int, int], CodeType] = {}


def include(filename: str | os.PathLike[str], data: Mapping[str, Any] | None = None) -> None:
    """Run another deploy file for the current host, here, as pyinfra's ``local.include``.

    ``filename``: absolute; ``./name`` relative to the directory of the file calling
    ``include``; any other name relative to the working directory the run started in
    (``state.cwd``). ``data`` is what the file sees through ``host.data`` below every
    other layer (host, group and ``all`` data win), replacing the data of an enclosing
    include; operations it calls keep that layer when they are planned and run. Changes
    to ``config`` inside the file are undone when it ends. A missing file or a syntax
    error is bad input (exit 4), found before any host changes.
    """
    from corral.model.operation import caller_location, deploy_names

    require_context()  # deploy code run by corral, for one host
    run = require_run()
    where = caller_location(2)
    if data is not None and not isinstance(data, Mapping):
        raise BadInput(f"local.include: data must be a dict, not {type(data).__name__}",
                       file=where[0], line=where[1])
    path = get_file_path(run.state, filename)
    code = _compiled(path, where)
    name = path
    try:
        name = str(Path(path).relative_to(run.state.cwd))
    except ValueError:
        pass
    with _config_kept(current_config()):
        data_token = deploy_data.set(dict(data) if data else {})
        file_token = current_file.set(path)
        name_token = deploy_names.set((*deploy_names.get(), name))
        try:
            exec(code, {"__name__": "__corral_deploy__", "__file__": path})
        finally:
            deploy_names.reset(name_token)
            current_file.reset(file_token)
            deploy_data.reset(data_token)


def _compiled(path: str, where: tuple[str, int]) -> CodeType:
    try:
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size)
        code = _CODE.get(key)
        if code is None:
            with open(path, encoding="utf-8") as fh:
                source = fh.read()
            code = _CODE[key] = compile(source, path, "exec")
        return code
    except OSError as exc:
        raise BadInput(f"local.include: cannot read {path}: {exc.strerror}", file=where[0],
                       line=where[1]) from None
    except (SyntaxError, ValueError) as exc:
        line = exc.lineno if isinstance(exc, SyntaxError) else None
        raise BadInput(f"syntax error: {getattr(exc, 'msg', exc)}", file=path,
                       line=line) from None


@contextmanager
def _config_kept(config: Any) -> Iterator[None]:
    """Put the config's settings back as they were once the block ends (pyinfra keeps a
    file's config changes to that file)."""
    if not dataclasses.is_dataclass(config):
        yield
        return
    saved = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    try:
        yield
    finally:
        for key, value in saved.items():
            setattr(config, key, value)


def shell(commands: str | Sequence[str], splitlines: bool = False,
          ignore_errors: bool = False, print_output: bool = False,
          print_input: bool = False) -> str | list[str]:
    """Run shell commands on the controller (``sh -c``), one after the other; return what
    they printed on standard output, lines joined with newlines (a list of lines with
    ``splitlines``). A command that exits non-zero raises :class:`CorralError`
    (pyinfra's ``PyinfraError``) with its error output, unless ``ignore_errors``. In deploy
    code the other hosts go on meanwhile."""
    if isinstance(commands, str):
        commands = [commands]
    lines: list[str] = []
    for command in commands:
        if print_input:
            print(f"localhost: >>> {command}", file=sys.stderr)
        code, out, err = _run_local(command)
        if print_output:
            for line in (out + err).splitlines():
                print(f"localhost: {line}", file=sys.stderr)
        if code != 0 and not ignore_errors:
            raise CorralError(f"local command failed (exit code {code}): {command}\n"
                              f"{err.rstrip()}".rstrip())
        lines += out.splitlines()
    return lines if splitlines else "\n".join(lines)


def _run_local(command: str) -> tuple[int, str, str]:
    import subprocess

    from corral.engine.greenlets import await_only, in_driven

    if in_driven():  # deploy code: the other hosts' tasks run while this one waits
        return await_only(_run_async(command))
    done = subprocess.run(command, shell=True, capture_output=True, stdin=subprocess.DEVNULL,
                          check=False)
    return done.returncode, _text(done.stdout), _text(done.stderr)


async def _run_async(command: str) -> tuple[int, str, str]:
    import asyncio
    import subprocess

    proc = await asyncio.create_subprocess_shell(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = await proc.communicate()
    except asyncio.CancelledError:  # the run was interrupted: the command ends with it
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode or 0, _text(out), _text(err)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


__all__ = ["include", "shell"]
