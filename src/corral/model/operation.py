"""The ``@operation`` and ``@deploy`` decorators, global arguments, and operation calls."""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import math
import re
import sys
import typing
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from . import keys as _keys
from .context import current_config, current_host, deploy_data, require_context
from .errors import BadInput
from .facts import namespace
from .host import HostData
from .keys import Key
from .privilege import Privilege
from .secrets import Secret, reveal
from .shellwords import SHELL_WORDS
from .typecheck import admits_none, matches, type_name

if TYPE_CHECKING:
    from .results import OperationMeta

F = TypeVar("F", bound=Callable[..., Any])

OpGenerator = Generator[Any, Any, Any]

_logger = logging.getLogger("corral")


@dataclass(frozen=True)
class GlobalArgs:
    """pyinfra's global operation arguments, without the leading underscore."""

    name: str | None = None
    sudo: bool = False
    sudo_user: str | None = None
    su_user: str | None = None
    use_sudo_login: bool = False
    preserve_sudo_env: bool = False
    sudo_password: Any = None
    env: dict[str, str] = field(default_factory=dict)
    chdir: str | None = None
    shell_executable: str = "sh"
    ignore_errors: bool = False
    success_exit_codes: tuple[int, ...] = (0,)
    if_: Any = None
    serial: bool = False
    run_once: bool = False
    timeout: float | None = None
    retries: int = 0
    retry_delay: float = 5.0

    def as_arguments(self) -> dict[str, Any]:
        """These settings as pyinfra's global argument names (``_sudo``, ``_if``...)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            key = {"name": "name", "if_": "_if"}.get(f.name, f"_{f.name}")
            out[key] = getattr(self, f.name)
        return out

    def privilege(self) -> Privilege:
        """What changes who a command runs as; facts are read, and cached, per privilege
        (the sudo password included: facts need it as much as commands do)."""
        return Privilege(self.sudo, self.sudo_user, self.su_user, self.use_sudo_login,
                         self.sudo_password)

    @classmethod
    def of_privilege(cls, privilege: Privilege) -> GlobalArgs:
        """Default global arguments, but for who the command runs as."""
        return cls(sudo=privilege.sudo, sudo_user=privilege.sudo_user,
                   su_user=privilege.su_user, use_sudo_login=privilege.use_sudo_login,
                   sudo_password=privilege.sudo_password)


_GLOBAL_TYPES: dict[str, Any] = {
    "name": str | None,
    "_sudo": bool,
    "_sudo_user": str | None,
    "_su_user": str | None,
    "_use_sudo_login": bool,
    "_preserve_sudo_env": bool,
    "_sudo_password": Any,
    "_env": dict,
    "_chdir": str | None,
    "_shell_executable": str,
    "_ignore_errors": bool,
    "_continue_on_error": bool,
    "_success_exit_codes": list[int] | tuple[int, ...] | set[int],
    "_if": Any,
    "_serial": bool,
    "_run_once": bool,
    "_timeout": float | int | None,
    "_retries": int,
    "_retry_delay": float | int,
}

GLOBAL_ARG_NAMES = frozenset(_GLOBAL_TYPES)

#: global arguments given to an enclosing ``@deploy`` call (or ``host.when``,
#: ``host.arguments``) apply to its operations
deploy_defaults: ContextVar[dict[str, Any]] = ContextVar("corral_deploy_defaults", default={})  # noqa: B039
deploy_names: ContextVar[tuple[str, ...]] = ContextVar("corral_deploy_names", default=())
#: inside a ``@deploy`` function (not only a ``host.when`` or ``host.arguments`` block)
in_deploy: ContextVar[bool] = ContextVar("corral_in_deploy", default=False)


def combine_ifs(outer: Any, inner: Any) -> Any:
    """Two ``_if`` conditions that must both hold (either may be None)."""
    if outer is None:
        return inner
    if inner is None:
        return outer
    as_list = [*(outer if isinstance(outer, list | tuple) else [outer]),
               *(inner if isinstance(inner, list | tuple) else [inner])]
    return as_list


@contextlib.contextmanager
def deploy_scope(name: str | None, arguments: dict[str, Any] | None,
                 data: Mapping[str, Any] | None, deploy: bool = True,
                 where: tuple[str, int] | None = None,
                 replace_data: bool = True) -> Iterator[None]:
    """What ``@deploy``, ``host.deploy``, ``host.when`` and ``host.arguments`` open:
    operations called inside get ``arguments`` (global arguments) as defaults, their names
    are prefixed with ``name``, and ``host.data`` falls back on ``data`` (``@deploy``'s
    ``data_defaults``; with ``replace_data``, as pyinfra, the enclosing deploy's are not
    seen inside). Scopes nest: an inner scope's arguments win over the outer's, and
    ``_if`` conditions add up (all must hold)."""
    where = where or caller_location(3)
    label = name or "deploy"
    given = dict(arguments or {})
    validate_globals(given, where, label)
    check_text(given, where, label, "global argument")
    outer = deploy_defaults.get()
    merged = {**outer, **given}
    if "_if" in given and "_if" in outer:
        merged["_if"] = combine_ifs(outer["_if"], given["_if"])
    tokens: list[Any] = [deploy_defaults.set(merged)]
    if name:
        tokens.append(deploy_names.set((*deploy_names.get(), name)))
    tokens.append(in_deploy.set(deploy or in_deploy.get()))
    ctx = current_host.get()
    host_data = ctx.host.data if ctx is not None and replace_data else None
    previous = (HostData.push_defaults(host_data, data)
                if host_data is not None else None)
    try:
        yield
    finally:
        if host_data is not None and previous is not None:
            HostData.pop_defaults(host_data, previous)
        for token in reversed(tokens):
            token.var.reset(token)


#: the config settings that are defaults of global arguments (``ENV`` is the base every
#: ``_env`` is merged onto: :func:`config_env`)
_CONFIG_GLOBALS = {
    "SUDO": "_sudo",
    "SUDO_USER": "_sudo_user",
    "SUDO_PASSWORD": "_sudo_password",
    "SU_USER": "_su_user",
    "USE_SUDO_LOGIN": "_use_sudo_login",
    "PRESERVE_SUDO_ENV": "_preserve_sudo_env",
    "SHELL": "_shell_executable",
    "IGNORE_ERRORS": "_ignore_errors",
    "TIMEOUT": "_timeout",
    "RETRIES": "_retries",
    "RETRY_DELAY": "_retry_delay",
}

#: pyinfra's global arguments corral does not have, with the value that asks nothing of
#: them: given in host data (or their config settings), anything else is bad input
#: rather than silently ignored
UNSUPPORTED_GLOBALS: dict[str, Any] = {
    "_use_su_login": False, "_preserve_su_env": False, "_su_shell": None,
    "_su_password": None, "_doas": False, "_doas_user": None, "_dzdo": False,
    "_dzdo_user": None, "_get_pty": False, "_stdin": None, "_retry_until": None,
}
#: pyinfra's global arguments that tune how its own engine runs (a temporary directory,
#: hosts at once): corral's engine decides those, and reads them nowhere
IGNORED_GLOBALS = frozenset({"_temp_dir", "_parallel"})
UNSUPPORTED_CONFIG = {"USE_SU_LOGIN": "_use_su_login", "SU_SHELL": "_su_shell",
                      "PRESERVE_SU_ENV": "_preserve_su_env", "SU_PASSWORD": "_su_password",
                      "DOAS": "_doas", "DOAS_USER": "_doas_user", "DZDO": "_dzdo",
                      "DZDO_USER": "_dzdo_user"}

#: global arguments host or group data may set, as defaults of the host's operations and
#: facts (pyinfra reads each global argument from the host's data). Not ``name``: a data
#: key ``name`` (a label many inventories give their hosts) does not name every operation
DATA_GLOBALS = tuple(k for k in _GLOBAL_TYPES if k != "name")
_DATA_KEYS = frozenset(DATA_GLOBALS) | frozenset(UNSUPPORTED_GLOBALS)


def config_defaults(config: Any) -> dict[str, Any]:
    """Global argument defaults from the run's config object."""
    if config is None:
        return {}
    return {key: getattr(config, attr, None) for attr, key in _CONFIG_GLOBALS.items()}


