"""Helpers for the ``files`` operations: shell bits, modes, owners, regexes and templates.

Nothing here yields on its own or reads facts; the operations in ``files.py`` do that.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shlex
import traceback
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

from corral.facts._util import shelltext as st
from corral.facts._util.shell import shell_path
from corral.model.command import FileUploadCommand, MaskString, StringCommand
from corral.model.context import host, inventory
from corral.model.errors import (
    BadInput,
    LocalFileMissing,
    OperationError,
    OperationValueError,
)
from corral.model.secrets import Secret

from . import _sed as sed

#: a remote timestamp for backup names (same shape as pyinfra's: yymmddHHMM)
REMOTE_TIMESTAMP = "$(date +%y%m%d%H%M)"

#: above this size no Diff is built (the old content is not read)
DIFF_LIMIT = 1024 * 1024

Mode = int | str | None


# -- shell bits ---------------------------------------------------------------------------


def double_quoted(text: str) -> str:
    """``text`` as one double-quoted sh word in which only ``$NAME`` and ``${NAME}``
    expand: every other ``$``, backquote, backslash and double quote is escaped, so
    ``$(cmd)``, `` `cmd` ``, ``${X:-$(cmd)}`` and ``$((...))`` stay text."""
    return st.double_quoted(st.split_variables(text))


def shell_text(text: str, interpolate_variables: bool, secret: bool = False) -> str:
    """``text`` as one sh word, with ``$NAME``/``${NAME}`` expanded only when asked.

    With ``secret`` the word is shown as ``***`` wherever commands are displayed.
    """
    word = double_quoted(text) if interpolate_variables else shlex.quote(text)
    return MaskString(word) if secret else word


def plain(value: str | Secret) -> tuple[str, bool]:
    """A text argument's real value, and whether it was a Secret."""
    if isinstance(value, Secret):
        return value.reveal(), True
    return value, False


def backup_suffix(backup: bool | str) -> str:
    """The extension a backup copy gets: a given string, or a timestamp taken on the host."""
    if isinstance(backup, str) and backup:
        return "." + shlex.quote(backup.lstrip("."))
    return "." + REMOTE_TIMESTAMP


# -- modes and owners ---------------------------------------------------------------------


#: a chmod symbolic mode: clauses such as ``u+x``, ``go-w``, ``a=rX``, ``u=g``, comma-joined
_SYMBOLIC_MODE = re.compile(r"[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+"
                            r"(?:,[ugoa]*(?:[-+=](?:[rwxXst]*|[ugo]))+)*")


def ensure_mode(mode: Mode) -> Mode:
    """``"644"``/``"0644"``/``644`` -> ``644`` (octal digits as an int); symbolic modes
    (``"u+x"``) are kept as given and always applied. Anything else is refused: a mode is
    written into chmod's and install's command lines."""
    if mode is None:
        return mode
    if isinstance(mode, bool):
        raise OperationValueError(f"a mode is octal digits or a symbolic mode, not {mode!r}")
    text = str(mode).strip() if isinstance(mode, int) else mode.strip()
    if text.isascii() and text.isdigit() and len(text) <= 4 and not set(text) & set("89"):
        return int(text)
    if isinstance(mode, str) and _SYMBOLIC_MODE.fullmatch(text):
        return text
    raise OperationValueError(
        f"mode {mode!r} is neither octal digits (644, 0755) nor a symbolic mode (u+x, go-w)")


def mode_differs(current: int, wanted: Mode) -> bool:
    if wanted is None:
        return False
    if isinstance(wanted, str):  # symbolic: cannot compare, always apply
        return True
    return current != wanted


def mode_text(mode: int | str) -> str:
    return str(mode)


def replacing_upload(src: Any, dest: str, info: Any, mode: int | str | None,
                     user: str | None, group: str | None) -> FileUploadCommand:
    """The upload of ``src`` to ``dest``: a file it replaces (``info``, its File fact) keeps
    the mode and owner it had unless told otherwise."""
    keep: Mapping[str, Any] = info if isinstance(info, Mapping) else {}
    want_mode = mode if mode is not None else keep.get("mode")
    return FileUploadCommand(
        src,
        dest,
        mode=None if want_mode is None else mode_text(want_mode),
        user=user or keep.get("user"),
        group=group or keep.get("group"),
        owner_kept=not user and not group and bool(keep),
    )


def chmod(path: str, mode: int | str, recursive: bool = False) -> StringCommand:
    return StringCommand("chmod", "-R" if recursive else None, mode_text(mode), shell_path(path))


