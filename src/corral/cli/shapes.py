"""What the words after INVENTORY ask for, in the shapes pyinfra accepts:

    deploy.py [other.py ...]          deploy files, run in order on every host
    module.function [args] [k=v]      an operation, or a deploy or plain function, by its
    module:function [args] [k=v]        module's import name (``server.user``,
    path/file.py:function [args]        ``tasks.install``, ``my_package.deploy_app``) or
                                        from a file
    exec -- CMD...                    a shell command
    fact server.Os [files.File path=/x ...]   facts, each with its own key=value arguments
    debug-inventory                   print the hosts, their groups and data

A single argument that is a JSON list ``[[args...], {kwargs...}]`` gives a function its
arguments as it is (pyinfra's form for values the words cannot carry).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corral import api, host
from corral.api import BadInput, FactError

from .values import parse_cli_value, parse_typed_value, split_assignment

WHERE = "command line"
_COMMAND_LINE = "<command line>"

USAGE = ("give deploy files, module.function [ARGS], exec -- CMD, fact NAME..., or "
         "debug-inventory")


@dataclass
class Fact:
    """One fact asked for, with its arguments; ``values`` fills in per host."""

    label: str
    name: str
    cls: Any
    kwargs: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    #: host name -> why the fact could not be read there (its value is then None)
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    """What to run: ``mode`` is deploy, function, exec, fact or debug-inventory."""

    mode: str
    deploys: list[Any] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    #: deploy files, for error locations
    files: list[str] = field(default_factory=list)


def parse(words: tuple[str, ...], chdir: str | None = None) -> Request:
    """The request the positional words make; bad input when they make none."""
    if not words:
        raise BadInput(f"nothing to run: {USAGE}")
    head, rest = words[0], words[1:]
    if head == "debug-inventory":
        if rest:
            raise BadInput(f"debug-inventory takes no arguments, got {rest[0]!r}",
                           file=WHERE)
        return Request("debug-inventory")
    if head == "exec":
        return _exec(rest)
    if head == "fact":
        return _facts(rest)
    if "--" in words:  # what follows is arguments, even those starting with "-"
        cut = words.index("--")
        _refuse_options(words[:cut])
        words = words[:cut] + words[cut + 1:]
    else:
        _refuse_options(words)
    if not words or head == "--":
        raise BadInput(f"nothing to run before --: {USAGE}", file=WHERE)
    rest = words[1:]
    if _is_deploy_file(head):
        files = [_deploy_file(word, chdir) for word in words]
        return Request("deploy", deploys=list(files), files=files)
    if ":" in head or "." in head:
        func = resolve_function(head)
        args, kwargs = function_arguments(func, rest)
        check_call(func, args, kwargs)
        return Request("function", deploys=[command_line_call(func, args, kwargs)])
    if _is_dir(head):
        raise BadInput(f"{head} is a directory: give its deploy files ({head.rstrip('/')}/"
                       "NAME.py ...) or a function by its import name (package.function)",
                       file=WHERE)
    raise BadInput(f"no deploy file, operation or function {head!r}: {USAGE}", file=WHERE)


def _refuse_options(words: tuple[str, ...]) -> None:
    for word in words:
        if word.startswith("-") and len(word) > 1:
            raise BadInput(f"unknown option {word} (see corral --help)")


def _is_deploy_file(word: str) -> bool:
    return word.endswith(".py") or _is_file(word)


def _deploy_file(word: str, chdir: str | None) -> str:
    """A deploy file, as given; under ``--chdir``, a path given from the first directory
    is found in the new one (``--chdir site site/deploy.py``), as pyinfra does."""
    if _is_file(word):
        return word
    if chdir and word.startswith(chdir.rstrip("/") + "/"):
        inside = word[len(chdir.rstrip("/")) + 1:]
        if _is_file(inside):
            return inside
    if _is_dir(word):
        raise BadInput(f"{word} is a directory, not a deploy file", file=WHERE)
    raise BadInput(f"no deploy file {word}")


def _is_file(name: str) -> bool:
    try:
        return Path(name).is_file()
    except OSError:  # a name too long to be a file's
        return False


def _is_dir(name: str) -> bool:
    try:
        return Path(name).is_dir()
    except OSError:
        return False


# -- exec ---------------------------------------------------------------------------------


def _exec(rest: tuple[str, ...]) -> Request:
    words = list(rest)
    if "--" in words:
        words.remove("--")
    if not words:
        raise BadInput("exec needs a command: corral INVENTORY exec -- CMD")
    command = " ".join(words)
    shell = api.resolve_operation("server.shell")
    call = command_line_call(shell, (), {"name": f"exec: {command}", "commands": [command]})
    return Request("exec", deploys=[call])


# -- facts --------------------------------------------------------------------------------


def _facts(rest: tuple[str, ...]) -> Request:
    """``fact A [k=v ...] [B [k=v ...]] ...``: each name followed by its arguments."""
    if not rest:
        raise BadInput("fact needs a name: corral INVENTORY fact server.Os")
    facts: list[Fact] = []
    for word in (w for w in rest if w != "--"):
        if "=" in word and not word.startswith("="):
            if not facts:
                raise BadInput(f"fact arguments follow a fact's name, got {word!r} first",
                               file=WHERE)
            key, raw = split_assignment(word, "a fact argument")
            facts[-1].kwargs[key] = parse_typed_value(raw, _fact_hint(facts[-1].cls, key))
            continue
        if word.startswith("-"):
            raise BadInput(f"unknown option {word} (see corral --help)")
        if "." not in word and ":" not in word:
            if not facts:
                raise BadInput(f"unknown fact {word}: give it as module.Fact, e.g. server.Os",
                               file=WHERE)
            raise BadInput(f"fact arguments are key=value, got {word!r} (a fact is named "
                           "module.Fact, e.g. server.Os)", file=WHERE)
        cls = api.resolve_fact(word.replace(":", "."))
        facts.append(Fact(word, cls.name, cls, {}))
    for fact in facts:
        if fact.kwargs:
            args = ", ".join(f"{k}={v}" for k, v in fact.kwargs.items())
            fact.label = f"{fact.name} ({args})"
        else:
            fact.label = fact.name
    return Request("fact", deploys=[_fact_reader(facts)], facts=facts)


def _fact_hint(cls: Any, key: str) -> Any:
    """The annotation of a fact's ``command`` argument ``key``, text if it has none (a
    fact's arguments are mostly paths and names)."""
    try:
        hints = typing.get_type_hints(cls.command)
    except Exception:
        return str
    return hints.get(key, str)