def config_env(config: Any) -> dict[str, Any]:
    """The environment every command starts from: the controller's variables
    ``config.INHERIT_ENV`` names, updated by ``config.ENV`` (an operation's ``_env`` is
    merged onto it, as in pyinfra)."""
    if config is None:
        return {}
    import os

    env: dict[str, Any] = {name: os.environ[name]
                           for name in getattr(config, "INHERIT_ENV", None) or ()
                           if isinstance(name, str) and name in os.environ}
    env.update(getattr(config, "ENV", None) or {})
    return env


def check_config(config: Any, where: tuple[str, int], op: str) -> None:
    """The config settings that become global arguments, checked as those are (deploy code
    may have set them to anything): bad input at the call that would use them."""
    if config is None:
        return
    for attr, key in (*_CONFIG_GLOBALS.items(), ("ENV", "_env")):
        value = getattr(config, attr, None)
        if value is None:
            continue
        problem = global_problem(key, value)
        if problem is not None:
            raise BadInput(f"config.{attr} (the default of {key}) {problem}", file=where[0],
                           line=where[1], operation=op)
    for attr, key in UNSUPPORTED_CONFIG.items():
        if getattr(config, attr, None) not in (None, False):
            raise BadInput(f"config.{attr} is set: corral has no {key} (pyinfra's "
                           "doas, dzdo and su options beyond _su_user are not built)",
                           file=where[0], line=where[1], operation=op)
    inherit = getattr(config, "INHERIT_ENV", None) or ()
    if isinstance(inherit, str) or not all(isinstance(n, str) and _VARIABLE.match(n)
                                          for n in inherit):
        raise BadInput("config.INHERIT_ENV must be a list of shell variable names",
                       file=where[0], line=where[1], operation=op)


