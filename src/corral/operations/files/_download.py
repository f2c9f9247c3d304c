"""``files.download``: fetch a URL on the host with curl or wget."""

from __future__ import annotations

import hashlib
import posixpath
import re
import shlex
from pathlib import Path
from typing import Any

from corral.facts._util.shell import shell_path
from corral.facts.files import File, Md5File, SecondsSinceModified, Sha1File, Sha256File, Sha384File
from corral.facts.http import request_error
from corral.facts.server import Which
from corral.model import keys
from corral.model.command import Note, StringCommand
from corral.model.context import host
from corral.model.errors import OperationError, OperationValueError
from corral.model.operation import OpGenerator, operation

from . import _util as u

#: (argument, fact, digest length, programs tried in turn, name shown on a mismatch)
_CHECKSUMS: tuple[tuple[str, Any, int, tuple[str, ...], str], ...] = (
    ("sha384sum", Sha384File, 96, ("sha384sum", "shasum -a 384", "sha384 -q"), "SHA384"),
    ("sha256sum", Sha256File, 64, ("sha256sum", "shasum -a 256", "sha256 -q"), "SHA256"),
    ("sha1sum", Sha1File, 40, ("sha1sum", "shasum", "sha1 -q"), "SHA1"),
    ("md5sum", Md5File, 32, ("md5sum", "md5 -q"), "MD5"),
)


def _temp_path(dest: str, temp_dir: str | Path | None) -> str:
    """Where the download goes before it is checked and renamed over ``dest``: beside it
    (so the rename is atomic), or in ``temp_dir``."""
    tag = hashlib.sha1(dest.encode()).hexdigest()[:12]
    name = f".{posixpath.basename(dest) or 'download'}.corral-{tag}"
    if temp_dir is not None:
        return posixpath.join(str(temp_dir), name)
    return posixpath.join(posixpath.dirname(dest) or ".", name)


def _verify(temp: str, digest: str, programs: tuple[str, ...], label: str) -> StringCommand:
    """Fail (and remove the download) unless the file has this digest."""
    q = shell_path(temp)
    run = " || ".join(f"{p} {q} 2>/dev/null" for p in programs)
    message = shlex.quote(f"{label} checksum of the download does not match {digest}")
    return StringCommand(
        f"( {run} ) | grep -qi -- {shlex.quote(digest)}",
        f"|| {{ echo {message} >&2; rm -f {q}; exit 1; }}",
    )


def _options(pairs: dict[str, str] | None) -> list[str]:
    out: list[str] = []
    for key, value in (pairs or {}).items():
        out.append(shlex.quote(key))
        if value not in ("", None):
            out.append(shlex.quote(str(value)))
    return out


