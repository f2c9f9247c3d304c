"""Files, directories, links, lines in files, uploads, downloads and templates."""

from __future__ import annotations

import os
import posixpath
import shlex
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from corral.facts._util.shell import shell_path
from corral.facts._util.shelltext import Var, split_variables
from corral.facts.files import Directory, File, FindInFile, Link, Sha256File
from corral.model import keys
from corral.model.command import (
    Diff,
    FileDownloadCommand,
    FileUploadCommand,
    HostDiff,
    StringCommand,
    io_size,
)
from corral.model.context import host
from corral.model.errors import BadInput, OperationError, OperationTypeError, OperationValueError
from corral.model.operation import OpGenerator, operation
from corral.model.secrets import Secret

from . import _base as edit
from . import _sed as sed
from . import _times as times
from . import _util as u


def _create_parent(path: str, user: str | None, group: str | None) -> Iterator[StringCommand]:
    """Create the directory holding ``path`` if it is missing (owned by user/group).

    Only yielded when ``path`` itself is being created. The check runs on the host rather
    than reading the parent's fact, so the plan does not depend on the parent: an earlier
    operation creating that directory does not make this one plan again.
    """
    parent = u.parent_dir(path)
    if not parent or parent in ("/", ".", "~"):
        return
    create: list[object] = ["mkdir", "-p", shell_path(parent)]
    if user or group:
        create += ["&&", u.chown(parent, user, group)]
    yield StringCommand("[", "-d", shell_path(parent), "]", "||", "{", *create, ";", "}")


def _content_diff(path: str, info: Any, new: bytes, secret: bool) -> Iterator[Diff | HostDiff]:
    """A Diff for new content at ``path``: the old content, when there is a file, is read
    by the engine with the change (HostDiff); a secret's is not read at all."""
    new_text = u.as_text(new)
    if new_text is None or len(new) > u.DIFF_LIMIT:
        return
    if isinstance(info, Mapping):
        if info.get("size", 0) > u.DIFF_LIMIT:
            return
        if not secret:
            yield HostDiff(path, new_text)
            return
    yield Diff(path, None, new_text, secret=secret)


def _upload(
    content: bytes | str | IO[bytes],
    dest: str,
    info: Any,
    remote_sum: str | None,
    user: str | None,
    group: str | None,
    mode: u.Mode,
    create_remote_dir: bool,
    force: bool,
    secret: bool = False,
) -> OpGenerator:
    """Shared by put and template: ``content`` is bytes, or a local path or a binary file
    object read at upload (large content: hashed in pieces, streamed)."""
    if info is False:
        raise OperationError(f"{dest} exists and is not a file")
    if isinstance(content, bytes):
        digest: str | None = u.sha256(content)
    elif isinstance(content, str):
        digest = u.local_sha256_if_any(content)
    else:
        digest = u.io_sha256(content)
    if digest is not None and isinstance(info, Mapping) and not force:
        if remote_sum == digest:
            changes = u.metadata_commands(dest, info, user, group, mode)
            if not changes:
                host.noop(f"file {dest} is already uploaded")
            yield from changes
            return
    if create_remote_dir and info is None:
        yield from _create_parent(dest, user, group)
    if isinstance(content, bytes):
        yield from _content_diff(dest, info, content, secret)
    yield u.replacing_upload(content, dest, info, mode, user, group)


def _put_changes(src: Any, dest: str, *_: Any, **__: Any) -> list[keys.Key]:
    return [keys.path(dest)]


