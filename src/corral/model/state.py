"""A run's state as pyinfra's deploy code sees it (``from corral import state``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .context import current_file

if TYPE_CHECKING:
    from .inventory import Inventory


class State:
    """The run's inventory and config, and the working directory it started in.

    pyinfra's ``State`` also drives its API mode (``add_op``, ``run_ops``); corral's
    embedding API is :func:`corral.api.run`, and this class is what deploy code reads:
    ``state.inventory``, ``state.config``, ``state.cwd`` (against which
    ``local.include`` resolves relative names) and ``state.current_exec_filename``.
    """

    def __init__(self, inventory: Inventory | None = None, config: Config | None = None,
                 cwd: str | None = None) -> None:
        self.inventory = inventory
        self.config = config if config is not None else Config()
        self.cwd = cwd if cwd is not None else os.getcwd()

    @property
    def current_exec_filename(self) -> str | None:
        """The deploy file the current host's code is running (an included one inside)."""
        return current_file.get()

    def __repr__(self) -> str:
        return f"State(cwd={self.cwd!r})"

    # what pyinfra's CLI sets from -v; corral's output is the CLI's own
    print_output = False
    print_input = False
    print_fact_info = False
    print_fact_output = False
    print_noop_info = False


def get_file_path(state: Any, filename: str | os.PathLike[str]) -> str:
    """A local file name as pyinfra resolves it: an absolute one as it is; one starting
    with ``./`` relative to the directory of the deploy file running now
    (``state.current_exec_filename``); any other relative to ``state.cwd``, the working
    directory the run started in."""
    name = os.fspath(filename)
    if Path(name).is_absolute():
        return name
    base = state.cwd
    current = state.current_exec_filename
    if current and name.startswith("./"):
        base = str(Path(current).parent)
    return str(Path(base) / name)
