"""The extra files operations applied for real on a fleet host (Debian 12).

files.flags is only checked to be a no-op here: Linux has no chflags (see the unit tables).
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import os
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from corral.model.results import RunResult
from corral.operations import files
from corral.testing.fleet import Fleet

from .._fleet import converge, host_fleet, run, sh

__all__ = ["host_fleet"]

pytestmark = pytest.mark.integration


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTP server on 127.0.0.1 serving a temporary directory: (base URL, directory)."""
    root = tmp_path_factory.mktemp("www")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def _failed(result: RunResult) -> list[str]:
    return [op.name for h in result.hosts for op in h.operations if op.error]


def test_download(host_fleet: Fleet, web: tuple[str, Path]) -> None:
    url, root = web
    payload = b"release 1.2\n" * 100
    (root / "app.bin").write_bytes(payload)
    digest = hashlib.sha256(payload).hexdigest()

    def deploy() -> None:
        files.directory(path="/opt/dl")
        files.download(src=f"{url}/app.bin", dest="/opt/dl/app.bin", sha256sum=digest,
                       mode="640", headers={"X-Test": "yes"})
        files.download(src=f"{url}/app.bin", dest="/opt/dl/cached.bin", cache_time=3600,
                       user="daemon")

    converge(host_fleet, deploy)
    assert sh(host_fleet, "sha256sum /opt/dl/app.bin").split()[0] == digest
    assert sh(host_fleet, "stat -c '%a %U' /opt/dl/app.bin /opt/dl/cached.bin").split("\n")[:2] \
        == ["640 root", "644 daemon"]
    assert sh(host_fleet, "ls -A /opt/dl").split() == ["app.bin", "cached.bin"]

    def bad() -> None:
        files.download(src=f"{url}/app.bin", dest="/opt/dl/bad.bin", sha256sum="0" * 64)

    result = run(host_fleet, bad)
    assert result.failed and _failed(result)
    # the mismatching download is removed, and nothing is left at dest
    assert sh(host_fleet, "ls -A /opt/dl").split() == ["app.bin", "cached.bin"]


def _site(base: Path) -> Path:
    site = base / "site"
    (site / "css" / "deep").mkdir(parents=True)
    (site / "node_modules").mkdir()
    (site / "index.html").write_text("<h1>v1</h1>\n")
    (site / "css" / "a b.css").write_text("body {}\n")
    (site / "css" / "deep" / "x.js").write_text("1;\n")
    (site / "junk.pyc").write_bytes(b"\0")
    (site / "node_modules" / "m.js").write_text("m\n")
    os.symlink("index.html", site / "home.html")
    os.chmod(site / "css" / "deep" / "x.js", 0o600)
    return site


def test_sync(host_fleet: Fleet, tmp_path: Path) -> None:
    site = _site(tmp_path)
    sh(host_fleet, "mkdir -p /srv/site/css /srv/site/node_modules && echo old > /srv/site/stale "
                   "&& echo keep > /srv/site/node_modules/kept && echo k > /srv/site/k.pyc")

    def deploy() -> None:
        files.sync(src=str(site), dest="/srv/site", group="daemon", dir_mode="750",
                   delete=True, exclude="*.pyc", exclude_dir="node_modules")

    first = converge(host_fleet, deploy)
    assert first.changed == 1
    listing = sh(host_fleet, "cd /srv/site && find . | sort").split("\n")
    assert listing[:-1] == [".", "./css", "./css/a b.css", "./css/deep", "./css/deep/x.js",
                            "./home.html", "./index.html", "./k.pyc", "./node_modules",
                            "./node_modules/kept"]
    assert sh(host_fleet, "readlink /srv/site/home.html") == "index.html\n"
    assert sh(host_fleet, "stat -c '%a %G' /srv/site/css/deep /srv/site/css/deep/x.js") == (
        "750 daemon\n600 daemon\n")

    (site / "index.html").write_text("<h1>v2</h1>\n")
    second = converge(host_fleet, deploy)
    assert second.changed == 1
    assert sh(host_fleet, "cat /srv/site/index.html") == "<h1>v2</h1>\n"


