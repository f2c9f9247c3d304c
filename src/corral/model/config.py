"""Run-wide settings; deploy code may change the defaults (``config.SUDO = True``).

pyinfra's names and defaults. Each host's deploy code works on its own copy (made for each
deploy file, :meth:`Config.copy`), as pyinfra's per-host config: ``config.SUDO = True``
set for one host, or in one deploy file, does not leak into another host's or file's
operations. Settings of the run as a whole (``PARALLEL``, ``CONNECT_TIMEOUT``,
``FAIL_PERCENT``...) are read from the run's config before any deploy code runs.
"""

from __future__ import annotations

import copy as _copy
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Config:
    PARALLEL: int = 50
    CONNECT_TIMEOUT: float = 10.0
    #: handshakes under way at once (key exchange is CPU-bound on both ends): with many
    #: hosts at once, the rest wait their turn instead of timing out together
    CONNECT_CONCURRENCY: int = 64
    #: a wave (one script of facts or commands) that takes longer fails its host; a
    #: command's own limit is ``_timeout``
    WAVE_TIMEOUT: float = 3600.0
    FAIL_PERCENT: int | None = None
    SUDO: bool = False
    SUDO_USER: str | None = None
    SU_USER: str | None = None
    #: the default of ``_sudo_password`` (pyinfra's name; the command line's
    #: ``--same-sudo-password`` asks for it once)
    SUDO_PASSWORD: Any = None
    USE_SUDO_LOGIN: bool = False
    PRESERVE_SUDO_ENV: bool = False
    SHELL: str = "sh"
    IGNORE_ERRORS: bool = False
    #: environment of every command: the controller's variables named here, then ``ENV``,
    #: then the operation's ``_env`` (pyinfra's order)
    INHERIT_ENV: list[str] = field(default_factory=list)
    ENV: dict[str, str] = field(default_factory=dict)
    TIMEOUT: float | None = None
    RETRIES: int = 0
    RETRY_DELAY: float = 5.0
    # pyinfra's settings corral reads but does not act on: temporary files go where the
    # engine puts them, diffs are always shown, a version requirement is not checked
    TEMP_DIR: str | None = None
    DEFAULT_TEMP_DIR: str = "/tmp"
    DIFF: bool = False
    USE_SUDO_PASSWORD: bool = False
    REQUIRE_PYINFRA_VERSION: str | None = None
    REQUIRE_PACKAGES: str | None = None
    # pyinfra's settings of privilege tools corral does not have: bad input when set
    # (model.operation.UNSUPPORTED_CONFIG), never silently ignored
    USE_SU_LOGIN: bool = False
    SU_SHELL: Any = False
    PRESERVE_SU_ENV: bool = False
    SU_PASSWORD: Any = None
    DOAS: bool = False
    DOAS_USER: str | None = None
    DZDO: bool = False
    DZDO_USER: str | None = None

    @property
    def RETRY(self) -> int:  # pyinfra's name for RETRIES
        return self.RETRIES

    @RETRY.setter
    def RETRY(self, value: int) -> None:
        self.RETRIES = value

    def copy(self) -> Config:
        """A copy deploy code may change without changing this one (its ``ENV`` and
        ``INHERIT_ENV`` too; other names set on it are copied as they are)."""
        made = _copy.copy(self)
        made.ENV = dict(self.ENV)
        made.INHERIT_ENV = list(self.INHERIT_ENV)
        return made