def data_globals(data: Any) -> dict[str, Any]:
    """The global arguments a host's data sets (``_sudo = True`` in group data...), each
    checked as if deploy code gave it: a value that reaches a shell cannot be more than a
    value. Bad input names the key, never its value."""
    layers = getattr(data, "_all_layers", None)
    present: set[str] = set()
    for layer in (layers() if layers is not None else (data,)):  # one pass: few are set
        present.update(_DATA_KEYS.intersection(layer))
    if not present:
        return {}
    found: dict[str, Any] = {}
    for key in DATA_GLOBALS:
        if key in present:
            value = data[key]
            if key == "_if":
                if not (value is None or callable(value) or _is_result(value)
                        or isinstance(value, list | tuple)):
                    raise BadInput("host data _if must be a callable or a list of them")
            else:
                problem = global_problem(key, value)
                if problem is not None:
                    raise BadInput(f"host data {key} {problem}")
            found[key] = value
    for key, inert in UNSUPPORTED_GLOBALS.items():
        if key in present and data[key] is not inert and data[key] != inert:
            raise BadInput(f"host data {key} is set: corral has no {key} (pyinfra's "
                           "doas, dzdo, pty, stdin and su options beyond _su_user are not "
                           "built)")
    return found


def resolve_defaults(config: Any, data: Any, where: tuple[str, int],
                     what: str) -> dict[str, Any]:
    """The defaults of the global arguments of an operation or fact called here, in
    pyinfra's order, lowest first: the (host's) config, then the host's data, then the
    arguments given to the enclosing ``@deploy`` call. What the call itself gives wins
    over all of them (:func:`build_global_args`)."""
    check_config(config, where, what)
    defaults = config_defaults(config)
    if data is not None:
        try:
            defaults.update(data_globals(data))
        except BadInput as exc:
            raise exc.with_context(file=where[0], line=where[1], operation=what) from None
    defaults.update(deploy_defaults.get())
    return defaults


