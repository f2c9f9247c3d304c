"""Re-capture the outputs of the extra files.* facts (hashes, find, Tree, Block, age),
stored next to this script as ``files_extra_<name>.json`` (run as root on Debian 12).

    .venv/bin/python tests/facts/data/capture_files_extra.py

Uses the same Debian 12 root file system as capture.py, with its own fixtures under
/srv/fixture-files (created by SETUP).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from capture import ROOTFS, run  # type: ignore[import-not-found]

from corral.facts import files
from corral.model.facts import FactBase

HERE = Path(__file__).parent
FIX = "/srv/fixture-files"

SETUP = f"""
set -e
rm -rf {FIX} && mkdir -p {FIX}/tree/sub/deeper {FIX}/tree/empty && cd {FIX}
printf 'alpha\\n' > tree/a.txt
printf 'beta\\n' > 'tree/sub/b c.txt'
printf 'back\\n' > 'tree/sub/back\\\\slash.txt'
printf '' > tree/sub/deeper/empty.bin
ln -s a.txt tree/link-a
ln -s ../a.txt tree/sub/up
chmod 600 tree/a.txt && chmod 750 tree/sub && chown daemon:daemon 'tree/sub/b c.txt'
printf 'x\\n# BEGIN PYINFRA BLOCK\\none\\n  two  \\n# END PYINFRA BLOCK\\ny\\n' > blocks.txt
printf 'x\\n# BEGIN PYINFRA BLOCK\\n# END PYINFRA BLOCK\\n' > empty-block.txt
printf '<body>\\n<!-- BEGIN app -->\\n<p>hi</p>\\n<!-- END app -->\\n</body>\\n' > page.html
printf 'no markers here\\n' > plain.txt
touch -d '2024-01-02 03:04:05 UTC' plain.txt
"""

CAPTURES: list[tuple[str, type[FactBase[Any]], dict[str, Any]]] = [
    ("md5_plain", files.Md5File, {"path": f"{FIX}/plain.txt"}),
    ("sha1_plain", files.Sha1File, {"path": f"{FIX}/plain.txt"}),
    ("sha384_plain", files.Sha384File, {"path": f"{FIX}/plain.txt"}),
    ("md5_missing", files.Md5File, {"path": f"{FIX}/missing"}),
    ("sha1_dir", files.Sha1File, {"path": f"{FIX}/tree"}),
    ("findfiles_tree", files.FindFiles, {"path": f"{FIX}/tree"}),
    ("findfiles_name", files.FindFiles, {"path": f"{FIX}/tree", "fname": "*.txt"}),
    ("findfiles_depth", files.FindFiles, {"path": f"{FIX}/tree", "maxdepth": 1}),
    ("findfiles_size", files.FindFiles, {"path": f"{FIX}/tree", "min_size": "1"}),
    ("findfiles_missing", files.FindFiles, {"path": f"{FIX}/missing"}),
    ("findlinks_tree", files.FindLinks, {"path": f"{FIX}/tree"}),
    ("finddirs_tree", files.FindDirectories, {"path": f"{FIX}/tree"}),
    ("tree_tree", files.Tree, {"path": f"{FIX}/tree"}),
    ("tree_empty", files.Tree, {"path": f"{FIX}/tree/empty"}),
    ("tree_missing", files.Tree, {"path": f"{FIX}/missing"}),
    ("tree_file", files.Tree, {"path": f"{FIX}/plain.txt"}),
    ("block_found", files.Block, {"path": f"{FIX}/blocks.txt"}),
    ("block_empty", files.Block, {"path": f"{FIX}/empty-block.txt"}),
    ("block_custom", files.Block,
     {"path": f"{FIX}/page.html", "marker": "<!-- {mark} app -->"}),
    ("block_nomarkers", files.Block, {"path": f"{FIX}/plain.txt"}),
    ("block_missing", files.Block, {"path": f"{FIX}/missing"}),
    ("age_plain", files.SecondsSinceModified, {"path": f"{FIX}/plain.txt"}),
    ("age_missing", files.SecondsSinceModified, {"path": f"{FIX}/missing"}),
]


def main() -> int:
    rc, _ = run("rootfs", SETUP)
    if rc:
        print(f"setup failed in {ROOTFS}", file=sys.stderr)
        return 1
    for name, cls, kwargs in CAPTURES:
        command = cls().command(**kwargs)
        rc, lines = run("rootfs", command)
        record = {"fact": cls.name, "kwargs": kwargs, "where": "rootfs",
                  "command": command, "exit": rc, "output": lines}
        (HERE / f"files_extra_{name}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"{name}: exit {rc}, {len(lines)} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