@operation(changes=lambda src, dest, *_, **__: [keys.path(dest)])
def download(
    src: str,
    dest: str,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | None = None,
    cache_time: int | None = None,
    force: bool = False,
    sha384sum: str | None = None,
    sha256sum: str | None = None,
    sha1sum: str | None = None,
    md5sum: str | None = None,
    headers: dict[str, str] | None = None,
    insecure: bool = False,
    proxy: str | None = None,
    limit_rate: str | None = None,
    temp_dir: str | Path | None = None,
    extra_curl_args: dict[str, str] | None = None,
    extra_wget_args: dict[str, str] | None = None,
) -> OpGenerator:
    """Download a file from a URL on the host, with ``curl`` or ``wget``.

    + src: the URL
    + dest: where to save the file on the host
    + user, group, mode: owner and permissions of the file
    + cache_time: when the file exists, download it again once it is older than this
      (seconds, by the host's clock)
    + force: download even when the file exists
    + sha384sum, sha256sum, sha1sum, md5sum: the digest the file must have; an existing
      file with another digest is downloaded again, and a download with another digest
      fails and is removed, leaving ``dest`` as it was
    + headers: HTTP headers to send, ``{"Authorization": "Bearer ..."}``
    + insecure: do not check the server's TLS certificate
    + proxy: an HTTP proxy, ``http://proxy:3128``
    + limit_rate: cap the bandwidth (curl/wget syntax: ``500k``, ``1M``)
    + temp_dir: download into this directory first (default: beside ``dest``)
    + extra_curl_args, extra_wget_args: more options, ``{"--retry": "3"}`` (an empty
      value gives the option alone)

    The file is downloaded to a temporary name, checked, then renamed over ``dest``.

    Example:
        files.download(name="Fetch the release", src="https://example.com/app-1.2.tar.gz",
                       dest="/opt/app-1.2.tar.gz", sha256sum="9f86d08...", mode="644")
    """
    wanted = {"sha384sum": sha384sum, "sha256sum": sha256sum, "sha1sum": sha1sum,
              "md5sum": md5sum}
    for arg, _fact, digits, _programs, label in _CHECKSUMS:
        value = wanted[arg]
        if value is not None and not re.fullmatch(rf"[0-9a-fA-F]{{{digits}}}", value):
            raise OperationValueError(f"{arg} must be {digits} hex digits ({label})")
    mode = u.ensure_mode(mode)
    problem = request_error(None, headers)
    if problem:
        raise OperationValueError(problem)

    info = host.get_fact(File, path=dest)
    curl = host.get_fact(Which, command="curl")
    wget = host.get_fact(Which, command="wget")
    if info is False:
        raise OperationError(f"{dest} exists and is not a file")

    fetch = force or info is None
    why = "missing" if info is None else "to be replaced (force)"
    if info and not fetch:
        if cache_time is not None:
            age = host.get_fact(SecondsSinceModified, path=dest)
            if age is None or age > cache_time:
                fetch, why = True, f"older than {cache_time}s"
        for arg, fact_cls, _digits, _programs, label in _CHECKSUMS:
            value = wanted[arg]
            if value and host.get_fact(fact_cls, path=dest) != value.lower():
                fetch, why = True, f"not matching the {label} checksum"

    if not fetch:
        assert info
        changes = u.metadata_commands(dest, info, user, group, mode)
        if not changes:
            host.noop(f"file {dest} has already been downloaded")
        yield from changes
        return

    yield Note(f"download {src}: {dest} is {why}")
    temp = _temp_path(dest, temp_dir)
    curl_args = ["-sSLf"]
    wget_args = ["-q"]
    if proxy:
        curl_args += ["--proxy", shlex.quote(proxy)]
        wget_args += ["-e", "use_proxy=yes", "-e", shlex.quote(f"http_proxy={proxy}"),
                      "-e", shlex.quote(f"https_proxy={proxy}")]
    if insecure:
        curl_args.append("--insecure")
        wget_args.append("--no-check-certificate")
    if limit_rate:
        curl_args += ["--limit-rate", shlex.quote(limit_rate)]
        wget_args += ["--limit-rate", shlex.quote(limit_rate)]
    for name, value in (headers or {}).items():
        header = ["--header", shlex.quote(f"{name}: {value}")]
        curl_args += header
        wget_args += header
    curl_args += _options(extra_curl_args)
    wget_args += _options(extra_wget_args)

    q_src, q_temp = shlex.quote(src), shell_path(temp)
    # the URL after --: one starting with - is not an option (-x would be a proxy)
    curl_cmd = f"curl {' '.join(curl_args)} -o {q_temp} -- {q_src}"
    wget_cmd = f"wget {' '.join(wget_args)} -O {q_temp} -- {q_src} || {{ rm -f {q_temp}; exit 1; }}"
    if curl:
        yield StringCommand(curl_cmd)
    elif wget:
        yield StringCommand(wget_cmd)
    else:
        yield StringCommand(f"( {curl_cmd} ) || ( {wget_cmd} )")
    for arg, _fact, _digits, programs, label in _CHECKSUMS:
        value = wanted[arg]
        if value:
            yield _verify(temp, value.lower(), programs, label)
    yield StringCommand("mv", "-f", q_temp, shell_path(dest))
    if user or group:
        yield u.chown(dest, user, group)
    if mode is not None:
        yield u.chmod(dest, mode)
