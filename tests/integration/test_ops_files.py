"""files.* applied for real: in a chroot over the test image, and on this machine inside a
temporary directory. Each test converges (run, re-run unchanged, dry run unchanged) and
then checks the end state from Python. (tests/ssh runs these tests again against test fleet
hosts over SSH, as root and as a user with sudo.)"""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from corral.api import HostStatus, OpStatus
from corral.operations import files

from ._helpers import Target, converge, describe, ops, run, single

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=["chroot", "local"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Target:
    if request.param == "chroot":
        t: Target = request.getfixturevalue("chroot")
    else:
        t = Target.local(tmp_path_factory.mktemp("local-target"))
    t.path(t.base).mkdir(parents=True, exist_ok=True)
    return t


def _make(t: Target, remote: str, content: str = "") -> Path:
    path = t.path(remote)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    return path


def test_file(target: Target) -> None:
    t = target
    log, plain, gone = t.at("file", "sub", "app.log"), t.at("file", "plain"), t.at("file", "gone")
    _make(t, gone, "remove me\n")

    def deploy() -> None:
        files.file(name="log", path=log, user=t.user, group=t.group, mode="640")
        files.file(name="plain", path=plain)
        files.file(name="gone", path=gone, present=False)

    first = ops(converge(t, deploy))
    assert all(op.changed for op in first.values())

    assert t.path(log).is_file() and t.read(log) == ""
    assert t.mode(log) == 0o640
    assert t.owner(log) == (t.user, t.group)
    assert t.owner(t.at("file", "sub")) == (t.user, t.group)  # the parent it created
    assert t.path(plain).is_file()
    assert not t.path(gone).exists()


def test_file_metadata_of_existing_file(target: Target) -> None:
    t = target
    path = t.at("meta", "existing")
    _make(t, path, "keep\n").chmod(0o600)

    def deploy() -> None:
        files.file(name="meta", path=path, group=t.group, mode="0644")

    assert ops(converge(t, deploy))["meta"].changed
    assert t.read(path) == "keep\n"
    assert t.mode(path) == 0o644
    assert t.owner(path) == ("root", t.group)


def test_directory(target: Target) -> None:
    t = target
    made, tree, gone = t.at("dir", "made", "deep"), t.at("dir", "tree"), t.at("dir", "gone")
    _make(t, f"{tree}/inner/file", "x")
    _make(t, f"{gone}/content", "x")

    def deploy() -> None:
        files.directory(name="made", path=made, user=t.user, group=t.group, mode="750")
        files.directory(name="tree", path=tree, user=t.user, mode="750", recursive=True)
        files.directory(name="gone", path=gone, present=False)

    first = ops(converge(t, deploy))
    assert all(op.changed for op in first.values())

    assert t.path(made).is_dir()
    assert t.mode(made) == 0o750
    assert t.owner(made) == (t.user, t.group)
    assert t.owner(f"{tree}/inner/file")[0] == t.user
    assert t.mode(f"{tree}/inner/file") == 0o750
    assert not t.path(gone).exists()


def test_directory_that_is_a_link_with_no_fail_on_link(target: Target) -> None:
    """``_no_fail_on_link`` (pyinfra's operation keyword, not a global argument) reaches
    the operation: a link at the path is left alone and the run converges."""
    t = target
    real, link = t.at("dirlink", "real"), t.at("dirlink", "link")
    _make(t, f"{real}/f", "x")
    t.path(link).symlink_to(real)

    def deploy() -> None:
        files.directory(name="link", path=link, _no_fail_on_link=True)

    converge(t, deploy)
    assert t.path(link).is_symlink()


def test_link(target: Target) -> None:
    t = target
    dest = t.at("link", "target.txt")
    _make(t, dest, "pointed at\n")
    absolute, relative = t.at("link", "abs"), t.at("link", "sub", "rel")
    moved, gone = t.at("link", "moved"), t.at("link", "gone")
    t.path(moved).symlink_to("/nowhere")
    t.path(gone).symlink_to(dest)

    def deploy() -> None:
        files.link(name="absolute", path=absolute, target=dest)
        files.link(name="relative", path=relative, target="../target.txt")
        files.link(name="moved", path=moved, target=dest)
        files.link(name="gone", path=gone, present=False)

    first = ops(converge(t, deploy))
    assert all(op.changed for op in first.values())

    assert os.readlink(t.path(absolute)) == dest
    assert os.readlink(t.path(relative)) == "../target.txt"
    assert t.read(relative) == "pointed at\n"
    assert os.readlink(t.path(moved)) == dest
    assert not t.path(gone).is_symlink()
    assert t.path(dest).is_file()  # removing a link leaves its target


def test_line(target: Target) -> None:
    t = target
    conf, fresh = t.at("line", "app.env"), t.at("line", "fresh.env")
    _make(t, conf, "A=1\nLOG_LEVEL=debug\nOBSOLETE=yes\n")

    def deploy() -> None:
        files.line(name="replace", path=conf, line="^LOG_LEVEL=", replace="LOG_LEVEL=info")
        files.line(name="append", path=conf, line="B=2")
        files.line(name="literal", path=conf, line="C=[x].*", escape_regex_characters=True)
        files.line(name="remove", path=conf, line="^OBSOLETE=", present=False)
        files.line(name="present already", path=conf, line="^A=1$")
        files.line(name="fresh file", path=fresh, line="X=1")

    first = ops(converge(t, deploy))
    assert not first["present already"].changed
    assert all(op.changed for name, op in first.items() if name != "present already")

    assert t.read(conf) == "A=1\nLOG_LEVEL=info\nB=2\nC=[x].*\n"
    assert t.read(fresh) == "X=1\n"


def test_replace(target: Target) -> None:
    t = target
    path = t.at("replace", "greeting")
    _make(t, path, "hello world, big world\nworld\nplanet\n")

    def deploy() -> None:
        files.replace(name="world", path=path, text="world", replace="earth", flags=["g"])
        files.replace(name="groups", path=path, text="^plan(et)$", replace=r"mo\1on",
                      extended_regex=True)
        files.replace(name="nothing", path=path, text="mars", replace="venus")

    first = ops(converge(t, deploy))
    assert first["world"].changed and first["groups"].changed
    assert not first["nothing"].changed
    assert t.read(path) == "hello earth, big earth\nearth\nmoeton\n"


def test_put_with_times(target: Target) -> None:
    """``mtime``/``atime`` set on upload and on a file whose content is already right,
    then nothing changes (the host's touch reads the time corral writes)."""
    t = target
    stamped, kept = t.at("times", "stamped"), t.at("times", "kept")
    _make(t, kept, "same\n")
    os.utime(t.path(kept), (1000000000, 1000000000))

    def deploy() -> None:
        files.put(name="stamped", src=io.BytesIO(b"new\n"), dest=stamped,
                  mtime="2020-02-03T04:05:06+00:00")
        files.put(name="kept", src=io.BytesIO(b"same\n"), dest=kept, mtime=1580702706)

    first = ops(converge(t, deploy))
    assert first["stamped"].changed and first["kept"].changed
    for path in (stamped, kept):
        assert int(t.path(path).stat().st_mtime) == 1580702706
    # an access time is set too, but reading the file to compare it moves it again on
    # most mounts (relatime): it is not idempotent, as pyinfra says of its own
    result = run(t, lambda: files.put(name="a", src=io.BytesIO(b"new\n"), dest=stamped,
                                      atime=1580702706))
    assert single(result).status is HostStatus.CHANGED
    assert int(t.path(stamped).stat().st_atime) == 1580702706


def test_put(target: Target, tmp_path: Path) -> None:
    t = target
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "motd").write_text("Welcome, put by corral.\n")
    tool = tmp_path / "files" / "tool.sh"
    tool.write_text("#!/bin/sh\necho tool\n")
    tool.chmod(0o751)
    motd, into_dir = t.at("put", "etc", "motd"), t.at("put", "bin")
    replaced, from_io = t.at("put", "replaced"), t.at("put", "from-io")
    t.path(into_dir).mkdir(parents=True)
    _make(t, replaced, "old content\n").chmod(0o604)

    deploy = tmp_path / "deploy.py"
    deploy.write_text(
        "import io\n"
        "from corral.operations import files\n"
        f"files.put(name='motd', src='files/motd', dest={motd!r}, user={t.user!r},\n"
        f"          group={t.group!r}, mode='640')\n"
        f"files.put(name='into dir', src='files/tool.sh', dest={into_dir!r}, mode=True)\n"
        f"files.put(name='replaced', src='files/motd', dest={replaced!r})\n"
        f"files.put(name='from io', src=io.StringIO('streamed\\n'), dest={from_io!r})\n"
    )
    first = converge(t, deploy)
    assert all(op.changed for op in first.operations)
    assert ops(first)["replaced"].diffs  # a content change is shown as a diff

    assert t.read(motd) == "Welcome, put by corral.\n"
    assert t.mode(motd) == 0o640
    assert t.owner(motd) == (t.user, t.group)
    assert t.read(f"{into_dir}/tool.sh") == "#!/bin/sh\necho tool\n"
    assert t.mode(f"{into_dir}/tool.sh") == 0o751
    assert t.read(replaced) == "Welcome, put by corral.\n"
    assert t.mode(replaced) == 0o604  # a replaced file keeps its mode
    assert t.read(from_io) == "streamed\n"
    leftovers = [p.name for p in t.path(t.at("put")).rglob("*") if "corral" in p.name]
    assert leftovers == []  # no temporary upload files left behind


