"""Run-wide settings; deploy code may change the defaults (``config.SUDO = True``)."""

from __future__ import annotations

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
    ENV: dict[str, str] = field(default_factory=dict)
    TIMEOUT: float | None = None
    RETRIES: int = 0
    RETRY_DELAY: float = 5.0
    #: uploads above this size go through the connector's file transfer, smaller ones
    #: are sent inside the wave's script (no extra round trip)
    INLINE_UPLOAD_LIMIT: int = 256 * 1024