@operation(changes=_put_changes)
def put(
    src: str | os.PathLike[str] | IO[Any],
    dest: str,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | bool | None = None,
    add_deploy_dir: bool = True,
    create_remote_dir: bool = True,
    force: bool = False,
    assume_exists: bool = False,
    atime: times.TimeSpec = None,
    mtime: times.TimeSpec = None,
) -> OpGenerator:
    """Upload a local file, or the content of a file-like object, to the host.

    + src: local path (``str`` or ``pathlib.Path``; a relative one is looked for in the
      working directory, then in the deploy file's directory, unless
      ``add_deploy_dir=False``), an ``importlib.resources`` file, or a file-like object
    + dest: remote path; an existing directory gets the file under its local name
    + user, group: owner of the file
    + mode: permissions (``"644"``), or ``True`` to copy the local file's
    + create_remote_dir: create the directory holding ``dest`` when it is missing
    + force: upload even when the remote content already matches
    + assume_exists: upload a local file that does not exist yet (made earlier in the run)
    + atime, mtime: the access and modification times the file should have: a
      ``datetime`` or an ISO 8601 string (without a zone: the host's), a POSIX timestamp,
      ``True`` for the local file's own, or the absolute path of a file on the host whose
      time is copied (compared to the second). Reading a file to compare it moves its
      access time on most mounts (``relatime``), so ``atime`` changes on every run

    The upload is atomic and carries its mode and owner; a file that is replaced keeps its
    current mode and owner unless they are given.

    Example:
        files.put(name="Message of the day", src="files/motd", dest="/etc/motd", mode="644")
    """
    if mode is True:
        if not isinstance(src, str | os.PathLike):
            raise OperationTypeError("mode=True needs src to be a local file path")
    # a relative src is looked for in the working directory, then the deploy directory
    # (u.local_path); a missing one is bad input that deploy code may catch as OSError
    wanted_mode = None if isinstance(mode, bool) else u.ensure_mode(mode)

    content: bytes | str | IO[bytes]
    name: str | None = None
    path: str | None = None
    if isinstance(src, str | os.PathLike):
        path = u.local_path(src, add_deploy_dir)
        name = os.path.basename(path)
        if assume_exists and not Path(path).is_file():
            content = path
        elif u.local_size(path) > u.LOCAL_CACHE_MAX:
            # large: hashed in pieces once per run, read only while the script is sent
            # (shown with no diff, as any content over DIFF_LIMIT)
            content = path
            if mode is True:
                wanted_mode = u.local_mode(path)
        else:
            content = u.read_local(path)
            if mode is True:
                wanted_mode = u.local_mode(path)
    elif u.is_traversable(src):  # importlib.resources, not a local path
        content = u.read_traversable(src)
        name = str(src.name)
    elif (io_size(src) or 0) > u.LOCAL_CACHE_MAX:
        content = src  # a large binary file object: hashed and sent in pieces, as a file
    else:
        content = u.read_io(src)

    info = host.get_fact(File, path=dest)
    remote_sum = host.get_fact(Sha256File, path=dest)

    if info is False and host.get_fact(Directory, path=dest):
        if name is None:
            raise OperationTypeError(
                "when src is a file-like object, dest must be a file path, not a directory"
            )
        dest = posixpath.join(dest, name)
        info = host.get_fact(File, path=dest)
        remote_sum = host.get_fact(Sha256File, path=dest)

    # modification first: setting it does not touch the access time, the reverse does not hold
    wanted_times = [(field, when) for field, spec in (("mtime", mtime), ("atime", atime))
                    if (when := times.wanted_time(field, spec, path)) is not None]
    uploading = False
    for cmd in _upload(content, dest, info, remote_sum, user, group, wanted_mode,
                       create_remote_dir, force):
        uploading = uploading or isinstance(cmd, FileUploadCommand)
        yield cmd
    for field, when in wanted_times:
        if uploading or not isinstance(info, Mapping) or times.differs(when, info.get(field)):
            yield times.touch(dest, field, when)


@operation(is_idempotent=False, changes=lambda *_, **__: [])
def get(
    src: str,
    dest: str | os.PathLike[str],
    add_deploy_dir: bool = True,
    create_local_dir: bool = False,
    force: bool = False,
) -> OpGenerator:
    """Download a file from the host.

    + src: remote path
    + dest: local path (``str`` or ``pathlib.Path``; a relative one is in the working
      directory, or the deploy file's directory when only that holds its parent)
    + create_local_dir: create the local directory holding ``dest`` when it is missing
    + force: download even when the local copy already matches

    Example:
        files.get(name="Fetch the release file", src="/etc/os-release", dest="os-release")
    """
    # the local directory is made when the download is written (the engine's
    # _write_local), so only when the operation runs: planning, and a --dry run, make nothing
    local = u.local_path(dest, add_deploy_dir, must_exist=False)
    local_exists = Path(local).is_file()
    info = host.get_fact(File, path=src)
    remote_sum = host.get_fact(Sha256File, path=src) if info and local_exists else None

    if force or not info or not local_exists:
        yield FileDownloadCommand(src, local)
    elif remote_sum is None or remote_sum != u.local_sha256(local):
        yield FileDownloadCommand(src, local)
    else:
        host.noop(f"file {local} has already been downloaded")


