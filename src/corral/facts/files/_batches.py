"""Batches of the file facts (see ``corral.model.facts.FactBatch``): the details of many
paths from one ``stat``, the hashes of many files from one ``*sum``."""

from __future__ import annotations

import shlex
from typing import ClassVar

from corral.model.facts import FactBatch

from . import _STAT_FIELDS, LINK_PREFIX


def _mark_each(paths: str, test: str) -> str:
    """A marker for each of ``paths`` (shell words) for which ``test`` (on ``$p``) holds;
    ``$f`` is set when there was one (the tool then has something to answer for; with none,
    as on a first run, it is not started)."""
    gs, us = FactBatch.GS, FactBatch.US
    return (f"__cf_f=; for __cf_p in {paths}; do if {test}; then "
            f"printf '{gs}%s{us}' \"$__cf_p\"; __cf_f=1; fi; done; ")


class _PathBatch(FactBatch):
    """A batch over paths, in the script's own shell: ``script`` gets them as shell words."""

    inline = True

    @classmethod
    def command(cls, items: list[str]) -> str:
        return cls.script(" ".join(shlex.quote(p) for p in items), cls.GS, cls.US)

    @classmethod
    def script(cls, paths: str, gs: str, us: str) -> str:
        raise NotImplementedError


class StatBatch(_PathBatch):
    """File, Directory and Link facts of many paths: one ``stat`` (GNU or BusyBox) for all,
    a marker for each path that exists, and ``readlink`` only for links."""

    @classmethod
    def script(cls, paths: str, gs: str, us: str) -> str:
        return (
            _mark_each(paths, '[ -e "$__cf_p" ] || [ -L "$__cf_p" ]')
            + f"[ -z \"$__cf_f\" ] || stat -c '{gs}%n{us}{_STAT_FIELDS}' -- {paths} 2>/dev/null; "
            f'for __cf_p in {paths}; do if [ -L "$__cf_p" ]; then '
            f"printf '{gs}%s{us}{LINK_PREFIX}%s\\n' \"$__cf_p\" \"$(readlink \"$__cf_p\")\"; "
            "fi; done; "
            "true"
        )


class HashBatch(_PathBatch):
    """Hash facts of many paths: one GNU ``*sum`` for all, after a marker for each regular
    file (what such a tool answers for; anything else reads as it does alone, nothing)."""

    tool: ClassVar[str] = ""

    @classmethod
    def script(cls, paths: str, gs: str, us: str) -> str:
        return (
            _mark_each(paths, '[ -f "$__cf_p" ]')
            + f"[ -z \"$__cf_f\" ] || {cls.tool} -- {paths} 2>/dev/null | "
            f"while IFS= read -r __cf_l; do printf '{gs}%s{us}%s\\n' \"${{__cf_l#*  }}\" "
            '"$__cf_l"; done; true'
        )


_HASH_BATCHES: dict[str, type[HashBatch]] = {}


def hash_batch(tool: str) -> type[HashBatch]:
    if tool not in _HASH_BATCHES:
        _HASH_BATCHES[tool] = type(f"HashBatch_{tool}", (HashBatch,), {"tool": tool})
    return _HASH_BATCHES[tool]
