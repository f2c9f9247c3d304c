"""Who a command runs as: the part of an operation's global arguments that changes the
user (and what a fact read is keyed by, with its arguments)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Privilege:
    """The global arguments that change who a command runs as. Facts are read, and kept,
    per privilege: the same fact read as root and as the login user are two facts. The
    sudo password is part of it (a fact needs it as much as a command does); it is hashed
    and compared by value (a :class:`~corral.model.secrets.Secret` is too)."""

    sudo: bool = False
    sudo_user: str | None = None
    su_user: str | None = None
    use_sudo_login: bool = False
    sudo_password: Any = None


#: the login user's own privilege (no sudo, no su)
LOGIN = Privilege()