def _file_changes(path: str, present: bool = True, user: Any = None, group: Any = None,
                  mode: Any = None, touch: bool = False, create_remote_dir: bool = True,
                  force: bool = False, *_: Any, **__: Any) -> list[keys.Key]:
    # without force, a file is only made or altered where there was none or a file:
    # nothing below the path changes (with force a directory there may be removed)
    return [keys.node(path) if present and not force else keys.path(path)]


@operation(changes=_file_changes)
def file(
    path: str,
    present: bool = True,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | None = None,
    touch: bool = False,
    create_remote_dir: bool = True,
    force: bool = False,
    force_backup: bool = True,
    force_backup_dir: str | None = None,
) -> OpGenerator:
    """Ensure a file exists, with an owner and mode, or does not exist.

    + path: remote path
    + present: whether the file should exist
    + user, group: owner of the file
    + mode: permissions, e.g. ``"640"``
    + touch: update the times of an existing file
    + create_remote_dir: create the directory holding the file when it is missing
    + force: when something else (a directory, a link) is at ``path``, move it aside
      (``force_backup``, into ``force_backup_dir`` if given) or remove it
      (``force_backup=False``) instead of failing

    Example:
        files.file(name="Create the log", path="/var/log/app.log", user="app", mode="640")
    """
    mode = u.ensure_mode(mode)
    info = host.get_fact(File, path=path)

    if info is False:
        yield u.remove_or_backup("file", path, force, force_backup, force_backup_dir)
        info = None

    if not present:
        if info:
            yield StringCommand("rm", "-f", shell_path(path))
        else:
            host.noop(f"file {path} does not exist")
        return

    if info is None:
        if create_remote_dir:
            yield from _create_parent(path, user, group)
        yield StringCommand("touch", shell_path(path))
        if mode is not None:
            yield u.chmod(path, mode)
        if user or group:
            yield u.chown(path, user, group)
        return

    changes = u.metadata_commands(path, info, user, group, mode)
    if touch:
        changes.insert(0, StringCommand("touch", shell_path(path)))
    if not changes:
        host.noop(f"file {path} already exists")
    yield from changes


def _directory_changes(path: str, present: bool = True, user: Any = None, group: Any = None,
                       mode: Any = None, recursive: bool = False, force: bool = False,
                       *_: Any, **__: Any) -> list[keys.Key]:
    # without force or recursive, an empty directory is made where there was none, or a
    # directory's own owner and mode change: what is below the path reads the same
    return [keys.node(path) if present and not (force or recursive) else keys.path(path)]


@operation(changes=_directory_changes)
def directory(
    path: str,
    present: bool = True,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | None = None,
    recursive: bool = False,
    force: bool = False,
    force_backup: bool = True,
    force_backup_dir: str | None = None,
    _no_check_owner_mode: bool = False,
    _no_fail_on_link: bool = False,
) -> OpGenerator:
    """Ensure a directory exists, with an owner and mode, or does not exist.

    + path: remote path
    + present: whether the directory should exist (removing it removes its content)
    + user, group: owner of the directory
    + mode: permissions, e.g. ``"750"``
    + recursive: apply user, group and mode to everything inside too, when the directory
      itself differs
    + force, force_backup, force_backup_dir: as in ``files.file``
    + _no_check_owner_mode: leave an existing directory's owner and mode as they are
    + _no_fail_on_link: a symbolic link at ``path`` counts as the directory (left alone)

    Example:
        files.directory(name="Web root", path="/srv/www", user="www-data", mode="755")
    """
    mode = u.ensure_mode(mode)
    info = host.get_fact(Directory, path=path)

    if info is False and present and _no_fail_on_link and host.get_fact(Link, path=path):
        host.noop(f"directory {path} exists (as a link)")
        return
    if info is False:
        yield u.remove_or_backup("directory", path, force, force_backup, force_backup_dir)
        info = None

    if not present:
        if info:
            yield StringCommand("rm", "-rf", shell_path(path))
        else:
            host.noop(f"directory {path} does not exist")
        return

    if info is None:
        if mode is None and not (user or group):
            yield StringCommand("mkdir", "-p", shell_path(path))
            return
        # one process makes it (parents too) with its mode and owner
        yield StringCommand(
            "install", "-d",
            *(("-m", u.mode_text(mode)) if mode is not None else ()),
            *(("-o", shlex.quote(user)) if user else ()),
            *(("-g", shlex.quote(group)) if group else ()),
            shell_path(path),
        )
        return

    changes = ([] if _no_check_owner_mode else
               u.metadata_commands(path, info, user, group, mode, recursive=recursive))
    if not changes:
        host.noop(f"directory {path} already exists")
    yield from changes