def build_global_args(given: dict[str, Any], defaults: dict[str, Any],
                      base_env: dict[str, Any] | None = None) -> GlobalArgs:
    """The global arguments of a call: ``given`` over ``defaults``; the ``_env`` chosen
    is merged onto ``base_env`` (:func:`config_env`)."""
    merged = {k: v for k, v in defaults.items() if v is not None}
    merged.update(given)
    if base_env:
        merged["_env"] = {**base_env, **(merged.get("_env") or {})}
    values: dict[str, Any] = {}
    for key, value in merged.items():
        attr = key.lstrip("_")
        if key == "_continue_on_error":
            attr = "ignore_errors"
        elif key == "_if":
            attr = "if_"
        if key == "_success_exit_codes":
            value = tuple(value)
        if key == "_env":
            value = {str(k): v for k, v in (value or {}).items()}
        if key in ("_timeout", "_retry_delay") and value is not None:
            value = float(value)
        values[attr] = value
    known = {f.name for f in fields(GlobalArgs)}
    return GlobalArgs(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class OperationSpec:
    """What ``@operation`` knows of an operation (its options, as given to it)."""

    name: str
    func: Callable[..., OpGenerator]
    #: False: the operation runs its commands every time (``server.shell``), so it shows
    #: as changing on every run, with ``idempotent_notice`` saying why when it does
    is_idempotent: bool
    changes: Callable[..., Iterable[Key]] | None
    signature: inspect.Signature
    hints: dict[str, Any]
    idempotent_notice: str | None = None
    #: deprecated: calling it logs a warning, naming ``deprecated_for`` when given
    is_deprecated: bool = False
    deprecated_for: str | None = None
    #: pyinfra's ``_set_in_op``: whether the operation's body counts as inside an
    #: operation. corral plans bodies ahead, so an operation is never called from one;
    #: False only changes what the refusal says (call it from a FunctionCommand)
    set_in_op: bool = True

    def notice(self) -> str | None:
        """What a result of this operation shows when it changes the host: the notice of
        an operation that is not idempotent (None for one that is, or has none)."""
        return None if self.is_idempotent else self.idempotent_notice

    def change_keys(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> frozenset[Key]:
        if self.changes is None:
            return frozenset({_keys.ANY})
        try:
            return frozenset(self.changes(*args, **kwargs))
        except Exception:
            return frozenset({_keys.ANY})


@dataclass(frozen=True, eq=False)
class OpCall:
    """One call of an operation in deploy code, for one host."""

    spec: OperationSpec
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    globals: GlobalArgs
    file: str
    line: int
    deploy: tuple[str, ...] = ()
    #: the deploy data layer of ``host.data`` where it was called (``local.include``'s
    #: ``data``): its generator sees the same layer when it is planned and run
    data: Mapping[str, Any] = field(default_factory=dict)
    #: the host's data defaults layer (``@deploy(data_defaults=...)``) where the call was
    #: made: in force again whenever the operation is planned, as when pyinfra runs it
    data_defaults: Any = None

    @property
    def display_name(self) -> str:
        return self.globals.name or self.spec.name

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}"

    def generate(self) -> OpGenerator:
        return self.spec.func(*self.args, **self.kwargs)

    def with_globals(self, **changes: Any) -> OpCall:
        return replace(self, globals=replace(self.globals, **changes))


def caller_location(depth: int = 2) -> tuple[str, int]:
    """The first frame outside corral's own package, for error messages and op identity."""
    frame = sys._getframe(depth)
    while frame is not None:
        filename = frame.f_code.co_filename
        if "/corral/model/" not in filename and "/corral/engine/" not in filename:
            return filename, frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>", 0


def _op_name(func: Callable[..., Any]) -> str:
    """``files.put``: a built-in operation is named after its namespace, the module or
    package under ``corral.operations`` it is defined in (``put`` in a private module of
    the ``files`` package is ``files.put``); any other after its full module."""
    return f"{namespace(func.__module__, 'corral.operations.')}.{func.__name__}"


def validate_globals(given: dict[str, Any], where: tuple[str, int], op: str) -> None:
    """Global arguments given to an operation, a deploy or a fact: known, of their type,
    and (those that reach a shell) of a shape that cannot be more than the value."""
    for key, value in given.items():
        if key not in _GLOBAL_TYPES:
            raise BadInput(f"unknown global argument {key}", file=where[0], line=where[1],
                           operation=op)
        if key == "_if":
            if not (value is None or callable(value) or _is_result(value)
                    or isinstance(value, list | tuple)):
                raise BadInput("_if takes a callable, an operation result or a list of them",
                               file=where[0], line=where[1], operation=op)
            continue
        if matches(value, _GLOBAL_TYPES[key]):  # a NUL byte, text that is not UTF-8
            check_text({key: value}, where, op, "global argument")
        problem = global_problem(key, value)
        if problem is not None:
            raise BadInput(f"{key} {problem}", file=where[0], line=where[1], operation=op)


#: a shell variable name (``_env`` keys)
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
#: a user name: letters, digits and ``_ . @ -`` (not first), maybe a final ``$``
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@-]*\$?\Z")
#: a program: a name, or an absolute path, of letters, digits and ``_ . + -`` (not first)
_PROGRAM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*\Z|(/[A-Za-z0-9_.+-]+)+\Z")
#: the longest ``_timeout`` or ``_retry_delay``, in seconds (a year)
MAX_SECONDS = 366 * 86400
#: the most ``_retries``
MAX_RETRIES = 10_000