def chown(
    path: str,
    user: str | None,
    group: str | None,
    recursive: bool = False,
    dereference: bool = True,
) -> StringCommand:
    """``chown user:group``, ``chown user`` or ``chgrp group``."""
    flags = [f for f in ("-R" if recursive else "", "" if dereference else "-h") if f]
    if user and group:
        return StringCommand("chown", *flags, shlex.quote(f"{user}:{group}"), shell_path(path))
    if user:
        return StringCommand("chown", *flags, shlex.quote(user), shell_path(path))
    return StringCommand("chgrp", *flags, shlex.quote(group or ""), shell_path(path))


def owner_differs(info: Mapping[str, Any], user: str | None, group: str | None) -> bool:
    return bool((user and info.get("user") != user) or (group and info.get("group") != group))


def metadata_commands(
    path: str,
    info: Mapping[str, Any],
    user: str | None,
    group: str | None,
    mode: Mode,
    recursive: bool = False,
    dereference: bool = True,
) -> list[StringCommand]:
    """chmod/chown for what differs between ``info`` (a File-like fact) and the wishes."""
    out: list[StringCommand] = []
    if mode is not None and mode_differs(info.get("mode", -1), mode):
        out.append(chmod(path, mode, recursive=recursive))
    if owner_differs(info, user, group):
        out.append(chown(path, user, group, recursive=recursive, dereference=dereference))
    return out


def remove_or_backup(
    kind: str,
    path: str,
    force: bool,
    force_backup: bool,
    force_backup_dir: str | None,
) -> StringCommand:
    """The command clearing ``path`` (something that is not a ``kind``), or an error."""
    if not force:
        raise OperationError(f"{path} exists and is not a {kind}")
    if not force_backup:
        return StringCommand("rm", "-rf", shell_path(path))
    if force_backup_dir:
        target = posixpath.join(force_backup_dir, posixpath.basename(path.rstrip("/")))
    else:
        target = path.rstrip("/")
    return StringCommand("mv", shell_path(path), shell_path(target) + "." + REMOTE_TIMESTAMP)


def parent_dir(path: str) -> str:
    return posixpath.dirname(path.rstrip("/"))


# -- regexes and sed ----------------------------------------------------------------------

escape_regex = sed.escape_regex


def _last_token(regex: str) -> tuple[int, str]:
    """Where the regex's last token starts, and the token (a backslash pair, a bracket
    expression or one character)."""
    i, n, start = 0, len(regex), 0
    while i < n:
        start = i
        if regex[i] == "\\" and i + 1 < n:
            i += 2
        elif regex[i] == "[" and (end := st.bracket_end(regex, i)) > 0:
            i = end
        else:
            i += 1
    return start, regex[start:]


def _ends_with_anchor(regex: str) -> bool:
    return bool(regex) and _last_token(regex)[1] == "$"


def whole_line_regex(line: str, escape: bool = False, extended: bool = False) -> str:
    """A regex matching the whole of any line containing ``line`` (kept as is if anchored)."""
    regex = escape_regex(line, extended) if escape else line
    if regex and _last_token(regex)[1] == "\\":
        # it would pair with the ".*$" added after it
        raise BadInput(f"line {line!r} ends with a lone backslash")
    if not regex.startswith("^"):
        regex = "^.*" + regex
    if not _ends_with_anchor(regex):
        regex = regex + ".*$"
    return regex


def strip_anchors(line: str) -> str:
    """The literal text of a line regex anchored with ``^``/``$`` by the user."""
    if line.startswith("^"):
        line = line[1:]
    if _ends_with_anchor(line):
        line = line[:-1]
    return line


def backup_suffix_checked(backup: bool | str) -> str | None:
    """The backup extension for ``backup``, or None; a given one may not hold ``/`` (sed
    would put the copy in another directory), ``*`` (sed puts the file's name there) or
    a newline."""
    if not backup:
        return None
    if isinstance(backup, str) and any(c in backup for c in "/*\n\0"):
        raise BadInput(f"bad backup extension {backup!r}: it may not hold /, * or a newline")
    return backup_suffix(backup)


# -- local files --------------------------------------------------------------------------


def deploy_dir() -> str:
    """The directory of the (first) deploy file run, else the working directory."""
    value = host.data.get("_deploy_dir")
    return str(value) if value else os.getcwd()


def search_dirs() -> list[str]:
    """Where a relative local path is looked for, in turn: the working directory (as
    pyinfra does), then the deploy file's directory (corral's fallback, for a deploy run
    from another directory)."""
    first = os.getcwd()
    second = deploy_dir()
    return [first] if os.path.abspath(second) == os.path.abspath(first) else [first, second]