def test_template(target: Target, tmp_path: Path) -> None:
    t = target
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "app.conf.j2").write_text(
        "# {{ host.name }}\n"
        "port = {{ host.data.port }}\n"
        "{% for w in host.data.workers %}worker = {{ w }}\n{% endfor %}"
        "greeting = {{ greeting }}\n"
        "{% include 'templates/footer.j2' %}"
    )
    (tmp_path / "templates" / "footer.j2").write_text("# end\n")
    conf = t.at("template", "app.conf")
    with_data = t.with_data(tmp_path, port=8080, workers=["a", "b"])
    deploy = tmp_path / "deploy.py"
    deploy.write_text(
        "from corral.operations import files\n"
        f"files.template(name='conf', src='templates/app.conf.j2', dest={conf!r},\n"
        f"               user={t.user!r}, mode='600', greeting='hi there')\n"
    )
    first = ops(converge(with_data, deploy))
    assert first["conf"].changed

    assert t.read(conf) == (
        f"# {t.name}\nport = 8080\nworker = a\nworker = b\ngreeting = hi there\n# end\n"
    )
    assert t.mode(conf) == 0o600
    assert t.owner(conf)[0] == t.user


def test_get(target: Target, tmp_path: Path) -> None:
    t = target
    remote = t.at("get", "report.txt")
    _make(t, remote, "remote data\n")
    local = tmp_path / "downloads" / "report.txt"

    def deploy() -> None:
        files.get(name="get", src=remote, dest=str(local), create_local_dir=True)

    assert ops(converge(t, deploy))["get"].changed
    assert local.read_text() == "remote data\n"

    # a changed remote file is downloaded again, then the copy is up to date once more
    t.path(remote).write_text("new remote data\n")
    assert ops(converge(t, deploy))["get"].changed
    assert local.read_text() == "new remote data\n"