#: the longest symbolic link target Linux stores (PATH_MAX less its NUL)
LINK_TARGET_MAX = 4095


@operation(changes=lambda path, *_, **__: [keys.path(path)])
def link(
    path: str,
    target: str | None = None,
    present: bool = True,
    user: str | None = None,
    group: str | None = None,
    symbolic: bool = True,
    create_remote_dir: bool = True,
    force: bool = False,
    force_backup: bool = True,
    force_backup_dir: str | None = None,
) -> OpGenerator:
    """Ensure a link exists and points at a target, or does not exist.

    + path: the link's path
    + target: what it points at (kept as given: relative targets stay relative)
    + present: whether the link should exist
    + user, group: owner of the link itself
    + symbolic: a symbolic link (else a hard link)
    + create_remote_dir: create the directory holding the link when it is missing
    + force, force_backup, force_backup_dir: as in ``files.file``

    A link pointing somewhere else is replaced.

    Example:
        files.link(name="Enable the site", path="/etc/nginx/sites-enabled/app",
                   target="/etc/nginx/sites-available/app")
    """
    if present and not target:
        raise OperationValueError("files.link needs a target when present=True")
    if target is not None and len(target.encode()) > LINK_TARGET_MAX:
        raise OperationValueError(f"a link's target is at most {LINK_TARGET_MAX} bytes "
                                  "(the kernel's limit)")
    info = host.get_fact(Link, path=path)

    if info is False:
        yield u.remove_or_backup("link", path, force, force_backup, force_backup_dir)
        info = None

    if not present:
        if info:
            yield StringCommand("rm", "-f", shell_path(path))
        else:
            host.noop(f"link {path} does not exist")
        return

    assert target is not None
    # -- : a target is the link's text as given, even one starting with a dash
    ln = StringCommand("ln", "-sfn" if symbolic else "-f", "--", shlex.quote(target),
                       shell_path(path))
    if info is None:
        if create_remote_dir:
            yield from _create_parent(path, user, group)
        yield ln
        if user or group:
            yield u.chown(path, user, group, dereference=False)
        return

    changes: list[StringCommand] = []
    if info.get("link_target") != target:
        changes.append(ln)
    if u.owner_differs(info, user, group):
        changes.append(u.chown(path, user, group, dereference=False))
    if not changes:
        host.noop(f"link {path} already points at {target}")
    yield from changes


def _text_argument(name: str, value: str) -> None:
    if "\n" in value:
        raise BadInput(f"{name} {value!r} holds a newline: a line never does")