def global_problem(key: str, value: Any) -> str | None:
    """What is wrong with a global argument's value (it reaches a shell: put there by a
    deploy, nothing in it may be more than the value), or None."""
    hint = _GLOBAL_TYPES[key]
    if not matches(value, hint):
        return f"must be {type_name(hint)}, not {type(value).__name__}"
    if value is None:
        return None
    text = _text_problem(value, 0)  # a NUL byte, text that is not UTF-8
    if text is not None:
        return text
    if key in ("_sudo_user", "_su_user"):
        if not isinstance(value, str):
            return f"must be a user name (str), not {type(value).__name__}"
        if not (_USER.match(value) or (key == "_sudo_user" and re.fullmatch(r"#[0-9]+",
                                                                            value))):
            return (f"must be a user name (letters, digits, _ . @ -, not first), "
                    f"not {value!r}")
    elif key == "_shell_executable":
        if not isinstance(value, str) or not _PROGRAM.match(value):
            return ("must be a program name or an absolute path (letters, digits, _ . + -), "
                    f"not {value!r}")
        if value in SHELL_WORDS:
            return f"must name a program, not the shell's own {value!r}"
    elif key == "_chdir":
        if not isinstance(value, str) or not value:
            return "must be a directory (a non-empty str)"
        if value.startswith("-"):
            return f"must be a directory not starting with - (./{value})"
    elif key == "_env":
        for name, item in value.items():
            if not (isinstance(name, str) and _VARIABLE.match(name)):
                return f"keys must be shell variable names (A-Z, a-z, 0-9, _), not {name!r}"
            if "\0" in reveal(item):  # a value of another type, written as its str()
                return f"value of {name} holds a NUL byte"
    elif key == "_sudo_password":
        if not isinstance(value, str | Secret):
            return f"must be str or Secret, not {type(value).__name__}"
        if any(c in reveal(value) for c in "\n\r"):
            return "must be one line (no newline or carriage return)"
    elif key in ("_timeout", "_retry_delay"):
        if not (math.isfinite(value) and 0 <= value <= MAX_SECONDS):
            return f"must be a number of seconds from 0 to {MAX_SECONDS}, not {value!r}"
    elif key == "_retries":
        if not 0 <= value <= MAX_RETRIES:
            return f"must be from 0 to {MAX_RETRIES}, not {value!r}"
    elif key == "_success_exit_codes":
        codes = list(value)
        if not codes or not all(isinstance(c, int) and not isinstance(c, bool)
                                and 0 <= c <= 255 for c in codes):
            return f"must be exit codes from 0 to 255 (at least one), not {codes!r}"
    return None


def _is_result(value: Any) -> bool:
    from .results import OperationMeta

    return isinstance(value, OperationMeta)