def test_get_makes_the_local_directory_when_it_runs_not_in_a_dry_run(
        target: Target, tmp_path: Path) -> None:
    """``create_local_dir`` makes the directory when the download runs: planning (all a
    ``--dry`` run does) leaves the controller as it was."""
    t = target
    remote = t.at("get-dry", "report.txt")
    _make(t, remote, "remote data\n")
    local = tmp_path / "new" / "deeper" / "report.txt"

    def deploy() -> None:
        files.get(name="get", src=remote, dest=str(local), create_local_dir=True)

    dry = single(run(t, deploy, dry=True))
    assert ops(dry)["get"].status is OpStatus.PLANNED, describe(dry)
    assert not (tmp_path / "new").exists()

    assert ops(converge(t, deploy))["get"].changed
    assert local.read_text() == "remote data\n"


def test_awkward_paths_and_expanded_variables(target: Target) -> None:
    t = target
    d = t.at("odd dir", "it's $here")
    conf = f"{d}/a b.conf"

    def deploy() -> None:
        files.directory(name="dir", path=d, user=t.user, mode="711")
        files.file(name="file", path=conf, mode="600")
        files.line(name="slashes", path=conf, line="^path=", replace="path=/usr/local/bin:/a|b")
        files.line(name="expanded", path=conf, line="^home=", replace="home=$HOME",
                   interpolate_variables=True)
        files.link(name="link", path=f"{d}/link to it", target=conf)

    converge(t, deploy)
    assert t.mode(d) == 0o711 and t.owner(d)[0] == t.user
    lines = t.read(conf).splitlines()
    assert lines[0] == "path=/usr/local/bin:/a|b"
    assert lines[1].startswith("home=/") and "$" not in lines[1], lines
    assert len(lines) == 2
    assert os.readlink(t.path(f"{d}/link to it")) == conf

    # an expanded replacement also rewrites a line that is there but wrong
    t.path(conf).write_text("path=/usr/local/bin:/a|b\nhome=/wrong\n")
    assert ops(converge(t, deploy))["expanded"].changed
    assert t.read(conf).splitlines()[1] == lines[1]