def _fact_reader(facts: list[Fact]) -> Callable[[], None]:
    """Read every fact on the host; one that cannot be read is None there, with its error
    (as pyinfra goes on to the next fact), and the run's exit code says so."""

    def read() -> None:
        for fact in facts:
            try:
                fact.values[host.name] = host.get_fact(fact.cls, **fact.kwargs)
            except BadInput as exc:
                raise exc.with_context(file=WHERE) from None
            except FactError as exc:
                fact.values[host.name] = None
                fact.errors[host.name] = str(exc)

    return read


# -- functions ----------------------------------------------------------------------------

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def resolve_function(word: str) -> Callable[..., Any]:
    """The function ``word`` names: ``module.name`` or ``module:name`` (corral's
    operations first: ``server.user``; then any importable module, the working directory
    included), or ``path/file.py:name``."""
    location, sep, name = word.rpartition(":")
    if sep and (location.endswith(".py") or "/" in location):
        return _from_file(location, name, word)
    if not sep:
        location, _, name = word.rpartition(".")
    if not location or not _DOTTED.match(location) or not _DOTTED.match(name):
        raise BadInput(f"no deploy file, operation or function {word!r}: {USAGE}",
                       file=WHERE)
    builtin = _builtin_operation(location, name)
    if builtin is not None:
        return builtin
    return _attribute(_import(location, word), name, word)


def _builtin_operation(module: str, name: str) -> Callable[..., Any] | None:
    """corral's own operation ``module.name`` (``server.user``), if there is one: it comes
    before a module of the same name on ``sys.path``."""
    try:
        if importlib.util.find_spec(f"corral.operations.{module.split('.')[0]}") is None:
            return None
    except ModuleNotFoundError:
        return None
    try:
        imported = importlib.import_module(f"corral.operations.{module}")
    except ModuleNotFoundError:
        return None
    op = getattr(imported, name, None)
    return op if getattr(op, "is_corral_operation", False) else None


