"""Every module and name a pyinfra 3.10 deploy or extension imports from ``pyinfra``,
``pyinfra.api`` (and its submodules), ``pyinfra.context`` and ``pyinfra.local`` imports from
corral's, defined once and re-exported (tables; no host)."""

from __future__ import annotations

import importlib
import inspect

import pytest

import corral
from corral import api
from corral.model import errors

#: what a pyinfra 3.10 project imports, module -> names (pyinfra's own lists, read from its
#: installed package: P:pyinfra/__init__.py, context.py, local.py, api/__init__.py and the
#: submodules' names found in deploys and extensions, docs/compat.md)
IMPORTED = {
    "corral": ["host", "inventory", "config", "state", "logger", "local", "is_cli",
               "__version__"],
    "corral.context": ["host", "inventory", "config", "state"],
    "corral.local": ["include", "shell"],
    "corral.api": [
        "Config", "DeployError", "FactBase", "FactError", "FactNotCollected",
        "FactPreconditionError", "FactProcessError", "FactTypeError", "FactValueError",
        "FileDownloadCommand", "FileUploadCommand", "FunctionCommand", "HiddenValue",
        "Host", "Inventory", "InventoryError", "MaskString", "MissingCommandError",
        "OperationError", "OperationTypeError", "OperationValueError", "QuoteString",
        "ShortFactBase", "State", "StringCommand", "deploy", "operation",
        # corral's embedding API stays
        "run", "arun", "afacts", "RunResult", "HostResult", "OpResult", "BadInput",
    ],
    "corral.api.deploy": ["deploy"],
    "corral.api.operation": ["operation", "OperationMeta"],
    "corral.api.facts": ["FactBase", "ShortFactBase", "get_fact"],
    "corral.api.exceptions": [
        "PyinfraError", "ConnectError", "FactError", "FactTypeError", "FactValueError",
        "FactProcessError", "OperationError", "OperationTypeError", "OperationValueError",
        "NestedOperationError", "FactNotCollected", "MissingCommandError",
        "FactPreconditionError", "DeployError", "InventoryError", "NoConnectorError",
        "NoHostError", "NoGroupError", "ConnectorDataTypeError", "ArgumentTypeError",
    ],
    "corral.api.host": ["Host", "HostData"],
    "corral.api.inventory": ["Inventory"],
    "corral.api.state": ["State"],
    "corral.api.config": ["Config"],
    "corral.api.command": [
        "StringCommand", "QuoteString", "MaskString", "FileUploadCommand",
        "FileDownloadCommand", "FunctionCommand", "make_formatted_string_command",
    ],
    "corral.api.util": [
        "make_hash", "get_file_path", "sha1_hash", "get_file_sha1", "get_file_md5",
        "get_file_sha256", "try_int", "memoize", "get_kwargs_str",
    ],
    "corral.api.arguments": [
        "AllArguments", "ConnectorArguments", "MetaArguments", "ExecutionArguments",
        "all_global_arguments", "CONNECTOR_ARGUMENT_KEYS", "EXECUTION_KWARG_KEYS",
    ],
    "corral.api.hiddenvalue": ["HiddenValue"],
    "corral.operations.python": ["call", "raise_exception"],
}

#: pyinfra.api's names corral does not have, and why (docs/compat.md)
NOT_BUILT = {
    "RsyncCommand": "files.rsync uploads over the host's own connection: no controller rsync",
    "BaseStateCallback": "pyinfra's API mode; corral's embedding API is api.run(on_event=...)",
}


@pytest.mark.parametrize(("module", "names"), IMPORTED.items(), ids=list(IMPORTED))
def test_every_name_imports(module: str, names: list[str]) -> None:
    mod = importlib.import_module(module)
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module} lacks {missing}"
    public = getattr(mod, "__all__", None)
    if public is not None:  # the names are the module's declared public API
        undeclared = [n for n in names if n not in public and not n.startswith("__")]
        assert not undeclared, f"{module}.__all__ lacks {undeclared}"