def local_path(path: str | os.PathLike[str], add_deploy_dir: bool = True,
               must_exist: bool = True) -> str:
    """A local path given by a deploy, as the controller reads it.

    An absolute path (or any path with ``add_deploy_dir=False``) is used as it is. A
    relative one is looked for in the working directory, as pyinfra looks for it, then in
    the deploy file's directory; the first that holds it is used (for a file to write,
    ``must_exist=False``: the first that holds its parent directory). When none does, the
    working directory's is returned, and reading it reports it missing."""
    text = os.fspath(path)
    if not add_deploy_dir or os.path.isabs(text):
        return text
    places = [os.path.join(d, text) for d in search_dirs()]
    for candidate in places:
        if os.path.exists(candidate):
            return candidate
    if not must_exist:
        for candidate in places:
            if os.path.isdir(os.path.dirname(candidate)):
                return candidate
    return places[0]


def missing(path: str, what: str = "local file") -> LocalFileMissing:
    """The error for a local file a deploy names that does not exist: bad input, and an
    ``OSError`` deploy code may catch (``except IOError``), as in pyinfra."""
    looked = ""
    dirs = search_dirs()
    if len(dirs) > 1 and path.startswith(dirs[0] + os.sep):
        looked = f" (nor {os.path.join(dirs[1], os.path.relpath(path, dirs[0]))})"
    return LocalFileMissing(f"{what} not found: {path}{looked}", path)


def is_traversable(src: Any) -> bool:
    """Whether ``src`` is an ``importlib.resources`` Traversable that is not a local path
    (a file inside a zip file or a namespace package): read through ``read_bytes``."""
    return (not isinstance(src, str | bytes | os.PathLike) and hasattr(src, "read_bytes")
            and hasattr(src, "is_file") and hasattr(src, "joinpath"))


def read_traversable(src: Any) -> bytes:
    try:
        return bytes(src.read_bytes())
    except FileNotFoundError:
        raise missing(str(src), "resource") from None
    except OSError as exc:
        raise BadInput(f"cannot read resource {src}: {exc.strerror or exc}") from None


def read_io(src: IO[Any]) -> bytes:
    """All of a file-like object's content, as bytes (text is UTF-8 encoded)."""
    if hasattr(src, "seek"):
        try:
            src.seek(0)
        except (OSError, ValueError):
            pass
    data = src.read()
    if isinstance(data, str):
        return data.encode()
    return bytes(data)


def io_sha256(src: IO[bytes]) -> str:
    """The SHA-256 of a seekable binary file object's content, read in pieces."""
    digest = hashlib.sha256()
    src.seek(0)
    for chunk in iter(lambda: src.read(1 << 16), b""):
        digest.update(chunk)
    return digest.hexdigest()


#: local files' contents, shared by every host: path -> (size, mtime_ns, inode, bytes)
_LOCAL_DATA: dict[str, tuple[int, int, int, bytes]] = {}
#: files up to this size are kept (every host's plan reads them, some several times)
LOCAL_CACHE_MAX = 1 << 20


def read_local(path: str) -> bytes:
    """A local file's bytes, read again only when the file changed (size, time, inode)."""
    try:
        st = os.stat(path)
        known = _LOCAL_DATA.get(path)
        if known is not None and known[:3] == (st.st_size, st.st_mtime_ns, st.st_ino):
            return known[3]
        data = Path(path).read_bytes()
        if len(data) <= LOCAL_CACHE_MAX and len(_LOCAL_DATA) < 4096:
            _LOCAL_DATA[path] = (st.st_size, st.st_mtime_ns, st.st_ino, data)
        return data
    except FileNotFoundError:
        raise missing(path) from None
    except IsADirectoryError:
        raise BadInput(f"local path is a directory, not a file: {path}") from None
    except OSError as exc:
        raise BadInput(f"cannot read local file {path}: {exc.strerror}") from None


