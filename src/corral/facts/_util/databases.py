"""What the mysql and postgres facts (and operations) share: the command line of a
database client, with the password in the client's environment variable, never an
argument, and masked wherever commands are shown."""

from __future__ import annotations

from corral.model.command import MaskString, QuoteString, StringCommand
from corral.model.secrets import Secret

Password = str | Secret | None


def secret_bit(value: str | Secret) -> MaskString | Secret:
    """A command bit shown as ``***``."""
    return value if isinstance(value, Secret) else MaskString(value)


def client_command(executable: str, password_variable: str, password: Password,
                   flags: list[str], *options: tuple[str, str | int | None]) -> StringCommand:
    """``[VARIABLE=password] executable FLAGS... [OPTION VALUE]...``: each option whose value
    is given (an option ``""`` is the value alone, a positional argument), in order."""
    bits: list[object] = []
    if password:
        bits.append(StringCommand(f"{password_variable}=", QuoteString(secret_bit(password)),
                                  _separator=""))
    bits.append(executable)
    bits += flags
    for option, value in options:
        if value:
            bits += [option, QuoteString(str(value))] if option else [QuoteString(str(value))]
    return StringCommand(*bits)
