"""One host of the test fleet (see ``corral.testing.fleet``): its overlay's upper layer
(keys, sshd configuration), its boot in new namespaces, and process helpers."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from corral.testing import image as test_image

SSH_PORT = 22
#: where the sshds listen when a latency relay holds port 22
RELAYED_PORT = 2222
#: one directory per claimed 127.0.X.0/24 block, naming the fleet directory that owns it
CLAIMS = Path(os.environ.get("CORRAL_FLEET_CLAIMS", "/run/corral-fleet-nets"))
ENV = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"}

SSHD_CONFIG = """\
# written by corral.testing.fleet
ListenAddress {address}:{port}
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile none
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication yes
MaxStartups 200:30:400
MaxSessions 100
UseDNS no
LogLevel VERBOSE
"""

#: run by ``unshare`` as PID 1 of the host's namespaces; it becomes the host's sshd
BOOT = r"""set -e
root=$1 image=$2 upper=$3 work=$4 name=$5 n=0
until mount -t overlay overlay -o "lowerdir=$image,upperdir=$upper,workdir=$work" "$root"
do n=$((n+1)); [ $n -lt 50 ] || exit 1; sleep 0.1; done
mount -t proc proc "$root/proc"
# read-only: lscpu (hardware.CpuInfo) needs /sys/devices/system/cpu, as on any Linux
# machine; nothing on a host may change the machine's devices
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620,gid=5 devpts "$root/dev/pts"
mount --bind "$root/dev/pts/ptmx" "$root/dev/ptmx"
hostname "$name"
exec chroot "$root" /usr/sbin/sshd -D -e
"""


@dataclass
class FleetHost:
    name: str
    address: str
    directory: Path  # upper/, work/ and root/ (the mount point, used in its namespace)
    host_key: str = ""  # "ssh-ed25519 AAAA..."
    pid: int = 0  # the unshare process

    @property
    def upper(self) -> Path:
        return self.directory / "upper"

    def prepare(self, image: Path, client_pub: str, sshd_port: int) -> None:
        """Write the host's files into its upper layer, with a new host key."""
        for sub in ("upper", "work", "root"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        user = test_image.TEST_USER
        ids = _user_ids(image, user)
        self.put(image, "root/.ssh/authorized_keys", client_pub, 0o600)
        self.put(image, f"home/{user}/.ssh/authorized_keys", client_pub, 0o600, ids)
        self.put(image, "etc/ssh/sshd_config.d/00-corral-fleet.conf",
                 SSHD_CONFIG.format(address=self.address, port=sshd_port), 0o644)
        self.put(image, "etc/hostname", self.name + "\n", 0o644)
        lower = image / "etc/hosts"
        hosts = lower.read_text() if lower.exists() else "127.0.0.1\tlocalhost\n"
        self.put(image, "etc/hosts", f"{hosts}{self.address}\t{self.name}\n", 0o644)
        self.mkdirs(image, "run/sshd", 0o755)
        self.new_host_key(image)

    def new_host_key(self, image: Path) -> str:
        key = asyncssh.generate_private_key("ssh-ed25519", comment=f"root@{self.name}")
        self.put(image, "etc/ssh/ssh_host_ed25519_key", key.export_private_key().decode(), 0o600)
        public = key.export_public_key().decode()
        self.put(image, "etc/ssh/ssh_host_ed25519_key.pub", public, 0o644)
        self.host_key = " ".join(public.split()[:2])
        return self.host_key

    def mkdirs(self, image: Path, rel: str, mode: int = 0o700,
               owner: tuple[int, int] = (0, 0)) -> Path:
        """Make ``rel`` in the upper layer; directories the image has keep its attributes
        (an upper directory's attributes hide the image's)."""
        upper, lower = self.upper, image
        for part in Path(rel).parts:
            upper, lower = upper / part, lower / part
            if upper.exists():
                continue
            upper.mkdir()
            if lower.is_dir() and not lower.is_symlink():
                st = lower.stat()
                os.chmod(upper, st.st_mode & 0o7777)
                os.chown(upper, st.st_uid, st.st_gid)
            else:
                os.chmod(upper, mode)
                os.chown(upper, *owner)
        return upper

    def put(self, image: Path, rel: str, text: str, mode: int,
            owner: tuple[int, int] = (0, 0)) -> None:
        path = self.mkdirs(image, str(Path(rel).parent), 0o700, owner) / Path(rel).name
        path.unlink(missing_ok=True)
        path.write_text(text)
        os.chmod(path, mode)
        os.chown(path, *owner)

    def launch(self, image: Path, boot: Path, log: Path) -> subprocess.Popen[bytes]:
        """Start the host: new mount, UTS and PID namespaces running ``boot`` (BOOT)."""
        argv = ["unshare", "--mount", "--uts", "--pid", "--fork", "--kill-child=SIGKILL", "--",
                "/bin/sh", str(boot), str(self.directory / "root"), str(image),
                str(self.upper), str(self.directory / "work"), self.name]
        with open(log, "ab") as out:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    env=ENV, start_new_session=True)
        self.pid = proc.pid
        return proc

    def running(self) -> bool:
        return bool(self.pid) and owned(self.pid, str(self.directory)) and not gone(self.pid)


def _user_ids(image: Path, user: str) -> tuple[int, int]:
    for line in (image / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise KeyError(f"no user {user} in the image")


def claim_subnets(count: int, owner: Path) -> list[int]:
    """Claim ``count`` free 127.0.X.0/24 blocks (X >= 2) for the fleet in ``owner``."""
    CLAIMS.mkdir(parents=True, exist_ok=True)
    claimed: list[int] = []
    for x in range(2, 255):
        if len(claimed) == count:
            break
        claim = CLAIMS / str(x)
        try:
            claim.mkdir()
        except FileExistsError:
            try:
                holder = (claim / "owner").read_text()
            except OSError:  # being claimed right now, or a crash mid-claim
                if time.time() - claim.stat().st_mtime < 60:
                    continue
                holder = ""
            if holder and Path(holder).exists():
                continue
            shutil.rmtree(claim, ignore_errors=True)
            try:
                claim.mkdir()
            except FileExistsError:
                continue
        (claim / "owner").write_text(str(owner))
        claimed.append(x)
    if len(claimed) < count:
        raise RuntimeError(f"no free 127.0.X.0/24 blocks left (claims in {CLAIMS})")
    return claimed


def release_subnets(owner: Path) -> None:
    for claim in CLAIMS.glob("*/owner"):
        with contextlib.suppress(OSError):
            if claim.read_text() == str(owner):
                shutil.rmtree(claim.parent, ignore_errors=True)


def owned(pid: int, marker: str) -> bool:
    """Whether ``pid`` is still one of ours (its command line names ``marker``)."""
    try:
        return marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def gone(pid: int) -> bool:
    """Whether the process has exited (a zombie counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
    except OSError:
        return True


def run_async(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to its end, from synchronous code (in a thread if a loop runs)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def banner(address: str, port: int, deadline: float) -> str:
    """The server's identification line, retried until ``deadline`` (loop time); ""."""
    loop = asyncio.get_running_loop()
    while True:
        with contextlib.suppress(OSError, asyncio.TimeoutError):
            reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), 3)
            try:
                line = await asyncio.wait_for(reader.readline(), 5)
            finally:
                writer.close()
            if line.startswith(b"SSH-"):
                return line.decode(errors="replace").strip()
        if loop.time() > deadline:
            return ""
        await asyncio.sleep(0.05)