def local_size(path: str) -> int:
    """A local file's size; 0 when it cannot be read (read_local then says why)."""
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def local_sha256_if_any(path: str) -> str | None:
    """The SHA-256 of a local file (in pieces, once per change of the file); None for a file
    that does not exist (yet: ``assume_exists``). A file that cannot be read is bad input."""
    try:
        return local_sha256(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise BadInput(f"cannot read local file {path}: {exc.strerror}") from None


def local_mode(path: str) -> int:
    """A local file's permission bits as octal digits (``0o644`` -> ``644``)."""
    return int(f"{os.stat(path).st_mode & 0o7777:o}")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# local files' digests, shared by every host: path -> (size, mtime_ns, inode, digest)
_LOCAL_SHA256: dict[str, tuple[int, int, int, str]] = {}


def local_sha256(path: str) -> str:
    """The SHA-256 of a local file, computed again only when the file changed."""
    st = os.stat(path)
    known = _LOCAL_SHA256.get(path)
    if known is not None and known[:3] == (st.st_size, st.st_mtime_ns, st.st_ino):
        return known[3]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    _LOCAL_SHA256[path] = (st.st_size, st.st_mtime_ns, st.st_ino, digest.hexdigest())
    return digest.hexdigest()


def as_text(data: bytes) -> str | None:
    """Bytes as text for a Diff, or None when binary."""
    if b"\0" in data:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        return None


def lines_text(value: list[str] | str | None) -> str | None:
    """FileContents' value (a list of lines) as text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return "".join(line + "\n" for line in value)


# -- templates ----------------------------------------------------------------------------


# set while a template renders: whether a Secret went into it
_SECRET_USED: ContextVar[list[bool] | None] = ContextVar("corral_template_secret", default=None)
# compiled templates, shared by every host: (search path, source) -> template
_TEMPLATES: dict[tuple[tuple[str, ...], str], Any] = {}
_TEMPLATES_MAX = 512


def _finalize(value: Any) -> Any:
    if isinstance(value, Secret):
        used = _SECRET_USED.get()
        if used is not None:
            used[0] = True
        return value.reveal()
    return value


def _compile(source: str, search_path: list[str], env_kwargs: dict[str, Any] | None) -> Any:
    """The template for ``source``; compiled once per search path and source unless the
    deploy passes its own environment options."""
    import jinja2

    key = (tuple(search_path), source)
    if not env_kwargs and key in _TEMPLATES:
        return _TEMPLATES[key]
    options: dict[str, Any] = {
        "undefined": jinja2.StrictUndefined,
        "keep_trailing_newline": True,
        "loader": jinja2.FileSystemLoader(search_path),
        "finalize": _finalize,
    }
    options.update(env_kwargs or {})
    template = jinja2.Environment(**options).from_string(source)
    if not env_kwargs:
        if len(_TEMPLATES) >= _TEMPLATES_MAX:
            _TEMPLATES.clear()
        _TEMPLATES[key] = template
    return template


def render_template(
    source: str,
    template_file: str,
    data: dict[str, Any],
    search_path: list[str],
    env_kwargs: dict[str, Any] | None,
) -> tuple[str, bool]:
    """Render a Jinja2 template; returns the text and whether a Secret went into it.

    Errors become :class:`BadInput` pointing at the template file and line.
    """
    import jinja2

    used = [False]
    token = _SECRET_USED.set(used)
    try:
        return _compile(source, search_path, env_kwargs).render(data), used[0]
    except jinja2.TemplateSyntaxError as exc:
        where = exc.filename if exc.filename and exc.filename != "<template>" else template_file
        raise BadInput(
            f"template syntax error: {exc.message}", file=where, line=exc.lineno
        ) from None
    except BadInput:
        raise
    except Exception as exc:
        where, line = _template_frame(exc, template_file)
        kind = "template error" if isinstance(exc, jinja2.TemplateError) else "template raised"
        detail = exc.message if isinstance(exc, jinja2.TemplateError) else repr(exc)
        raise BadInput(f"{kind}: {detail}", file=where, line=line) from None
    finally:
        _SECRET_USED.reset(token)


def _template_frame(exc: BaseException, template_file: str) -> tuple[str, int | None]:
    """The innermost template frame of a rendering error's traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    import jinja2

    jinja_dir = os.path.dirname(jinja2.__file__)
    found: tuple[str, int | None] = (template_file, None)
    seen_handler = False
    for frame in frames:
        if frame.filename.startswith(jinja_dir):
            seen_handler = seen_handler or frame.name == "handle_exception"
            continue
        if seen_handler and (frame.filename == "<template>" or not frame.filename.endswith(".py")):
            name = template_file if frame.filename == "<template>" else frame.filename
            found = (name, frame.lineno)
    return found


def template_source(src: Any) -> tuple[str, str]:
    """A template's text and the name to report errors against: from a local path (a
    ``str`` or ``pathlib.Path``), an ``importlib.resources`` Traversable or a file-like
    object."""
    if isinstance(src, str | os.PathLike):
        path = local_path(src)
        data = read_local(path)
        name = path
    elif is_traversable(src):
        data = read_traversable(src)
        name = str(src)
    else:
        data = read_io(src)
        name = str(getattr(src, "name", "<template>"))
    try:
        return data.decode(), name
    except UnicodeDecodeError:
        raise BadInput("template is not UTF-8 text", file=name) from None


def render_local(
    src: Any, data: Mapping[str, Any], jinja_env_kwargs: dict[str, Any] | None
) -> tuple[str, str, bool]:
    """A template rendered on the controller as ``files.template`` and
    ``server.script_template`` render it: with ``host``, ``inventory`` and ``data`` as its
    variables, includes looked for in :func:`search_dirs`, then beside a local template.
    Returns the template's name (for messages), the text, and whether a Secret went
    into it."""
    source, name = template_source(src)
    variables: dict[str, Any] = {"host": host, "inventory": inventory}
    variables.update(data)
    search = search_dirs()
    if isinstance(src, str | os.PathLike):
        search.append(os.path.dirname(name))
    text, secret = render_template(source, name, variables, search, jinja_env_kwargs)
    return name, text, secret
