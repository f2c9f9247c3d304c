"""Facts: a shell command and a pure parser of its output."""

from __future__ import annotations

import inspect
import itertools
from typing import Any, ClassVar, Generic, TypeVar

from .keys import ANY, Key

T = TypeVar("T")

_REGISTRY: dict[str, type[FactBase[Any]]] = {}


def namespace(module: str, prefix: str) -> str:
    """The namespace of a module below ``prefix``: its public parts, up to the first private
    one (``corral.facts.server._info`` -> ``server``, ``corral.operations.freebsd.pkg`` ->
    ``freebsd.pkg``); the whole module name when it is not below ``prefix``."""
    if not module.startswith(prefix):
        return module
    parts = module[len(prefix) :].split(".")
    public = list(itertools.takewhile(lambda part: not part.startswith("_"), parts))
    return ".".join(public or parts)


class FactBase(Generic[T]):
    """Base of every fact.

    A subclass defines ``command(self, *args)`` returning a shell string, and
    ``process(self, output)`` turning the command's output lines into the fact's value.
    ``default()`` is the value when ``requires_command`` is missing or the command says
    the thing it reads is not there (``absent_exit_codes``, ``is_absent``); any other
    failure of the command fails what reads the fact, with its exit code and stderr.
    ``reads(self, *args)`` names the state keys the fact depends on (``ANY`` if unsure).
    """

    #: "module.ClassName", as used on the CLI (``corral @local fact server.Os``)
    name: ClassVar[str] = ""
    #: a program that must exist for the command to make sense
    requires_command: ClassVar[str | None] = None
    #: the shell the command runs under
    shell_executable: ClassVar[str | None] = None
    abstract: ClassVar[bool] = False
    #: the command changes nothing in the shell that runs it (no cd, exit, set, trap,
    #: export; variables only named ``__cf_*``): it runs in the script's own shell, with no
    #: subshell (corral's own facts, checked by a test; see ``runs_inline``)
    inline: ClassVar[bool] = False
    #: exit codes other than 0 that are the command's normal answer "not there" (no such
    #: file, package, user, service...): the fact then reads as ``default()``. Any other
    #: non-zero exit is a failure: the operation (or deploy code) reading the fact fails,
    #: rather than plan on a guess
    absent_exit_codes: ClassVar[tuple[int, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        text = cls.__dict__.get("command")
        if isinstance(text, str):  # pyinfra's facts may give their command as plain text
            setattr(cls, "command", _fixed_command(text))  # noqa: B010
        if cls.__dict__.get("abstract"):
            return
        module = cls.__module__
        if module.startswith("corral.facts."):
            # named after its namespace: a fact of a private module of the ``server``
            # package is ``server.X``
            cls.name = f"{namespace(module, 'corral.facts.')}.{cls.__name__}"
            _REGISTRY[cls.name] = cls
        else:
            cls.name = f"{module}.{cls.__name__}"

    @staticmethod
    def default() -> Any:
        return None

    def is_absent(self, exit_code: int, stderr: str) -> bool:
        """Whether a non-zero exit means "not there" (the fact's default) rather than a
        failure. A fact whose command answers "not there" and "failed" with the same exit
        code tells them apart by its ``stderr`` here."""
        return exit_code in self.absent_exit_codes

    def runs_inline(self, *args: Any, **kwargs: Any) -> bool:
        """Whether the command for these arguments may run in the script's own shell."""
        return self.inline

    def command(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError

    def process(self, output: list[str]) -> T:
        return "\n".join(output)  # type: ignore[return-value]

    def reads(self, *args: Any, **kwargs: Any) -> frozenset[Key]:
        return frozenset({ANY})

    def equivalent_outputs(self, output: str, *args: Any, **kwargs: Any) -> list[str]:
        """Other outputs (exit code 0) this fact may show once an earlier operation of
        the wave changed what it reads, for ``output``. A guard accepts any of them that
        leaves the waiting operation's plan as it is (the engine plans it on each)."""
        return []

    def batch(self, *args: Any, **kwargs: Any) -> tuple[type[FactBatch], str] | None:
        """The batch this fact can be read in, and its item there (a path, say); None to
        read it on its own. See :class:`FactBatch`."""
        return None


def _fixed_command(text: str) -> Any:
    def command(self: FactBase[Any]) -> str:
        return text

    return command


class FactBatch:
    """Facts of one kind read together by one command, where their own commands would
    start a process each (``stat`` for every path).

    ``command(items)`` prints records ``GS item US text``; an item's text is its records'
    texts joined, and must be exactly what the fact's own command prints for it (with exit
    code 0), so a guard re-reading the fact alone sees the same. ``split`` gives each
    item's text: ``""`` when no record names it, None when its records are all empty (a
    marker without the tool's answer: the engine then reads that fact on its own).
    """

    #: as FactBase.inline, for the batch's command
    inline: ClassVar[bool] = False
    GS: ClassVar[str] = "\x1d"
    US: ClassVar[str] = "\x1f"
    #: items per command at most (command lines have a length limit)
    max_items: ClassVar[int] = 200

    @staticmethod
    def accepts(item: str) -> bool:
        """Whether ``item`` can be named in records (no separators, no newline)."""
        return not any(c in item for c in "\x1d\x1f\n\\") and not item.startswith(("-", "~"))

    @classmethod
    def command(cls, items: list[str]) -> str:
        raise NotImplementedError

    @classmethod
    def split(cls, stdout: str, items: list[str]) -> dict[str, str | None]:
        records: dict[str, list[str]] = {}
        for record in stdout.split(cls.GS)[1:]:
            item, sep, text = record.partition(cls.US)
            if sep:
                records.setdefault(item, []).append(text)
        texts: dict[str, str | None] = {}
        for item in items:
            found = records.get(item)
            joined = "".join(found) if found is not None else ""
            texts[item] = None if found is not None and not joined else joined
        return texts


class ShortFactBase(Generic[T]):
    """A fact derived from another fact's value by ``process_data``: reading it reads
    ``fact`` with the same arguments and returns ``process_data`` of its value."""

    name: ClassVar[str] = ""
    fact: ClassVar[type[FactBase[Any]]]

    def process_data(self, data: Any) -> T:
        raise NotImplementedError


def registered_facts() -> dict[str, type[FactBase[Any]]]:
    return dict(_REGISTRY)


def fact_signature(cls: type[FactBase[Any]]) -> inspect.Signature:
    sig = inspect.signature(cls.command)
    params = [p for n, p in sig.parameters.items() if n != "self"]
    return sig.replace(parameters=params)


def freeze(value: Any) -> Any:
    """A hashable form of fact arguments."""
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(freeze(v) for v in value)
    return value
