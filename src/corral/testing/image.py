"""The test image: a minimal Debian root file system, built once with debootstrap and cached
outside the checkout, and throw-away overlay roots over it for each test.

    python -m corral.testing.image            # build (or reuse) the image, print its path

The image carries a local package repository (``file:/var/local/corral-repo``) with a few
small packages, so ``apt-get update`` and ``apt-get install`` work with no network.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

CACHE = Path(os.environ.get("CORRAL_TEST_CACHE", "/var/cache/corral-test"))
SUITE = "bookworm"
MIRROR = os.environ.get("CORRAL_DEBIAN_MIRROR", "http://deb.debian.org/debian")
INCLUDE = [
    "sudo", "openssh-server", "python3", "ca-certificates", "procps", "iproute2", "kmod",
    "git", "rsync", "cron", "iptables", "locales", "python3-venv", "unzip", "bzip2",
    "xz-utils", "curl", "gnupg",
]
#: packages served by the image's local repository (not installed)
REPO_PACKAGES = [
    "hello", "tree", "sl",
    # the benchmarks' lamp workload
    "apache2", "mariadb-server", "php", "libapache2-mod-php", "php-mysql",
    # operations tested for real on fleet hosts
    "postgresql", "ufw", "python3-pip", "pipx", "ruby", "nginx-light",
]
REPO_DIR = "/var/local/corral-repo"
TEST_USER = "corral"
#: the test user's password (password logins in the test fleet)
TEST_PASSWORD = "corral-test-password"
VERSION = 5


def image_key() -> str:
    text = f"{VERSION}|{SUITE}|{','.join(INCLUDE)}|{','.join(REPO_PACKAGES)}"
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def image_path() -> Path:
    return CACHE / f"debian-{SUITE}-{image_key()}"


def _run(*argv: str, root: Path | None = None, input: str | None = None) -> str:
    cmd = ["chroot", str(root), *argv] if root else list(argv)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
           "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, input=input)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return proc.stdout


def _packages_index(repo: Path) -> None:
    """Write the repository's ``Packages`` file from the .deb files' control data."""
    entries = []
    for deb in sorted(repo.glob("*.deb")):
        control = _run("dpkg-deb", "--field", str(deb)).rstrip("\n")
        data = deb.read_bytes()
        entries.append(
            f"{control}\nFilename: ./{deb.name}\nSize: {len(data)}\n"
            f"SHA256: {hashlib.sha256(data).hexdigest()}\n"
        )
    (repo / "Packages").write_text("\n".join(entries))


def build(quiet: bool = False) -> Path:
    """Build the image unless a complete one is cached; return its path."""
    final = image_path()
    if (final / ".corral-image-complete").exists():
        return final
    if os.geteuid() != 0:
        raise RuntimeError("building the test image needs root (debootstrap, chroot)")
    CACHE.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build-", dir=CACHE))
    root = work / "root"
    try:
        if not quiet:
            print(f"building the test image in {final} (debootstrap, about a minute)",
                  file=sys.stderr)
        _run("debootstrap", "--variant=minbase", f"--include={','.join(INCLUDE)}", SUITE,
             str(root), MIRROR)
        _run("apt-get", "install", "-y", "--download-only", "--no-install-recommends",
             *REPO_PACKAGES, root=root)
        repo = root / REPO_DIR.lstrip("/")
        repo.mkdir(parents=True)
        archives = root / "var/cache/apt/archives"
        for deb in archives.glob("*.deb"):
            shutil.move(str(deb), repo / deb.name)
        _packages_index(repo)
        (root / "etc/apt/sources.list").write_text(
            f"deb [trusted=yes] file:{REPO_DIR} ./\n")
        _run("apt-get", "update", root=root)
        _run("useradd", "--create-home", "--shell", "/bin/bash", TEST_USER, root=root)
        _run("chpasswd", root=root, input=f"{TEST_USER}:{TEST_PASSWORD}\n")
        sudoers = root / "etc/sudoers.d/corral"
        sudoers.write_text(f"{TEST_USER} ALL=(ALL) NOPASSWD:ALL\n")
        sudoers.chmod(0o440)
        (root / "etc/hostname").write_text("corral-test\n")
        (root / ".corral-image-complete").write_text(image_key() + "\n")
        if final.exists():
            shutil.rmtree(final)
        root.rename(final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


@contextlib.contextmanager
def overlay_root(image: Path | None = None, base: Path | None = None) -> Iterator[Path]:
    """A writable root file system over the image; changes vanish afterwards."""
    image = image or build()
    top = Path(tempfile.mkdtemp(prefix="corral-root-", dir=base))
    upper, work, merged = top / "upper", top / "work", top / "root"
    for d in (upper, work, merged):
        d.mkdir()
    _run("mount", "-t", "overlay", "overlay", "-o",
         f"lowerdir={image},upperdir={upper},workdir={work}", str(merged))
    try:
        yield merged
    finally:
        subprocess.run(["umount", "-l", str(merged)], check=False)
        shutil.rmtree(top, ignore_errors=True)


if __name__ == "__main__":
    print(build())
