"""Re-capture the outputs of the podman facts from a real podman (as root, Debian 12's
podman 4.3 with runc), configured as tests/docker/conftest.py configures it: its own
storage under a temporary directory, no network, explicit ulimits.

    .venv/bin/python tests/facts/data/capture_podman.py

The engine gets a two-file image (``sleep`` and its libraries would do, but the fact reads
the engine's listing, not the container's files: an image of one static file is enough
for ``create``), a created container with labels and a name, and the empty engine is read
first (``podman ps`` of no containers).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from corral.facts import podman
from corral.model.facts import FactBase

HERE = Path(__file__).parent

CONTAINERS_CONF = """\
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
netns = "none"

[engine]
runtime = "runc"
events_logger = "none"
tmp_dir = "{top}/tmp"
"""

STORAGE_CONF = """\
[storage]
driver = "overlay"
graphroot = "{top}/root"
runroot = "{top}/runroot"
"""


def _image_tar(path: Path) -> None:
    with tarfile.open(path, "w") as tar:
        data = b"corral podman capture\n"
        info = tarfile.TarInfo("etc/marker")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="corral-podman-") as name:
        top = Path(name)
        (top / "containers.conf").write_text(CONTAINERS_CONF.format(top=top))
        (top / "storage.conf").write_text(STORAGE_CONF.format(top=top))
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LC_ALL": "C",
               "CONTAINERS_CONF": str(top / "containers.conf"),
               "CONTAINERS_STORAGE_CONF": str(top / "storage.conf")}

        def sh(command: str) -> tuple[int, list[str]]:
            done = subprocess.run(["sh", "-c", command], env=env, capture_output=True,
                                  text=True, check=False)
            text = done.stdout[:-1] if done.stdout.endswith("\n") else done.stdout
            return done.returncode, text.split("\n") if text else []

        def save(name: str, cls: type[FactBase[Any]]) -> None:
            command = cls().command()
            rc, lines = sh(command)
            record = {"fact": cls.name, "kwargs": {}, "where": "podman", "command": command,
                      "exit": rc, "output": lines}
            (HERE / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
            print(f"{name}: exit {rc}, {len(lines)} lines")

        try:
            save("podman_ps_empty", podman.PodmanPs)
            _image_tar(top / "image.tar")
            sh(f"podman import --change 'CMD [\"/marker\"]' {top}/image.tar corral-cap:1")
            sh("podman create --name corral-cap-web --label app=web --label 'tier=front end' "
               "corral-cap:1")
            sh("podman create corral-cap:1 /x")
            save("podman_ps", podman.PodmanPs)
            save("podman_systeminfo", podman.PodmanSystemInfo)
        finally:
            sh("podman rm -af -t 0; podman system reset --force")
            subprocess.run(["sh", "-c", f"grep -o ' {top}[^ ]*' /proc/self/mounts | "
                            "sort -r | xargs -r -n1 umount -l"], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