def test_rsync(host_fleet: Fleet, tmp_path: Path) -> None:
    site = _site(tmp_path)
    sh(host_fleet, "mkdir -p /srv/mirror/site && echo x > /srv/mirror/site/extra")

    def deploy() -> None:
        files.rsync(src=str(site), dest="/srv/mirror",
                    flags=["-az", "--delete", "--exclude=*.pyc", "--exclude", "node_modules"])

    converge(host_fleet, deploy)
    assert sh(host_fleet, "cd /srv/mirror && find . -type f | sort") == (
        "./site/css/a b.css\n./site/css/deep/x.js\n./site/index.html\n")


BLOCK_FILE = "/etc/hosts.extra"


def test_block(host_fleet: Fleet) -> None:
    sh(host_fleet, f"printf '127.0.0.1 localhost\\n::1 localhost\\n' > {BLOCK_FILE} "
                   f"&& chmod 604 {BLOCK_FILE} && chown daemon {BLOCK_FILE}")

    def deploy() -> None:
        files.block(path=BLOCK_FILE, content="127.0.0.5 db\n127.0.0.6 $(cache)",
                    line="^127\\.0\\.0\\.1", after=True)
        files.block(path=BLOCK_FILE, content=["# tail"], marker="## {mark} tail ##")
        files.block(path="/etc/block-new.conf", content="a = 1")

    converge(host_fleet, deploy)
    assert sh(host_fleet, f"cat {BLOCK_FILE}") == (
        "127.0.0.1 localhost\n# BEGIN PYINFRA BLOCK\n127.0.0.5 db\n127.0.0.6 $(cache)\n"
        "# END PYINFRA BLOCK\n::1 localhost\n## BEGIN tail ##\n# tail\n## END tail ##\n")
    assert sh(host_fleet, f"stat -c '%a %U' {BLOCK_FILE}") == "604 daemon\n"
    assert sh(host_fleet, "cat /etc/block-new.conf") == (
        "# BEGIN PYINFRA BLOCK\na = 1\n# END PYINFRA BLOCK\n")

    def change() -> None:
        files.block(path=BLOCK_FILE, content="127.0.0.7 db2", line="^127", after=True)
        files.block(path=BLOCK_FILE, marker="## {mark} tail ##", present=False)

    converge(host_fleet, change)
    assert sh(host_fleet, f"cat {BLOCK_FILE}") == (
        "127.0.0.1 localhost\n# BEGIN PYINFRA BLOCK\n127.0.0.7 db2\n# END PYINFRA BLOCK\n"
        "::1 localhost\n")


def _archives(base: Path) -> tuple[Path, Path, Path]:
    def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
        item = tarfile.TarInfo(name)
        item.size = len(data)
        tar.addfile(item, io.BytesIO(data))

    tgz, txz = base / "app.tar.gz", base / "data.tar.xz"
    with tarfile.open(tgz, "w:gz") as tar:
        add(tar, "app/bin/start", b"#!/bin/sh\n")
        add(tar, "app/README", b"v1\n")
    with tarfile.open(txz, "w:xz") as tar:
        add(tar, "data.txt", b"xz\n")
    archive = base / "docs.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("docs/index.txt", "zip\n")
    return tgz, txz, archive