def bind_arguments(spec: OperationSpec, args: tuple[Any, ...], kwargs: dict[str, Any],
                   where: tuple[str, int]) -> None:
    """Check arguments against the operation's signature and annotations."""
    params = spec.signature.parameters
    if not any(p.kind is p.VAR_KEYWORD for p in params.values()):
        for given in kwargs:
            if given not in params:
                import difflib

                close = difflib.get_close_matches(given, list(params), n=1)
                suggest = f" (did you mean {close[0]!r}?)" if close else ""
                raise BadInput(f"unknown argument {given!r}{suggest}", file=where[0],
                               line=where[1], operation=spec.name)
    try:
        bound = spec.signature.bind(*args, **kwargs)
    except TypeError as exc:
        msg = str(exc)
        if "unexpected keyword argument" in msg:
            bad = msg.split("'")[1] if "'" in msg else msg
            msg = f"unknown argument {bad!r}"
        raise BadInput(msg, file=where[0], line=where[1], operation=spec.name) from None
    for name, value in bound.arguments.items():
        hint = spec.hints.get(name)
        param = spec.signature.parameters[name]
        if hint is None or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if value is None:
            check_none(spec, name, where)
            continue
        if not matches(value, hint):
            raise BadInput(
                f"argument {name!r} must be {type_name(hint)}, not {type(value).__name__}",
                file=where[0], line=where[1], operation=spec.name,
            )


def check_none(spec: OperationSpec, name: str, where: tuple[str, int]) -> None:
    """None given for an argument: fine where it is the argument's default or its
    annotation admits it (``X | None``); otherwise bad input, here, rather than an error
    deep in the engine (``files.put(dest=None)``). An argument without an annotation (a
    custom operation's) may be None."""
    param = spec.signature.parameters[name]
    hint = spec.hints.get(name)
    if param.default is None or hint is None or admits_none(hint):
        return
    what = "is required" if param.default is param.empty else f"must be {type_name(hint)}"
    raise BadInput(f"argument {name!r} {what}, not None", file=where[0], line=where[1],
                   operation=spec.name)


def check_text(named: dict[str, Any], where: tuple[str, int], op: str, what: str) -> None:
    """Text that no host can be given is bad input, found at call time, at any depth of
    lists, tuples, sets and dicts (keys included):

    - a NUL byte: no shell word, file name, environment value or line of a text file can
      hold one, and the shell dropped it silently (``a\\0b`` was written as ``ab``);
    - text that is not UTF-8: a name made by ``os.fsdecode`` from bytes that are not UTF-8
      holds surrogate escapes (``\\udcff`` for ``\\xff``). corral gives hosts text as
      UTF-8 and reads their answers (facts) as UTF-8, so such a name could be written once
      but never read back: every run would change it again. Refused rather than half
      supported.

    Bytes and file objects (content uploaded as it is) are not text and not looked into.
    ``named`` maps each argument's name to its value; the error names the argument (never
    its value, which may be a secret)."""
    for name, value in named.items():
        problem = _text_problem(value, 0)
        if problem is not None:
            raise BadInput(f"{what} {name!r} {problem}", file=where[0], line=where[1],
                           operation=op)


def check_argument_text(spec: OperationSpec, args: tuple[Any, ...],
                        kwargs: dict[str, Any], given: dict[str, Any],
                        where: tuple[str, int]) -> None:
    """:func:`check_text` for an operation call: its arguments and global arguments."""
    if args:
        names = list(spec.signature.parameters)
        check_text({names[i] if i < len(names) else f"#{i + 1}": v
                    for i, v in enumerate(args)}, where, spec.name, "argument")
    check_text(kwargs, where, spec.name, "argument")
    check_text(given, where, spec.name, "global argument")


_NUL = "holds a NUL byte (\\x00), which no shell word, path or line of text can carry"
_NOT_UTF8 = ("is not UTF-8 text (it holds surrogate escapes, as os.fsdecode makes of bytes "
             "that are not UTF-8): names and text reach hosts as UTF-8")


def _str_problem(text: str) -> str | None:
    if "\x00" in text:
        return _NUL
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _NOT_UTF8
    return None


def _text_problem(value: Any, depth: int) -> str | None:
    from .command import StringCommand
    from .secrets import Secret

    if isinstance(value, str):
        return _str_problem(value)
    if isinstance(value, Secret):
        return _str_problem(value.reveal())
    if isinstance(value, StringCommand):
        return _str_problem(value.render())
    if depth > 50:  # a structure that holds itself
        return None
    items: Any
    if isinstance(value, dict):
        items = (x for kv in value.items() for x in kv)
    elif isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        return None
    for item in items:
        problem = _text_problem(item, depth + 1)
        if problem is not None:
            return problem
    return None