def test_pyinfra_api_names_all_exist_but_the_listed_ones() -> None:
    pyinfra_api = {"BaseStateCallback", "Config", "DeployError", "FactBase", "FactError",
                   "FactNotCollected", "FactPreconditionError", "FactProcessError",
                   "FactTypeError", "FactValueError", "FileDownloadCommand",
                   "FileUploadCommand", "FunctionCommand", "HiddenValue", "Host", "Inventory",
                   "InventoryError", "MaskString", "MissingCommandError", "OperationError",
                   "OperationTypeError", "OperationValueError", "QuoteString", "RsyncCommand",
                   "ShortFactBase", "State", "StringCommand", "deploy", "operation"}
    assert {n for n in pyinfra_api if not hasattr(api, n)} == set(NOT_BUILT)


@pytest.mark.parametrize("module", [m for m in IMPORTED if m.startswith("corral.api.")])
def test_submodules_define_nothing_twice(module: str) -> None:
    """A class or function re-exported by a submodule is the one object corral defines
    (in corral.model), with its own __module__: one definition, no rewriting."""
    mod = importlib.import_module(module)
    for name in getattr(mod, "__all__", []):
        obj = getattr(mod, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            home = importlib.import_module(obj.__module__)
            assert getattr(home, obj.__qualname__.split(".")[0]) is obj or (
                obj.__module__ == module), (name, obj.__module__)
            if hasattr(api, name):
                assert getattr(api, name) is obj, name


def test_decorators_are_the_package_attributes_as_in_pyinfra() -> None:
    """``from corral.api import deploy`` is the decorator, and so is the name the
    submodule holds (both are ``pyinfra.api.deploy`` in pyinfra)."""
    from corral.api.deploy import deploy
    from corral.api.operation import operation

    assert api.deploy is deploy and callable(deploy)
    assert api.operation is operation and callable(operation)


def test_context_objects_are_corral_s() -> None:
    from corral import context

    assert context.host is corral.host and context.inventory is corral.inventory
    assert context.config is corral.config and context.state is corral.state
    assert corral.logger.name == "corral" and corral.is_cli is False


#: pyinfra 3.10's exception classes and their bases (P:pyinfra/api/exceptions.py), with
#: corral's: PyinfraError is CorralError; what pyinfra raises for input that cannot run is
#: corral's BadInput (exit 4)
EXCEPTIONS = [
    ("ConnectError", ()),
    ("FactError", ()),
    ("FactTypeError", ("FactError", TypeError)),
    ("FactValueError", ("FactError", ValueError)),
    ("FactProcessError", ("FactError", RuntimeError)),
    ("OperationError", ()),
    ("OperationTypeError", ("OperationError", TypeError)),
    ("OperationValueError", ("OperationError", ValueError)),
    ("NestedOperationError", ("OperationError",)),
    ("FactNotCollected", ("FactError",)),
    ("MissingCommandError", ("FactNotCollected",)),
    ("FactPreconditionError", ("FactNotCollected",)),
    ("DeployError", ()),
    ("InventoryError", ("BadInput",)),
    ("NoConnectorError", ("BadInput", ValueError)),
    ("NoHostError", (KeyError,)),
    ("NoGroupError", (KeyError,)),
    ("ConnectorDataTypeError", ("BadInput", TypeError)),
    ("ArgumentTypeError", ("BadInput", TypeError)),
]


@pytest.mark.parametrize(("name", "bases"), EXCEPTIONS, ids=[e[0] for e in EXCEPTIONS])
def test_exceptions_keep_pyinfra_s_bases(name: str, bases: tuple[object, ...]) -> None:
    from corral.api import exceptions

    cls = getattr(exceptions, name)
    assert issubclass(cls, exceptions.PyinfraError)
    for base in bases:
        base_cls = getattr(exceptions, base) if isinstance(base, str) else base
        assert issubclass(cls, base_cls), (name, base)


def test_pyinfra_error_is_corral_error() -> None:
    from corral.api.exceptions import PyinfraError

    assert PyinfraError is errors.CorralError
    assert errors.FactParseError.__mro__[1] is errors.FactProcessError


def test_exceptions_made_as_pyinfra_makes_them() -> None:
    from corral.api import exceptions as e

    assert e.MissingCommandError("git").command == "git"
    pre = e.FactPreconditionError(int, "module not loaded")
    assert (pre.fact_cls, pre.reason) == (int, "module not loaded")
    assert "module not loaded" in str(pre)
    assert str(e.NoHostError("no host x")) == "no host x"  # not KeyError's quoted form
    assert e.InventoryError("bad group").exit_code == errors.EXIT_BAD_INPUT
    assert e.DeployError("no apt").exit_code == errors.EXIT_FAILED