def _import(module: str, word: str) -> Any:
    if module not in sys.modules:
        try:
            spec = importlib.util.find_spec(module)
        except ModuleNotFoundError:
            spec = None
        except Exception as exc:  # importing the parent package failed
            raise _import_error(exc, module) from None
        if spec is None:
            raise BadInput(f"no operation or function {word}: no module {module}",
                           file=WHERE)
    try:
        return importlib.import_module(module)
    except Exception as exc:
        raise _import_error(exc, module) from None


def _import_error(exc: BaseException, module: str) -> BadInput:
    if isinstance(exc, SyntaxError):
        return BadInput(f"syntax error: {exc.msg}", file=exc.filename, line=exc.lineno)
    if isinstance(exc, BadInput):
        return exc
    file, line = api.error_location(exc)
    return BadInput(f"importing {module}: {type(exc).__name__}: {exc}", file=file, line=line)


def _from_file(path: str, name: str, word: str) -> Callable[..., Any]:
    """A function from a Python file (``tasks/web.py:install``): the file runs once, as
    a module of its own, its directory on ``sys.path`` so it imports its neighbours."""
    if not _is_file(path):
        raise BadInput(f"no file {path} (in {word})", file=WHERE)
    if not _DOTTED.match(name):
        raise BadInput(f"{name!r} is not a function name (in {word})", file=WHERE)
    file = Path(path).resolve()
    directory = str(file.parent)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    module_name = f"__corral_cli__.{re.sub(r'[^A-Za-z0-9_]', '_', file.stem)}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise BadInput(f"cannot load {path} as Python", file=WHERE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise _import_error(exc, path) from None
    return _attribute(module, name, word)


def _attribute(module: Any, name: str, word: str) -> Callable[..., Any]:
    found = getattr(module, name, None)
    if found is None:
        raise BadInput(f"no operation or function {word}: {module.__name__.split('.')[-1]} "
                       f"has no {name}", file=WHERE)
    if not callable(found):
        raise BadInput(f"{word} is {type(found).__name__}, not a function", file=WHERE)
    return found  # type: ignore[no-any-return]


def function_arguments(func: Callable[..., Any],
                       words: tuple[str, ...]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Positional words and ``key=value`` words, read by the argument's annotation where it
    has one (an operation's: ``path=123`` stays text for a ``str`` path), else as pyinfra
    reads them (booleans, numbers, JSON, text). One JSON word ``[[args], {kwargs}]`` gives
    the arguments as they are."""
    if len(words) == 1 and words[0][:2] in ("[[", "[]", "[{"):
        try:
            given = json.loads(words[0])
        except ValueError:
            given = None
        if (isinstance(given, list) and len(given) == 2 and isinstance(given[0], list)
                and isinstance(given[1], dict)):
            return tuple(given[0]), dict(given[1])
    hints, names, typed = api.argument_hints(func)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for word in words:
        key, sep, raw = word.partition("=")
        if sep and key.isidentifier():
            if key in kwargs:
                raise BadInput(f"argument {key!r} given twice", file=WHERE)
            hint = hints.get(key)
            kwargs[key] = (raw if typed and hint is None and not key.startswith("_")
                           else parse_typed_value(raw, hint))
            continue
        if kwargs:
            raise BadInput(f"a positional argument after key=value ones: {word!r}",
                           file=WHERE)
        position = len(args)
        hint = hints.get(names[position]) if position < len(names) else None
        args.append(parse_typed_value(word, hint) if typed or hint is not None
                    else parse_cli_value(word))
    return tuple(args), kwargs


def check_call(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Unknown, missing or mistyped arguments: bad input, before any host is contacted."""
    api.check_call(func, args, kwargs, WHERE)


def command_line_call(func: Callable[..., Any], args: tuple[Any, ...],
                      kwargs: dict[str, Any]) -> Callable[[], None]:
    """Call ``func(*args, **kwargs)`` from a frame of its own, so an operation's location
    (in the summary and in errors) is the command line rather than this module."""
    code = compile("func(*args, **kwargs)", _COMMAND_LINE, "eval")

    def call() -> None:
        eval(code, {"func": func, "args": args, "kwargs": kwargs})

    return call