P = ParamSpec("P")

#: the types ``_if`` takes: a callable,
#: an operation's result, or a list of them (all must hold)
IfCondition: typing.TypeAlias = (
    "Callable[[], object] | OperationMeta | list[Any] | tuple[Any, ...] | None")


class Operation(typing.Protocol[P]):
    """What ``@operation`` makes of a generator function ``f(*args, **kwargs)``: call it
    in deploy code with ``f``'s own arguments and the global arguments (``_sudo=True``,
    ``name=``...); reuse it in another operation with ``yield from op._inner(...)``.

    Typed for mypy: a deploy calling an operation with an argument of the wrong type, a
    misspelt argument or an unknown global argument does not type-check. The first form
    is the operation's own signature (arguments by position or name); the second adds
    the global arguments, which must then be given by name with the operation's own
    arguments (typing has no way to add keyword-only arguments to a ParamSpec, so a
    call giving arguments by position and global arguments too is the one correct call
    mypy refuses: give the arguments by name there, as pyinfra's documentation does).
    The global arguments listed here are exactly those ``GLOBAL_ARG_NAMES`` holds (a
    test keeps them the same)."""

    _inner: Callable[P, OpGenerator]
    _spec: OperationSpec
    is_corral_operation: bool

    @typing.overload
    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> OperationMeta: ...

    @typing.overload
    def __call__(
        self,
        name: str | None = None,
        _sudo: bool = False,
        _sudo_user: str | None = None,
        _su_user: str | None = None,
        _use_sudo_login: bool = False,
        _preserve_sudo_env: bool = False,
        _sudo_password: str | Secret | None = None,
        _env: dict[str, Any] = ...,
        _chdir: str | None = None,
        _shell_executable: str = "sh",
        _ignore_errors: bool = False,
        _continue_on_error: bool = False,
        _success_exit_codes: list[int] | tuple[int, ...] | set[int] = (0,),
        _if: IfCondition = None,
        _serial: bool = False,
        _run_once: bool = False,
        _timeout: float | None = None,
        _retries: int = 0,
        _retry_delay: float = 5.0,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> OperationMeta: ...


@typing.overload
def operation(func: Callable[P, OpGenerator], /) -> Operation[P]: ...


@typing.overload
def operation(
    *,
    is_idempotent: bool = True,
    idempotent_notice: str | None = None,
    is_deprecated: bool = False,
    deprecated_for: str | None = None,
    _set_in_op: bool = True,
    changes: Callable[..., Iterable[Key]] | None = None,
    name: str | None = None,
) -> Callable[[Callable[P, OpGenerator]], Operation[P]]: ...


def operation(
    func: Callable[..., OpGenerator] | None = None,
    /,
    *,
    is_idempotent: bool = True,
    idempotent_notice: str | None = None,
    is_deprecated: bool = False,
    deprecated_for: str | None = None,
    _set_in_op: bool = True,
    changes: Callable[..., Iterable[Key]] | None = None,
    name: str | None = None,
) -> Any:
    """Turn a generator of commands into an operation: the one way to write one.

    Usable as ``@operation`` or ``@operation(...)``, with pyinfra's options:

    - ``is_idempotent=False``: the operation runs its commands every time (it shows as
      changing on every run); ``idempotent_notice`` says why, or when it does not, and
      is shown with its result when it changes the host, and in the reference;
    - ``is_deprecated=True`` (``deprecated_for="x.y"``): calling it logs a warning;
    - ``_set_in_op``: accepted as pyinfra has it (see :class:`OperationSpec`);

    and corral's own: ``changes(*args, **kwargs)`` returns the state keys the operation
    may change (without it, it may change anything); ``name`` names it (by default
    ``<namespace>.<function>``). An unknown option is a TypeError where the operation is
    defined, when its module is imported.
    """
    if func is not None and not callable(func):
        raise TypeError(f"@operation takes options by name, not {func!r}")

    def decorate(fn: Callable[..., OpGenerator]) -> Any:
        try:
            hints = typing.get_type_hints(fn)
        except Exception:
            hints = {}
        spec = OperationSpec(
            name=name or _op_name(fn),
            func=fn,
            is_idempotent=is_idempotent,
            changes=changes,
            signature=inspect.signature(fn),
            hints=hints,
            idempotent_notice=idempotent_notice,
            is_deprecated=is_deprecated,
            deprecated_for=deprecated_for,
            set_in_op=_set_in_op,
        )

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            where = caller_location(2)
            # a leading underscore is a global argument, unless the operation has that
            # parameter itself (files.directory's _no_fail_on_link, as pyinfra's)
            given = {k: kwargs.pop(k) for k in list(kwargs)
                     if (k.startswith("_") and k not in spec.signature.parameters)
                     or k == "name"}
            validate_globals(given, where, spec.name)
            bind_arguments(spec, args, kwargs, where)
            check_argument_text(spec, args, kwargs, given, where)
            ctx = require_context()
            if ctx.in_operation:
                # the operation being planned (the engine's context names it) said, with
                # pyinfra's _set_in_op=False, that it means to call operations
                outer = getattr(getattr(ctx, "call", None), "spec", None)
                how = (f"yield a FunctionCommand (python.call) that calls {spec.name}: "
                       "it runs when the host reaches it"
                       if outer is not None and not outer.set_in_op else
                       f"use `yield from {spec.name}._inner(...)`")
                raise BadInput(f"operation {spec.name} called inside another operation: "
                               f"{how}", file=where[0], line=where[1])
            if spec.is_deprecated:
                instead = f", use {spec.deprecated_for}" if spec.deprecated_for else ""
                _logger.warning("%s:%s: the operation %s is deprecated%s", where[0],
                                where[1], spec.name, instead)
            config = current_config(ctx)
            defaults = resolve_defaults(config, ctx.host.data, where, spec.name)
            scoped = deploy_defaults.get()
            if "_if" in given and "_if" in scoped:  # both must hold
                given["_if"] = combine_ifs(scoped["_if"], given["_if"])
            call = OpCall(
                spec=spec,
                args=args,
                kwargs=kwargs,
                globals=build_global_args(given, defaults, config_env(config)),
                file=where[0],
                line=where[1],
                deploy=deploy_names.get(),
                data=deploy_data.get(),
                data_defaults=getattr(ctx.host.data, "current_defaults", None),
            )
            return ctx.add_op(call)

        setattr(wrapper, "_inner", fn)  # noqa: B010 (an attribute of the Operation protocol)
        setattr(wrapper, "_spec", spec)  # noqa: B010
        setattr(wrapper, "is_corral_operation", True)  # noqa: B010
        return wrapper

    if func is not None:
        return decorate(func)
    return decorate


def deploy(name: str | Callable[..., Any] | None = None,
           data_defaults: dict[str, Any] | None = None) -> Any:
    """Group operations in a function: ``@deploy("Install app")``.

    Global arguments given when calling the deploy function (``install(_sudo=True)``)
    apply to every operation inside it (``name=`` names them, as in pyinfra).
    ``data_defaults`` are read through ``host.data`` inside it when the inventory and
    group data do not set the key.
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        label = name if isinstance(name, str) else fn.__name__
        # pyinfra takes ``name=`` as the name of the operations inside; a deploy function
        # of corral's own may have a parameter of that name, which keeps it
        takes_name = "name" in inspect.signature(fn).parameters

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            where = caller_location(2)
            given = {k: kwargs.pop(k) for k in list(kwargs)
                     if k.startswith("_") or (k == "name" and not takes_name)}
            with deploy_scope(label, given, data_defaults, True, where):
                return fn(*args, **kwargs)

        wrapper.is_corral_deploy = True  # type: ignore[attr-defined]
        # pyinfra's attributes, for code that looks at a deploy function: the wrapper
        # reads ``data_defaults`` itself (deploy_scope pushes it onto host.data)
        wrapper.deploy_name = label  # type: ignore[attr-defined]
        if data_defaults:
            wrapper.deploy_data = data_defaults  # type: ignore[attr-defined]
        wrapper._inner = fn  # type: ignore[attr-defined]
        return wrapper

    if callable(name):
        return decorate(name)
    return decorate