#: a file of bytes an edit does not own: Latin-1, CRLF, a form feed, a NUL, \x1c, and a
#: last line without a newline
ODD = b"caf\xe9=1\r\nform\x0cfeed\n\x00nul\x1cgs\nlast"


def test_line_and_replace_with_hostile_text(target: Target) -> None:
    """Text that ends naive sed programs or runs commands is written as it is; & and \\1
    in files.line's replace are literal, & in files.replace's too (as in pyinfra); an
    appended line is a line of its own; every other byte of the file is kept; nothing the
    text names runs."""
    t = target
    path, fresh = t.at("hostile", "odd.conf"), t.at("hostile", "fresh.conf")
    canary = t.at("hostile", "CANARY")
    _make(t, path)
    t.path(path).write_bytes(b"key=old\n" + ODD)
    evil = (f"a&b\\1 \\ / | # $(touch {canary}) `touch {canary}` ${{X:-$(touch {canary})}} "
            f"'\"" + "".join(chr(c) for c in [*range(1, 9), 14, 15, 127]) + "=/#@%,~!:;")

    def deploy() -> None:
        files.line(name="literal", path=path, line="^key=", replace="key=" + evil)
        files.line(name="appended", path=path, line="^new=", replace="new=" + evil,
                   interpolate_variables=True)
        files.line(name="expanded", path=path, line="^home=", replace="home=$HOME ${HOME}",
                   interpolate_variables=True)
        files.replace(name="sed syntax", path=path, text="^\\(l\\)ast$", replace="<&|\\1>")
        files.line(name="fresh", path=fresh, line=evil, escape_regex_characters=True)

    first = ops(converge(t, deploy))
    assert all(op.changed for op in first.values())
    data = t.path(path).read_bytes()
    lines = data.split(b"\n")
    assert lines[0] == b"key=" + evil.encode()
    assert data[len(lines[0]) + 1:].startswith(
        b"caf\xe9=1\r\nform\x0cfeed\n\x00nul\x1cgs\n<&|l>\nnew=" + evil.encode() + b"\n")
    assert lines[-2].startswith(b"home=/") and b"$" not in lines[-2], lines[-2]
    assert data.endswith(b"\n")
    assert t.path(fresh).read_bytes() == evil.encode() + b"\n"
    assert not t.path(canary).exists()