def test_unarchive(host_fleet: Fleet, tmp_path: Path) -> None:
    tgz, txz, zipped = _archives(tmp_path)

    def deploy() -> None:
        files.unarchive(src=str(tgz), dest="/opt/arc", user="daemon")
        files.unarchive(src=str(zipped), dest="/opt/arc", creates="/opt/arc/docs")
        files.put(src=str(txz), dest="/tmp/data.tar.xz")
        files.unarchive(src="/tmp/data.tar.xz", dest="/opt/arc/data", remote_src=True)

    converge(host_fleet, deploy)
    assert sh(host_fleet, "cat /opt/arc/app/README /opt/arc/docs/index.txt "
                          "/opt/arc/data/data.txt") == "v1\nzip\nxz\n"
    assert sh(host_fleet, "stat -c %U /opt/arc/app/bin/start") == "daemon\n"

    # a changed archive is extracted again
    with tarfile.open(tgz, "w:gz") as tar:
        item = tarfile.TarInfo("app/README")
        item.size = 3
        tar.addfile(item, io.BytesIO(b"v2\n"))
    converge(host_fleet, deploy)
    assert sh(host_fleet, "cat /opt/arc/app/README") == "v2\n"


def test_copy_move_flags(host_fleet: Fleet) -> None:
    sh(host_fleet, "mkdir -p /srv/cm/src/dir/sub /srv/cm/to /srv/cm/moved "
                   "&& echo a > /srv/cm/src/file && echo b > /srv/cm/src/dir/sub/b "
                   "&& ln -sfn -- file /srv/cm/src/link && echo m > /srv/cm/src/move-me")

    def deploy() -> None:
        files.copy(src="/srv/cm/src/file", dest="/srv/cm/to")
        files.copy(src="/srv/cm/src/dir", dest="/srv/cm/to")
        files.copy(src="/srv/cm/src/link", dest="/srv/cm/to")
        files.move(src="/srv/cm/src/move-me", dest="/srv/cm/moved")
        files.flags(path="/srv/cm/to/file", flags=["uchg"], present=False)

    converge(host_fleet, deploy)
    assert sh(host_fleet, "cat /srv/cm/to/file /srv/cm/to/dir/sub/b /srv/cm/moved/move-me") == (
        "a\nb\nm\n")
    assert sh(host_fleet, "readlink /srv/cm/to/link") == "file\n"
    assert sh(host_fleet, "test -e /srv/cm/src/move-me || echo gone") == "gone\n"

    sh(host_fleet, "echo changed > /srv/cm/src/file")

    def overwrite() -> None:
        files.copy(src="/srv/cm/src/file", dest="/srv/cm/to", overwrite=True)

    converge(host_fleet, overwrite)
    assert sh(host_fleet, "cat /srv/cm/to/file") == "changed\n"


def test_ini_json_yaml(host_fleet: Fleet) -> None:
    sh(host_fleet, "mkdir -p /etc/app && printf '; app\\n[server]\\nport = 80\\n' > /etc/app/a.ini"
                   " && printf '{\"server\": {\"port\": 80}}' > /etc/app/c.json"
                   " && printf '# c\\nlogging:\\n  level: info\\n' > /etc/app/c.yaml")

    def deploy() -> None:
        files.ini(path="/etc/app/a.ini", section="server", key="port", value=8080)
        files.ini(path="/etc/app/a.ini", section="tls", key="enabled", value=True)
        files.json(path="/etc/app/c.json", keys=["server", "port"], value=8080)
        files.json(path="/etc/app/c.json", keys=["server", "hosts"], value=["127.0.0.1"])
        files.yaml(path="/etc/app/c.yaml", keys=["logging", "level"], value="debug")
        files.yaml(path="/etc/app/new.yaml", keys=["a", "b"], value=1, mode="600")

    converge(host_fleet, deploy)
    assert sh(host_fleet, "cat /etc/app/a.ini") == (
        "; app\n[server]\nport = 8080\n\n[tls]\nenabled = true\n")
    assert json.loads(sh(host_fleet, "cat /etc/app/c.json")) == {
        "server": {"port": 8080, "hosts": ["127.0.0.1"]}}
    assert sh(host_fleet, "cat /etc/app/c.yaml") == "logging:\n  level: debug\n"
    assert sh(host_fleet, "cat /etc/app/new.yaml; stat -c %a /etc/app/new.yaml") == (
        "a:\n  b: 1\n600\n")
