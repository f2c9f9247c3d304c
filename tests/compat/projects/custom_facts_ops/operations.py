from pyinfra import host
from pyinfra.api.command import QuoteString, StringCommand
from pyinfra.api.exceptions import OperationValueError
from pyinfra.api.operation import operation
from pyinfra.operations import files

from facts import DefaultsValue


@operation()
def default_setting(path, key, value):
    """KEY=value in a /etc/default file, replacing the key's line or appending one."""
    if not key.isidentifier():
        raise OperationValueError(f"not a shell variable name: {key}")
    current = host.get_fact(DefaultsValue, path=path, key=key)
    if current == value:
        host.noop(f"{key} is already {value}")
        return
    if current is None:
        yield from files.line._inner(path=path, line=f"{key}={value}")
    else:
        yield from files.line._inner(path=path, line=f"^{key}=.*$", replace=f"{key}={value}")
    yield StringCommand("echo", QuoteString(f"{key} was {current}"), ">>",
                        QuoteString(f"{path}.log"))