@operation(changes=lambda path, *_, **__: [keys.path(path)])
def line(
    path: str,
    line: str,
    present: bool = True,
    replace: str | None = None,
    flags: list[str] | None = None,
    backup: bool | str = False,
    interpolate_variables: bool = False,
    escape_regex_characters: bool = False,
    ensure_newline: bool = False,
    extended_regex: bool = False,
) -> OpGenerator:
    """Ensure lines matching a regex are (or are not) in a file, using grep and sed.

    + path: remote file
    + line: a regex; unless anchored with ``^``/``$`` it matches any line containing it
    + present: whether the line should be in the file
    + replace: the text matching lines should have (when present), taken literally (a
      ``&`` or ``\\1`` in it is written as it is); appended when no line matches and the
      text is not already there
    + flags: sed flags for the substitution/deletion: ``I`` (or ``i``) to ignore case,
      ``M`` (or ``m``), ``g``, a count; any other is bad input
    + backup: keep a copy of the file before editing (``True``: a timestamp extension,
      a string: that extension)
    + interpolate_variables: let the remote shell expand ``$NAME`` and ``${NAME}`` in
      line/replace (nothing else: ``$(...)`` and backquotes stay text); in ``line`` a
      variable's value is matched as text
    + escape_regex_characters: match ``line`` literally
    + ensure_newline: accepted for pyinfra compatibility: an appended line always starts
      on a line of its own, even in a file whose last line has no newline
    + extended_regex: ``line`` is an extended regex (``grep -E``/``sed -E``)

    A missing file is created when the line is appended. ``line`` is checked when the
    operation is planned: a regex grep or sed would refuse is bad input. Edits of a file
    wait for each other (a lock on its directory); an append that fails (a full disk)
    leaves the file as it was.

    Example:
        files.line(name="Allow root login by key", path="/etc/ssh/sshd_config",
                   line="^PermitRootLogin", replace="PermitRootLogin prohibit-password")
    """
    line_text, secret = u.plain(line)
    replace_text: str | None = None
    if replace is not None:
        replace_text, secret_r = u.plain(replace)
        secret = secret or secret_r
        _text_argument("replace", replace_text)
    _text_argument("line", line_text)
    sed_flags = sed.substitute_flags(flags)
    u.backup_suffix_checked(backup)
    if escape_regex_characters:
        # matched as text; with interpolate_variables its $NAME still expand (as in the
        # line appended), their values matched as text too
        literal = _literal_regex(line_text, extended_regex, interpolate_variables)
        match = u.whole_line_regex(literal, False, extended_regex)
    else:
        match = u.whole_line_regex(line_text, False, extended_regex)
    match, _groups = sed.check_regex(match, extended_regex, "line")
    extra: dict[str, Any] = {"extended_regex": True} if extended_regex else {}

    found = host.get_fact(
        FindInFile,
        path=path,
        pattern=match,
        interpolate_variables=interpolate_variables,
        **extra,
    )
    replaced: list[str] | None = None
    if replace_text and present:
        replaced = host.get_fact(
            FindInFile,
            path=path,
            pattern=_literal_line_regex(replace_text, extended_regex, interpolate_variables),
            interpolate_variables=interpolate_variables,
            **extra,
        )

    if not present:
        if found:
            program = sed.delete(match, sed.address_flags(flags), extended_regex,
                                 interpolate_variables, "line")
            yield edit.sed_in_place(path, program, backup, extended_regex, secret)
        else:
            host.noop(f"no line matching {line} in {path}")
        return

    if found:
        if interpolate_variables:
            # the remote shell expands the replacement: compare with the lines the grep
            # of the expanded replacement found, not with the unexpanded text
            right = set(replaced or [])
            wrong = [existing for existing in found if existing not in right]
        else:
            wrong = [existing for existing in found if existing != replace_text]
        if replace_text and wrong:
            program = sed.substitute(match, replace_text, sed_flags, extended_regex,
                                     interpolate_variables, literal=True, what="line")
            yield edit.sed_in_place(path, program, backup, extended_regex, secret)
        else:
            host.noop(f"line {replace or line} exists in {path}")
        return

    if replaced:
        host.noop(f"line {replace} exists in {path}")
        return

    if replace_text:
        wanted = replace_text
    else:
        wanted = line_text if escape_regex_characters else u.strip_anchors(line_text)
    yield edit.append(path, u.shell_text(wanted, interpolate_variables, secret), backup)


def _literal_regex(text: str, extended: bool, interpolate: bool) -> str:
    """A regex matching ``text`` as text (its ``$NAME`` left for the host to expand, and
    match as text, with ``interpolate``)."""
    if not interpolate:
        return u.escape_regex(text, extended)
    return "".join(f"${{{p.name}}}" if isinstance(p, Var) else u.escape_regex(p, extended)
                   for p in split_variables(text))


def _literal_line_regex(text: str, extended: bool, interpolate: bool) -> str:
    """A regex matching a line that is exactly ``text`` (see :func:`_literal_regex`)."""
    return f"^{_literal_regex(text, extended, interpolate)}$"


