"""Helpers of apt.key, apt.repo, apt.ppa and apt.deb."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from corral.facts.apt import AptRepoDict, SimulateOperationWillChange
from corral.model.command import QuoteString, StringCommand, not_option
from corral.model.context import host
from corral.model.errors import OperationValueError
from corral.model.operation import OpGenerator
from corral.operations._util.packages import download, download_path, is_url

KEYRINGS = "/etc/apt/keyrings"


def _slug(text: str) -> str:
    text = re.sub(r"[^\w.-]+", "_", text.strip().lower())
    return re.sub(r"_+", "_", text).strip("_.")


def _stem(name: str) -> str:
    for ext in (".asc", ".gpg", ".key", ".pub"):
        name = name.removesuffix(ext)
    return name


def keyring_path(dest: str | None, src: str | None, keyids: list[str]) -> str:
    """The keyring file apt.key writes: ``dest`` (under /etc/apt/keyrings unless absolute,
    with a ``.gpg`` extension), else a name made from the source URL or file, or the ids."""
    if dest:
        path = dest if dest.startswith("/") else f"{KEYRINGS}/{dest}"
        if path.endswith(".asc"):
            path = path[:-4]
        return path if path.endswith(".gpg") else f"{path}.gpg"
    if src:
        parsed = urlparse(src)
        base = _slug(_stem(posixpath.basename(parsed.path.rstrip("/")) or "key")) or "key"
        if parsed.scheme and parsed.netloc:
            base = f"{_slug(parsed.netloc.replace(':', '_'))}-{base}"
    elif keyids:
        base = "keyserver-" + _slug("-".join(keyids))
    else:
        base = "apt-keyring"
    return f"{KEYRINGS}/{base}.gpg"


def clean_keyid(keyid: str) -> str:
    text = keyid.strip().upper().removeprefix("0X").replace(" ", "")
    if not re.fullmatch(r"[0-9A-F]{8,40}", text):
        raise OperationValueError(f"bad key id {keyid!r}: expected 8 to 40 hex digits")
    return text


def key_matches(wanted: str, key_id: str, info: dict[str, Any]) -> bool:
    """Whether a key (or one of its subkeys) is the one a short/long id or fingerprint names."""
    candidates = [(key_id, info.get("fingerprint", ""))]
    candidates += [(sub_id, sub.get("fingerprint", ""))
                   for sub_id, sub in info.get("subkeys", {}).items()]
    for kid, fpr in candidates:
        if kid.upper().endswith(wanted) or (fpr and fpr.upper().endswith(wanted)):
            return True
    return False


def keyrings_with(wanted: Iterable[str], found: dict[str, dict[str, Any]]) -> list[str]:
    """The keyring files holding any of the wanted keys."""
    files: list[str] = []
    for key_id, info in found.items():
        if any(key_matches(w, key_id, info) for w in wanted) and info.get("keyring"):
            files.append(info["keyring"])
    return sorted(set(files))


def install_key_file(src: str, dest: str) -> StringCommand:
    """Put the key(s) of ``src`` (armored or binary) in the binary keyring ``dest``."""
    s, d = QuoteString(src), QuoteString(dest)
    return StringCommand(
        "if grep -q 'BEGIN PGP PUBLIC KEY BLOCK'", s, "; then",
        "gpg --batch --yes --dearmor -o", d, s, "; else cp", s, d, "; fi && chmod 644", d,
    )


def fetch_keys(keyserver: str, keyids: list[str], dest: str) -> StringCommand:
    """Fetch keys from a keyserver into the binary keyring ``dest``, with a throw-away home."""
    ids = [QuoteString(k) for k in keyids]
    return StringCommand(
        'h=$(mktemp -d) && { gpg --homedir "$h" --batch --keyserver', QuoteString(keyserver),
        "--recv-keys", *ids, '&& gpg --homedir "$h" --batch --export', *ids, ">",
        QuoteString(dest + ".tmp"), "&& mv -f", QuoteString(dest + ".tmp"), QuoteString(dest),
        "&& chmod 644", QuoteString(dest), '; r=$?; rm -rf "$h"; [ $r -eq 0 ]; }',
    )


def ppa_parts(src: str) -> tuple[str, str]:
    """``ppa:USER/NAME`` as (USER, NAME); ``ppa:USER`` is ``ppa:USER/ppa``, as
    add-apt-repository reads it."""
    match = re.fullmatch(r"ppa:([a-z0-9][a-z0-9.+-]*)(?:/([a-z0-9][a-z0-9.+-]*))?", src.strip())
    if not match:
        raise OperationValueError(f"bad PPA {src!r}: expected ppa:USER/NAME or ppa:USER")
    return match.group(1), match.group(2) or "ppa"


def ppa_present(user: str, name: str, sources: list[AptRepoDict]) -> bool:
    for repo in sources:
        parsed = urlparse(repo["url"])
        if parsed.netloc in ("ppa.launchpad.net", "ppa.launchpadcontent.net") and \
                parsed.path.strip("/").split("/")[:2] == [user, name]:
            return True
    return False


def add_key(src: str | None, keyserver: str | None, ids: list[str], path: str) -> OpGenerator:
    """The commands that write the keyring ``path`` from a file, a URL or a keyserver."""
    yield StringCommand("install -d -m 755", QuoteString(posixpath.dirname(path)))
    if src and is_url(src):
        download_to = download_path(src)
        yield download(src, download_to)
        yield install_key_file(download_to, path)
    elif src:
        yield install_key_file(not_option(src), path)
    if keyserver:
        yield fetch_keys(keyserver, ids, path)


_NONINTERACTIVE = (
    "DEBIAN_FRONTEND=noninteractive apt-get -y "
    "-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold"
)


def apt_get(*words: str, force: bool = False) -> list[str]:
    """The start of a non-interactive ``apt-get`` command line, as StringCommand bits."""
    bits = [_NONINTERACTIVE]
    if force:
        bits.append("--force-yes")
    bits.extend(w for w in words if w)
    return bits


def simulated(command: str) -> OpGenerator:
    """Run ``apt-get <command>`` unless its dry run says it would change nothing."""
    changes = host.get_fact(SimulateOperationWillChange, command=command)
    if changes is not None and not (
        changes["upgraded"] or changes["newly_installed"] or changes["removed"]
    ):
        held = changes["not_upgraded"]
        host.noop(f"apt-get {command} would change nothing"
                  + (f" ({held} not upgraded)" if held else ""))
        return
    yield StringCommand(*apt_get(*command.split()))


def repo_file(filename: str | None) -> str:
    if not filename:
        return "/etc/apt/sources.list"
    if "/" in filename or filename.startswith("."):
        raise OperationValueError(f"filename {filename!r} must be a plain file name")
    return f"/etc/apt/sources.list.d/{filename.removesuffix('.list')}.list"
