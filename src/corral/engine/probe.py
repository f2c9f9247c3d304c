"""Running an operation against the engine's view of a host's facts, without I/O."""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from corral.model.command import Command, Diff, HostDiff
from corral.model.context import current_host, deploy_data
from corral.model.errors import BadInput, CorralError, FactError
from corral.model.facts import FactBase, freeze
from corral.model.host import Host, HostData
from corral.model.keys import ANY, Key
from corral.model.operation import GLOBAL_ARG_NAMES, OpCall, global_problem
from corral.model.privilege import Privilege
from corral.model.yields import collect


class FactKey(NamedTuple):
    cls: type[FactBase[Any]]
    args: tuple[Any, ...]
    kwargs: Any  # frozen kwargs
    privilege: Privilege

    # what is derived from a key is the same on every host and in every run: worked out
    # once, in process-wide bounded LRU caches keyed by the key itself (content-addressed,
    # so never cleared: two runs at once share them safely). The steps reading facts,
    # made by the deploy's code, are each run's own (batching.StepCache).

    @property
    def label(self) -> str:
        return _label(self)

    def call_kwargs(self) -> dict[str, Any]:
        return {k: _thaw(v) for k, v in self.kwargs}

    def reads(self) -> frozenset[Key]:
        return _reads(self)


#: bound on each cache of derived values (distinct fact keys of a run)
KEY_CACHE = 1 << 15


@functools.lru_cache(maxsize=KEY_CACHE)
def _label(key: FactKey) -> str:
    shown = [repr(a) for a in key.args]
    shown += [f"{k}={v!r}" for k, v in key.kwargs]
    return f"{key.cls.name}({', '.join(shown)})"


@functools.lru_cache(maxsize=KEY_CACHE)
def _reads(key: FactKey) -> frozenset[Key]:
    try:
        return frozenset(key.cls().reads(*key.args, **key.call_kwargs()))
    except Exception:
        # a fact that cannot say what it reads may read anything: read again after any
        # change (as an operation that cannot say what it changes changes anything)
        return frozenset({ANY})


def _thaw(v: Any) -> Any:
    return list(v) if isinstance(v, tuple) else v


_SIGNATURES: dict[type[FactBase[Any]], inspect.Signature] = {}


def _command_signature(fact_cls: type[FactBase[Any]]) -> inspect.Signature:
    sig = _SIGNATURES.get(fact_cls)
    if sig is None:
        sig = _SIGNATURES[fact_cls] = inspect.signature(fact_cls().command)
    return sig


def make_fact_key(fact_cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                  privilege: Privilege) -> FactKey:
    if not (isinstance(fact_cls, type) and issubclass(fact_cls, FactBase)):
        raise BadInput(f"{fact_cls!r} is not a fact class")
    kwargs = {k: v for k, v in kwargs.items() if k not in GLOBAL_ARG_NAMES}
    # whether the arguments fit the fact's command depends on their number and names only
    shape = (fact_cls, len(args), tuple(kwargs))
    if shape not in _FITTING:
        try:
            _command_signature(fact_cls).bind(*args, **kwargs)
        except TypeError as exc:
            raise BadInput(f"fact {fact_cls.name}: {exc}") from None
        if fact_cls.shell_executable is not None:  # the shell its command runs under
            problem = global_problem("_shell_executable", fact_cls.shell_executable)
            if problem is not None:
                raise BadInput(f"fact {fact_cls.name}: shell_executable {problem}")
        if len(_FITTING) < KEY_CACHE:
            _FITTING.add(shape)
    return FactKey(fact_cls, tuple(args), freeze(kwargs), privilege)


#: (fact class, number of arguments, keyword names) found to fit the fact's command
_FITTING: set[tuple[Any, ...]] = set()


class FactFailed:
    """A fact whose command failed (not "absent", not a missing program): what reads it
    fails with ``message`` rather than plan on the fact's default."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message

    def __repr__(self) -> str:
        return f"FactFailed({self.message!r})"


@dataclass
class Probe:
    commands: list[Command] = field(default_factory=list)
    diffs: list[Diff] = field(default_factory=list)
    #: diffs whose old side the engine reads on the host, with the change
    host_diffs: list[HostDiff] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reads: set[FactKey] = field(default_factory=set)
    misses: set[FactKey] = field(default_factory=set)
    error: CorralError | None = None
    #: the operation raised ``error`` before reading any fact: it depends on the
    #: operation's arguments alone (operations are pure), so it is bad input
    refused: bool = False


class ProbeContext:
    """The host context an operation sees while the engine plans it."""

    in_operation = True

    def __init__(self, host: Host, facts: dict[FactKey, Any], privilege: Privilege,
                 probe: Probe, call: OpCall | None = None) -> None:
        self.host = host
        self._facts = facts
        self._privilege = privilege
        self._probe = probe
        #: the operation being planned (``host.current_op_global_arguments``)
        self.call = call

    def add_op(self, call: OpCall) -> Any:
        raise BadInput("operations cannot call other operations directly")

    def get_fact(self, fact_cls: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        key = make_fact_key(fact_cls, args, kwargs, self._privilege)
        self._probe.reads.add(key)
        if key in self._facts:
            value = self._facts[key]
            if isinstance(value, FactFailed):
                # the operation fails, even if its code catches the exception
                if self._probe.error is None:
                    self._probe.error = FactError(value.message)
                raise FactError(value.message)
            return value
        self._probe.misses.add(key)
        return key.cls.default()

    def noop(self, description: str) -> None:
        self._probe.notes.append(description)

    def run_shell_command(self, command: Any, arguments: dict[str, Any]) -> Any:
        raise BadInput("host.run_shell_command inside an operation: yield the command")

    def temp_directory(self) -> str:
        return temp_directory(self)


def temp_directory(ctx: Any) -> str:
    """The host's temporary directory, as the ``server.TmpDir`` fact reads it."""
    from corral.facts.server import TmpDir

    return str(ctx.get_fact(TmpDir, (), {}) or "")


def probe(call: OpCall, host: Host, facts: dict[FactKey, Any]) -> Probe:
    """Run the operation's generator once; collect what it yields and the facts it read.

    A fact not known yet is recorded in ``misses`` and answered with its default, and the
    operation goes on, so one pass finds (nearly) every fact it reads; what it yielded on
    such guesses is thrown away and it is planned again once the facts are fetched.
    """
    result = Probe()
    ctx = ProbeContext(host, facts, call.globals.privilege(), result, call)
    token = current_host.set(ctx)
    data_token = deploy_data.set(call.data)
    # the data defaults of the @deploy the call was made in (planned later, maybe after
    # the deploy returned: its templates and host.data reads still see them)
    defaults = HostData.push_defaults(host.data, call.data_defaults) if call.data_defaults else None
    try:
        collect(call.generate(), result, call.spec)
    except BadInput as exc:
        raise exc.with_context(file=call.file, line=call.line, host=host.name,
                               operation=call.spec.name) from None
    except CorralError as exc:
        if result.error is None:
            result.error, result.refused = exc, not result.reads
    except Exception as exc:
        # Only an error if the operation is really run with these facts: a speculative
        # probe may see facts an earlier operation of the wave is about to change.
        result.error = result.error or CorralError(f"{type(exc).__name__} in operation: {exc}")
    finally:
        deploy_data.reset(data_token)
        if defaults is not None:
            HostData.pop_defaults(host.data, defaults)
        current_host.reset(token)
    return result