@operation(changes=lambda path, *_, **__: [keys.path(path)])
def replace(
    path: str,
    text: str | None = None,
    replace: str | None = None,
    flags: list[str] | None = None,
    backup: bool | str = False,
    interpolate_variables: bool = False,
    extended_regex: bool = False,
    match: str | None = None,
) -> OpGenerator:
    """Replace text in a file with ``sed``.

    + path: remote file
    + text: the regex to look for (``match`` is its old name)
    + replace: what to put in its place, in sed's replacement syntax with ``&`` literal
      (as pyinfra writes it): ``\\1`` a group, ``\\n`` a newline, ``\\\\`` a backslash
    + flags: sed flags: ``g``, ``I`` (or ``i``), ``M`` (or ``m``), a count; any other
      is bad input
    + backup, interpolate_variables, extended_regex: as in ``files.line``

    Nothing runs when the file exists and nothing in it matches. ``text`` and ``replace``
    are checked when the operation is planned (a regex grep or sed would refuse, a
    reference to a group the regex lacks: bad input).

    Example:
        files.replace(name="Fix the typo", path="/etc/motd", text="wellcome", replace="welcome")
    """
    if text is None:
        text = match
    if text is None:
        raise OperationTypeError("files.replace needs the `text` argument")
    if replace is None:
        raise OperationTypeError("files.replace needs the `replace` argument")
    text_value, secret = u.plain(text)
    replace_value, secret_r = u.plain(replace)
    sed_flags = sed.substitute_flags(flags)
    u.backup_suffix_checked(backup)
    regex, groups = sed.check_regex(text_value, extended_regex, "text")
    sed.check_replacement(replace_value, groups)
    extra: dict[str, Any] = {"extended_regex": True} if extended_regex else {}
    found = host.get_fact(
        FindInFile,
        path=path,
        pattern=regex,
        interpolate_variables=interpolate_variables,
        **extra,
    )
    if found is None or found:
        program = sed.substitute(regex, replace_value, sed_flags, extended_regex,
                                 interpolate_variables, literal=False, what="text")
        yield edit.sed_in_place(path, program, backup, extended_regex, secret or secret_r)
    else:
        host.noop(f"no text matching {text} in {path}")


def _template_changes(src: Any, dest: str, *_: Any, **__: Any) -> list[keys.Key]:
    return [keys.path(dest)]


@operation(changes=_template_changes)
def template(
    src: str | os.PathLike[str] | IO[Any],
    dest: str,
    user: str | None = None,
    group: str | None = None,
    mode: int | str | None = None,
    create_remote_dir: bool = True,
    jinja_env_kwargs: dict[str, Any] | None = None,
    **data: Any,
) -> OpGenerator:
    """Render a Jinja2 template locally and upload the result.

    + src: template path (``str`` or ``pathlib.Path``; a relative one is looked for in
      the working directory, then in the deploy file's directory), an
      ``importlib.resources`` file, or a file-like object
    + dest: remote path
    + user, group, mode: owner and permissions of the file
    + create_remote_dir: create the directory holding ``dest`` when it is missing
    + jinja_env_kwargs: keyword arguments for ``jinja2.Environment``
    + any other keyword argument: a template variable

    Templates see ``host`` and ``inventory`` as well; undefined variables are errors.
    ``{% include %}`` and friends look in the working directory (as pyinfra's), the
    deploy directory, then beside the template.
    Secrets render as their real value, and the change is then shown masked.

    Example:
        files.template(name="App config", src="templates/app.conf.j2",
                       dest="/etc/app.conf", mode="640", port=8080)
    """
    _name, text, secret = u.render_local(src, data, jinja_env_kwargs)
    content = text.encode()
    secret = secret or any(isinstance(v, Secret) for v in data.values())

    info = host.get_fact(File, path=dest)
    remote_sum = host.get_fact(Sha256File, path=dest)
    yield from _upload(
        content,
        dest,
        info,
        remote_sum,
        user,
        group,
        u.ensure_mode(mode),
        create_remote_dir,
        False,
        secret,
    )


# more files operations, kept in private modules of this package to keep this one short;
# they are named and listed as files.* (their namespace)
from ._doc import json as json  # noqa: E402
from ._doc import yaml as yaml  # noqa: E402
from ._download import download as download  # noqa: E402
from ._edit import block as block  # noqa: E402
from ._edit import ini as ini  # noqa: E402
from ._remote import copy as copy  # noqa: E402
from ._remote import flags as flags  # noqa: E402
from ._remote import move as move  # noqa: E402
from ._remote import unarchive as unarchive  # noqa: E402
from ._sync import rsync as rsync  # noqa: E402
from ._sync import sync as sync  # noqa: E402