def test_block_and_ini_keep_every_byte_they_do_not_own(target: Target) -> None:
    t = target
    block, ini, crlf = t.at("bytes", "block.conf"), t.at("bytes", "a.ini"), t.at("bytes", "w.ini")
    _make(t, block)
    t.path(block).write_bytes(ODD)
    t.path(block).chmod(0o604)
    _make(t, ini)
    t.path(ini).write_bytes(b"; caf\xe9\n[s]\nk = 1\n\x0c\n[t]\nx=\xff")
    _make(t, crlf)
    t.path(crlf).write_bytes(b"[s]\r\nk = 1\r\n")

    def deploy() -> None:
        files.block(name="block", path=block, content=["one $(x)", "two \\1 &"],
                    line="^form", after=True)
        files.ini(name="ini", path=ini, section="s", key="k", value="2")
        files.ini(name="ini new key", path=ini, section="t", key="y", value="z")
        files.ini(name="crlf", path=crlf, section="s", key="j", value="v")

    converge(t, deploy)
    assert t.path(block).read_bytes() == (
        b"caf\xe9=1\r\nform\x0cfeed\n# BEGIN PYINFRA BLOCK\none $(x)\ntwo \\1 &\n"
        b"# END PYINFRA BLOCK\n\x00nul\x1cgs\nlast")
    assert t.mode(block) == 0o604
    assert t.path(ini).read_bytes() == b"; caf\xe9\n[s]\nk = 2\n\x0c\n[t]\nx=\xff\ny = z\n"
    assert t.path(crlf).read_bytes() == b"[s]\r\nk = 1\r\nj = v\r\n"
    assert sorted(os.listdir(t.path(t.at("bytes")))) == ["a.ini", "block.conf", "w.ini"]


@contextmanager
def _tiny_file_system(t: Target, remote: str, kib: int) -> Iterator[None]:
    """A tmpfs of ``kib`` KiB mounted at ``remote`` on the target (inside a fleet host's
    mount namespace and root for an SSH target)."""
    root = str(t.root)
    host = re.fullmatch(r"/proc/(\d+)/root", root)
    enter = ["nsenter", "-t", host.group(1), "-m", "-r", "--"] if host else []
    where = remote if host else str(t.path(remote))
    t.path(remote).mkdir(parents=True, exist_ok=True)
    subprocess.run([*enter, "mount", "-t", "tmpfs", "-o", f"size={kib}k,mode=1777", "tmpfs",
                    where], check=True)
    try:
        yield
    finally:
        subprocess.run([*enter, "umount", where], check=True)


def _fill(path: Path) -> None:
    """Write into ``path`` until the file system is full."""
    with open(path, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"x" * 512)
        except OSError:
            pass
    assert path.stat().st_size > 0


def test_an_edit_on_a_full_file_system_leaves_the_file_as_it_was(target: Target) -> None:
    """An append that runs out of space (the line crosses into a page the tmpfs cannot
    give) is cut back, a block that cannot be uploaded leaves the file alone: both fail,
    and the file holds exactly what it held."""
    t = target
    directory = t.at("full")
    path, other = f"{directory}/app.conf", f"{directory}/block.conf"
    old = b"a" * 4090  # 6 bytes before the end of its page, no final newline
    with _tiny_file_system(t, directory, 16):
        t.path(path).write_bytes(old)
        t.path(other).write_bytes(b"keep\n")
        filler = t.path(f"{directory}/filler")
        _fill(filler)

        def deploy() -> None:
            files.line(name="append", path=path, line="^key=", replace="key=" + "v" * 100)

        def block() -> None:
            files.block(name="block", path=other, content=["x" * 8000])

        for job in (deploy, block):
            host = single(run(t, job))
            assert host.status is HostStatus.FAILED, describe(host)
        assert t.path(path).read_bytes() == old
        assert t.path(other).read_bytes() == b"keep\n"
        assert sorted(os.listdir(t.path(directory))) == ["app.conf", "block.conf", "filler"]

        filler.unlink()
        ops(converge(t, deploy))
        assert t.path(path).read_bytes() == old + b"\nkey=" + b"v" * 100 + b"\n"
