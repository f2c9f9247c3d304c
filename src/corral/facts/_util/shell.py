"""A path written into a command for sh, quoted one way everywhere: facts and operations
share it, and a fact's command is the key of the fact cache and of batching, so the text
must not differ between two places that build it."""

from __future__ import annotations

import shlex


def shell_path(path: str) -> str:
    """A path as one sh word.

    A leading ``~/`` is left unquoted so the host's shell expands it, and a leading ``-``
    gets ``./`` so no command takes the path for an option.
    """
    if path.startswith("~/"):
        return "~/" + shlex.quote(path[2:])
    if path.startswith("-"):
        path = "./" + path
    return shlex.quote(path)
