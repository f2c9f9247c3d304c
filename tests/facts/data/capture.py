"""Re-capture the fact outputs stored next to this script (run as root on Debian 12).

    .venv/bin/python tests/facts/data/capture.py [NAME...]

(only the named captures, when names are given; ``CORRAL_ROOTFS`` names another root file
system, an overlay over the test image for instance).

Each capture runs a fact's command with ``sh -c`` on this machine ("host") or inside the
Debian 12 root file system at ROOTFS ("rootfs"), and stores command, exit code and stdout
lines as ``<name>.json``. The rootfs fixtures (user alice, /srv/fixture/...) are created by
``setup_rootfs``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from corral.facts import deb, files, server
from corral.model.facts import FactBase

ROOTFS = os.environ.get("CORRAL_ROOTFS", "/var/cache/corral-test/try-rootfs")
HERE = Path(__file__).parent
FIX = "/srv/fixture"

SETUP = f"""
id alice >/dev/null 2>&1 || {{ groupadd -f staffx;
  useradd -m -c "Alice Example" -s /bin/bash -G staffx,users alice; lastlog -S -u alice; }}
mkdir -p {FIX}/dir && cd {FIX}
printf 'first line\\nport = 8080\\n\\nlast line no newline' > plain.txt
printf 'hello\\n' > 'file with spaces.txt'
: > empty.txt
ln -sfn -- plain.txt link-to-plain
ln -sfn -- '{FIX}/file with spaces.txt' 'link with spaces'
ln -sfn -- /nonexistent/target dangling
rm -f fifo && mkfifo fifo
printf '#!/bin/sh\\n' > setuid.sh && chmod 4755 setuid.sh
chmod 0640 plain.txt && chown alice:staffx plain.txt && chmod 1777 dir
touch -d '2024-01-02 03:04:05 UTC' plain.txt
printf 'caf\\351 = 1\\r\\nform\\014feed\\r\\n\\000nul\\r\\nend' > latin1.txt
mkdir -p /tmp/corral-nostat && printf '#!/bin/sh\nexit 1\n' > /tmp/corral-nostat/stat
chmod 755 /tmp/corral-nostat/stat
"""

CAPTURES: list[tuple[str, str, type[FactBase[Any]], dict[str, Any]]] = [
    ("host", "server_os", server.Os, {}),
    ("host", "server_kernel", server.Kernel, {}),
    ("host", "server_arch", server.Arch, {}),
    ("host", "server_hostname", server.Hostname, {}),
    ("host", "server_linuxdistribution", server.LinuxDistribution, {}),
    ("rootfs", "server_linuxdistribution_rootfs", server.LinuxDistribution, {}),
    ("host", "server_groups", server.Groups, {}),
    ("rootfs", "server_groups_rootfs", server.Groups, {}),
    ("rootfs", "server_users_rootfs", server.Users, {}),
    ("rootfs", "server_home_root", server.Home, {"user": "root"}),
    ("rootfs", "server_home_alice", server.Home, {"user": "alice"}),
    ("rootfs", "server_home_missing", server.Home, {"user": "nosuchuser"}),
    ("rootfs", "server_home_current", server.Home, {}),
    ("rootfs", "server_which_sh", server.Which, {"command": "sh"}),
    ("rootfs", "server_which_missing", server.Which, {"command": "nosuchcommand"}),
    ("host", "deb_debpackages", deb.DebPackages, {}),
    ("rootfs", "deb_debpackages_rootfs", deb.DebPackages, {}),
    ("rootfs", "file_plain", files.File, {"path": f"{FIX}/plain.txt"}),
    ("rootfs", "file_spaces", files.File, {"path": f"{FIX}/file with spaces.txt"}),
    ("rootfs", "file_setuid", files.File, {"path": f"{FIX}/setuid.sh"}),
    ("rootfs", "file_missing", files.File, {"path": f"{FIX}/missing"}),
    ("rootfs", "file_on_dir", files.File, {"path": f"{FIX}/dir"}),
    ("rootfs", "file_on_link", files.File, {"path": f"{FIX}/link-to-plain"}),
    ("rootfs", "file_on_fifo", files.File, {"path": f"{FIX}/fifo"}),
    ("nostat", "file_plain_ls", files.File, {"path": f"{FIX}/plain.txt"}),
    ("nostat", "link_spaces_ls", files.Link, {"path": f"{FIX}/link with spaces"}),
    ("nostat", "directory_root_ls", files.Directory, {"path": "/root"}),
    ("rootfs", "directory_dir", files.Directory, {"path": f"{FIX}/dir"}),
    ("rootfs", "directory_root", files.Directory, {"path": "/root"}),
    ("rootfs", "directory_on_file", files.Directory, {"path": f"{FIX}/plain.txt"}),
    ("rootfs", "directory_missing", files.Directory, {"path": f"{FIX}/missing/"}),
    ("rootfs", "link_plain", files.Link, {"path": f"{FIX}/link-to-plain"}),
    ("rootfs", "link_spaces", files.Link, {"path": f"{FIX}/link with spaces"}),
    ("rootfs", "link_dangling", files.Link, {"path": f"{FIX}/dangling"}),
    ("rootfs", "link_on_file", files.Link, {"path": f"{FIX}/plain.txt"}),
    ("rootfs", "link_missing", files.Link, {"path": f"{FIX}/missing"}),
    ("rootfs", "sha256_plain", files.Sha256File, {"path": f"{FIX}/plain.txt"}),
    ("rootfs", "sha256_spaces", files.Sha256File, {"path": f"{FIX}/file with spaces.txt"}),
    ("rootfs", "sha256_missing", files.Sha256File, {"path": f"{FIX}/missing"}),
    ("rootfs", "sha256_dir", files.Sha256File, {"path": f"{FIX}/dir"}),
    ("rootfs", "find_port", files.FindInFile, {"path": f"{FIX}/plain.txt", "pattern": "^port"}),
    ("rootfs", "find_ere", files.FindInFile,
     {"path": f"{FIX}/plain.txt", "pattern": "(first|last) line", "extended_regex": True}),
    ("rootfs", "find_nomatch", files.FindInFile,
     {"path": f"{FIX}/plain.txt", "pattern": "absent"}),
    ("rootfs", "find_missing", files.FindInFile, {"path": f"{FIX}/missing", "pattern": "x"}),
    ("rootfs", "find_interpolate", files.FindInFile,
     {"path": "/etc/passwd", "pattern": "^$USER:", "interpolate_variables": True}),
    ("rootfs", "find_interpolate_literal", files.FindInFile,
     {"path": "/etc/passwd", "pattern": "^${USER}:x:0:0:$(echo .*)`id`",
      "interpolate_variables": True}),
    ("rootfs", "find_latin1", files.FindInFile,
     {"path": f"{FIX}/latin1.txt", "pattern": "^caf.* = 1"}),
    ("rootfs", "find_nul", files.FindInFile, {"path": f"{FIX}/latin1.txt", "pattern": "nul"}),
    ("rootfs", "bytes_plain", files.FileBytes, {"path": f"{FIX}/plain.txt"}),
    ("rootfs", "bytes_latin1", files.FileBytes, {"path": f"{FIX}/latin1.txt"}),
    ("rootfs", "bytes_empty", files.FileBytes, {"path": f"{FIX}/empty.txt"}),
    ("rootfs", "bytes_missing", files.FileBytes, {"path": f"{FIX}/missing"}),
    ("rootfs", "bytes_dir", files.FileBytes, {"path": f"{FIX}/dir"}),
    ("rootfs", "contents_plain", files.FileContents, {"path": f"{FIX}/plain.txt"}),
    ("rootfs", "contents_empty", files.FileContents, {"path": f"{FIX}/empty.txt"}),
    ("rootfs", "contents_spaces", files.FileContents, {"path": f"{FIX}/file with spaces.txt"}),
    ("rootfs", "contents_missing", files.FileContents, {"path": f"{FIX}/missing"}),
    ("rootfs", "contents_dir", files.FileContents, {"path": f"{FIX}/dir"}),
]


def run(where: str, command: str) -> tuple[int, list[str]]:
    argv = ["sh", "-c", command]
    path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    if where == "nostat":  # a stat that fails, to capture the ``ls -ld`` fallback
        path = "/tmp/corral-nostat:" + path
    if where != "host":
        argv = ["chroot", ROOTFS, "/usr/bin/env", "-i", "HOME=/root", "USER=root",
                f"PATH={path}", *argv]
    proc = subprocess.run(argv, capture_output=True, check=False)
    text = proc.stdout.decode("utf-8", "replace")
    if text.endswith("\n"):
        text = text[:-1]
    return proc.returncode, text.split("\n") if text else []


def main() -> int:
    rc, _ = run("rootfs", SETUP)
    if rc:
        print("rootfs setup failed", file=sys.stderr)
        return 1
    wanted = set(sys.argv[1:])
    for where, name, cls, kwargs in CAPTURES:
        if wanted and name not in wanted:
            continue
        command = cls().command(**kwargs)
        rc, lines = run(where, command)
        record = {"fact": cls.name, "kwargs": kwargs, "where": where,
                  "command": command, "exit": rc, "output": lines}
        (HERE / f"{name}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"{name}: exit {rc}, {len(lines)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
