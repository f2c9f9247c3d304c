"""Loading asyncssh without running a C compiler.

When imported, asyncssh looks for optional C libraries with ``ctypes.util.find_library``:
nettle (UMAC) and liboqs (post-quantum key exchange), the latter under two names. On Linux
``find_library`` asks the dynamic linker's cache (``ldconfig -p``) and, for a name the cache
does not list, links a test program with ``gcc`` and then with ``ld`` to see whether the
compiler's search path has it. On a controller with a C compiler and no liboqs that is
three ``ldconfig``, two ``gcc`` (each with ``collect2`` and ``ld``) and two ``ld`` runs at
every start: 0.1 s when the machine is idle, up to 0.7 s when its cores are busy (measured
with ``python -c 'import ctypes.util; ctypes.util.find_library("oqs")'``), before the first
SSH handshake can begin.

``linker_cache_only()`` answers those lookups from the linker's cache alone, read once,
for the duration of the import (the function is put back afterwards, also on error). A
library is found if the dynamic loader would find it by name, which is what asyncssh then
asks ``ctypes.CDLL`` to load; a library only a compiler's search path holds (installed
without running ``ldconfig``) is not, and asyncssh goes without it, as it does when the
library is absent.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator

__all__ = ["cache_lookup", "linker_cache_only", "parse_ldconfig"]

_ENTRY = re.compile(r"^\s*(\S+)\s+\(([^)]*)\)\s+=>")


def parse_ldconfig(text: str) -> list[tuple[str, str]]:
    """``ldconfig -p`` output to its entries in order: (file name, flags), e.g.
    ``("libnettle.so.8", "libc6,x86-64")``."""
    return [(m.group(1), m.group(2)) for m in map(_ENTRY.match, text.splitlines()) if m]


def _abi() -> str:
    """The flags prefix of this interpreter's libraries, as ``find_library`` matches it."""
    bits = struct.calcsize("P") * 8
    return {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit",
            "sparc64-64": "libc6,64bit", "s390x-64": "libc6,64bit",
            "ia64-64": "libc6,IA-64"}.get(f"{os.uname().machine}-{bits}", "libc6")


def cache_lookup(entries: list[tuple[str, str]], name: str, abi: str) -> str | None:
    """What ``find_library(name)`` finds in the cache: the first entry named
    ``lib<name>.<anything>`` built for ``abi``."""
    pattern = re.compile(rf"lib{re.escape(name)}\.\S+")
    for file, flags in entries:
        if pattern.fullmatch(file) and flags.startswith(abi):
            return file
    return None


@contextlib.contextmanager
def linker_cache_only() -> Iterator[None]:
    """During the ``with`` body, ``ctypes.util.find_library`` reads the linker's cache
    (once) and nothing else (see the module's docstring). Off Linux, or where ``ldconfig``
    lists nothing (no glibc), lookups are left as they are."""
    ldconfig = "/sbin/ldconfig" if os.path.exists("/sbin/ldconfig") else shutil.which("ldconfig")
    if not sys.platform.startswith("linux") or ldconfig is None:
        yield
        return
    original: Callable[[str], str | None] = ctypes.util.find_library
    cache: list[tuple[str, str]] | None = None
    abi = _abi()

    def find_library(name: str) -> str | None:
        nonlocal cache
        if cache is None:
            try:
                out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True,
                                     env={"LC_ALL": "C", "LANG": "C"}, check=False,
                                     timeout=10).stdout
            except (OSError, subprocess.SubprocessError):
                out = ""
            cache = parse_ldconfig(out)
        if not cache:  # no glibc cache (musl's ldconfig has no -p): the usual search
            return original(name)
        return cache_lookup(cache, name, abi)

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original  # type: ignore[assignment]
